#pragma once
// Pod status from what the runtime reports, as the kubelet writes it: phase, conditions
// (PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled) with transition
// times that move only when a condition's status changes, initContainerStatuses and
// containerStatuses (waiting / running / terminated, lastState, restartCount, ready, started,
// image, imageID, containerID), hostIP(s), podIP(s), startTime; qosClass is kept. A pure
// function: tests give it runtime states and a time.
//
// Init containers: until each has exited 0 in order the pod is Pending (Failed when one failed
// under restartPolicy Never), Initialized is False (ContainersNotInitialized) and the app
// containers wait with reason PodInitializing. A completed init container is ready, not started.
// Probes: a running container is started and ready as ContainerView says (both when unset).
// Eviction: status.reason "Evicted" and status.message at once; phase Failed when nothing runs.
//
// Sidecars (init containers with restartPolicy Always), as the kubelet 1.32 counts them: one is
// initialized once started (not completed); its readiness counts toward ContainersReady and
// Ready (listed before the app containers); a running one keeps the pod Running, an exited one
// does not count for the phase, so a pod whose app containers finished is Succeeded or Failed
// by them alone. Once an app container has run, the pod stays Initialized while a sidecar
// restarts.

#include "common/clock.h"
#include "runtime/runtime.h"

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>

namespace cube::agent {

// One container of the pod spec, as the runtime holds it.
struct ContainerView {
  std::optional<runtime::ContainerStatus> current;   // the latest instance
  std::optional<runtime::ContainerStatus> previous;  // the instance before it, if kept
  // Set while an exited container waits out its restart back-off.
  std::optional<TimePoint> backoffUntil;
  std::chrono::seconds backoff{0};
  // Set when the next instance cannot be created (ErrImagePull, ImagePullBackOff,
  // CreateContainerConfigError, ...): the container waits with this reason.
  std::string waitingReason;
  std::string waitingMessage;
  // Probe results of a running current instance (probes/probe_manager.h); unset: no probes, so
  // started and ready once it runs.
  std::optional<bool> started;
  std::optional<bool> ready;
};

struct PodRuntimeView {
  bool sandboxReady = false;
  std::string hostIP;
  std::string podIP;
  TimePoint startTime;
  std::map<std::string, ContainerView> containers;  // by container name, init containers too
  // Set when the node evicted the pod (an emptyDir over its sizeLimit): the pod is Failed with
  // reason Evicted and this message once none of its containers runs any more.
  std::string evictionMessage;
};

// The complete `status` to write for `pod` (the object from the API, for spec, its old status
// and metadata).
boost::json::object computePodStatus(const boost::json::object& pod, const PodRuntimeView& view,
                                     TimePoint now);

// "40s", "1m20s", "5m0s": how the kubelet prints back-off durations.
std::string formatGoDuration(std::chrono::seconds d);

// Succeeded or Failed: the pod will not run again.
bool isTerminalPhase(const std::string& phase);

// An init container with restartPolicy Always: a sidecar (a restartable init container).
bool isSidecarSpec(const boost::json::object& containerSpec);

}  // namespace cube::agent
