// PodWorker's part in stopping a pod's containers in the kubelet's order (the class is in
// agent/pod_worker.h): on deletion, and when a pod's app containers have finished for good and
// its sidecars are to stop. The kubelet (1.29+, sidecar containers) stops every container at
// once, except that a sidecar waits for the app containers and the sidecars after it in the
// spec to exit, up to the end of the grace period; every container's preStop hook runs at the
// start; a sidecar is then stopped with what is left of the grace, but never less than 2 s.
//
// Level-triggered like the rest of the worker: each sync looks at what still runs and stops
// what may stop now; exits (runtime events), finished hooks and the grace's end sync again.

#include "agent/pod_spec.h"
#include "agent/pod_status.h"
#include "agent/pod_worker.h"
#include "agent/probes/lifecycle_hooks.h"
#include "agent/probes/probe_action.h"
#include "agent/probes/probe_manager.h"
#include "common/json_util.h"
#include "common/log.h"

#include <algorithm>

namespace cube::agent {

namespace bj = boost::json;
using runtime::ContainerState;
using runtime::ContainerStatus;

namespace {

// The kubelet's minimumGracePeriodInSeconds: a sidecar's stop is never shorter.
constexpr std::chrono::seconds kMinimumGrace{2};

// The sidecars' names, in spec order.
std::vector<std::string> sidecarNames(const bj::object& pod) {
  std::vector<std::string> out;
  const auto* spec = json::getObject(pod, "spec");
  const auto* inits = spec ? json::getArray(*spec, "initContainers") : nullptr;
  if (!inits) return out;
  for (const auto& cv : *inits) {
    if (cv.is_object() && isSidecarSpec(cv.as_object())) {
      out.push_back(json::getString(cv.as_object(), "name"));
    }
  }
  return out;
}

}  // namespace

bool PodWorker::stopContainersInOrder(const bj::object& pod, std::chrono::seconds grace) {
  std::map<std::string, ContainerStatus> running;  // by name
  for (auto& c : deps_.runtime->listContainers(sandboxId_)) {
    if (c.state != ContainerState::Exited) running[c.name] = std::move(c);
  }
  if (running.empty()) return true;
  const TimePoint now = deps_.executor->now();
  // A later delete may shorten the grace (kubectl delete --grace-period=0 --force): everything
  // still running is stopped again with it, without hooks.
  if (!termination_ || grace < termination_->grace) {
    bool first = !termination_;
    termination_ = Termination{now, grace, first, {}, {}};
    // The runtime reports the exits; this wake-up is a safety net should an event be lost.
    wakeAt(now + grace + std::chrono::seconds(1));
  }
  Termination& t = *termination_;
  const std::vector<std::string> sidecars = sidecarNames(pod);
  auto isSidecar = [&](const std::string& name) {
    return std::find(sidecars.begin(), sidecars.end(), name) != sidecars.end();
  };

  bool appsRunning = false;
  for (const auto& [name, c] : running) {
    if (isSidecar(name)) continue;
    appsRunning = true;
    if (!t.stopped.insert(c.id).second) continue;
    t.announced.insert(c.id);
    recordContainerEvent(pod, name, "Normal", "Killing", "Stopping container " + name);
    stopContainer(pod, c, grace, t.preStop);
  }

  // Sidecars, the last one first: each waits for those after it.
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - t.began);
  const bool expired = elapsed >= grace;
  bool laterRunning = false;
  for (auto it = sidecars.rbegin(); it != sidecars.rend(); ++it) {
    auto found = running.find(*it);
    if (found == running.end()) continue;
    const ContainerStatus& c = found->second;
    const bool turn = !appsRunning && !laterRunning;
    laterRunning = true;
    if (t.announced.insert(c.id).second) {
      recordContainerEvent(pod, c.name, "Normal", "Killing", "Stopping container " + c.name);
      if (t.preStop && grace.count() > 0) runSidecarPreStop(pod, c, grace);
    }
    if (t.stopped.count(c.id)) continue;
    if (grace.count() > 0 && t.preStop && !preStopDone(c.id)) continue;  // its hook wakes us
    if (!turn && !expired) {
      wakeAt(t.began + grace);
      continue;
    }
    t.stopped.insert(c.id);
    auto left = grace.count() == 0 ? grace : std::max(grace - elapsed, kMinimumGrace);
    deps_.runtime->stopContainer(c.id, left);
  }
  return false;
}

void PodWorker::runSidecarPreStop(const bj::object& pod, const ContainerStatus& container,
                                  std::chrono::seconds grace) {
  const bj::object* cspec = findContainerSpec(pod, container.name);
  auto hook = cspec ? probes::lifecycleHook(*cspec, "preStop") : std::nullopt;
  auto done = [weak = weak_from_this(), id = container.id] {
    if (auto self = weak.lock()) {
      {
        std::lock_guard lock(self->mutex_);
        self->preStopsDone_.insert(id);
      }
      self->requestSync();
    }
  };
  if (!hook) {
    std::lock_guard lock(mutex_);
    preStopsDone_.insert(container.id);
    return;
  }
  probes::ActionTarget target{deps_.runtime, container.id, podIP_, *cspec,
                              probes::runtimeHasNetwork(*deps_.runtime)};
  auto podCopy = std::make_shared<const bj::object>(pod);
  probes::probeActionExecutor(deps_.executor)
      ->post([weak = weak_from_this(), hook = *hook, target, podCopy, grace, name = container.name,
              done] {
        probes::ProbeResult r =
            probes::runHook(hook, target, name, podDescription(*podCopy), grace);
        if (auto self = weak.lock(); self && !r.success) {
          self->recordContainerEvent(*podCopy, name, "Warning", "FailedPreStopHook", r.message);
        } else if (self && r.warning) {
          self->recordPodEvent(*podCopy, "Warning", "LifecycleHTTPFallback", r.message);
        }
        done();
      });
}

bool PodWorker::preStopDone(const std::string& containerId) const {
  std::lock_guard lock(mutex_);
  return preStopsDone_.count(containerId) != 0;
}

}  // namespace cube::agent
