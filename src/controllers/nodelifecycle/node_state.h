#pragma once
// The node and pod edits the node lifecycle controller makes, as pure functions on JSON copies:
// conditions to Unknown when the kubelet stopped reporting, the not-ready/unreachable taints that
// follow the Ready condition, and a pod's Ready condition to False.

#include "common/clock.h"

#include <boost/json/object.hpp>

#include <string>

namespace cube::controllers::nodelifecycle {

inline constexpr const char* kUnreachableTaintKey = "node.kubernetes.io/unreachable";
inline constexpr const char* kNotReadyTaintKey = "node.kubernetes.io/not-ready";

// "True", "False", "Unknown", or "" when the node has no Ready condition.
std::string nodeReadyStatus(const boost::json::object& node);
// The Ready condition's lastHeartbeatTime ("" when absent).
std::string nodeReadyHeartbeat(const boost::json::object& node);

// Sets every condition that is not already Unknown to Unknown (reason NodeStatusUnknown, "Kubelet
// stopped posting node status."; a missing Ready condition is added as NodeStatusNeverUpdated),
// keeping each lastHeartbeatTime. True when something changed.
bool markNodeStatusUnknown(boost::json::object& node, TimePoint now);

// Makes the node's lifecycle taints (unreachable/not-ready, NoExecute and NoSchedule) match its
// Ready status: Unknown -> unreachable, False -> not-ready, True -> neither; "" leaves them
// alone. New taints get timeAdded = now, kept ones keep theirs; other taints are untouched.
// True when spec.taints changed.
bool reconcileLifecycleTaints(boost::json::object& node, const std::string& readyStatus,
                              TimePoint now);

// Sets the pod's Ready condition to False (reason NodeNotReady) unless it already is.
bool markPodNotReady(boost::json::object& pod, TimePoint now);

}  // namespace cube::controllers::nodelifecycle
