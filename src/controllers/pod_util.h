#pragma once
// What controllers read from a pod's status: whether it still counts (active), ready, available
// after minReadySeconds, and the facts the scale-down ranking compares.

#include "common/clock.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cube::controllers {

std::string podPhase(const boost::json::object& pod);
std::string podNodeName(const boost::json::object& pod);
// Succeeded or Failed: its containers will not run again.
bool isPodTerminal(const boost::json::object& pod);
// Not Succeeded, not Failed and not being deleted: a pod a replica controller counts.
bool isPodActive(const boost::json::object& pod);
// The Ready condition is True.
bool isPodReady(const boost::json::object& pod);
// When the Ready condition last became True (nullopt when not ready or unknown).
std::optional<TimePoint> podReadySince(const boost::json::object& pod);
// Ready for at least `minReadySeconds` at `now` (0: ready is enough).
bool isPodAvailable(const boost::json::object& pod, int64_t minReadySeconds, TimePoint now);
// The highest restartCount among its containers.
int64_t maxContainerRestarts(const boost::json::object& pod);
std::optional<TimePoint> creationTime(const boost::json::object& obj);
// The controller.kubernetes.io/pod-deletion-cost annotation (0 when absent or not an int32).
int32_t podDeletionCost(const boost::json::object& pod);

// Sets `condition` (type, status, reason, message) among status.conditions as Kubernetes'
// UpdatePodCondition does: lastTransitionTime moves only when the status changes, lastProbeTime
// is null. False when the condition was already so.
bool setPodCondition(boost::json::object& status, const boost::json::object& condition,
                     TimePoint now);
// A status holding the pod's conditions: the start of a pods/status merge patch that sets one
// (a merge patch replaces the list whole, so all of them are sent).
boost::json::object statusWithConditionsOf(const boost::json::object& pod);
// A merge patch for pods/status that writes `status` (its conditions replace the pod's whole
// list) and carries the pod's uid, so it fails on another pod that took the name (422).
std::string podStatusPatch(const std::string& uid, boost::json::object status);
// The DisruptionTarget condition a controller sets on a pod it is about to delete.
boost::json::object disruptionTarget(const std::string& reason, const std::string& message);

}  // namespace cube::controllers
