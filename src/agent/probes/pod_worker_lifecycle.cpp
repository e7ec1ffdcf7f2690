// PodWorker's part in probes, lifecycle hooks, init containers and termination messages (the
// class is in agent/pod_worker.h; its sync loop in agent/pod_worker.cpp calls these).

#include "agent/pod_spec.h"
#include "agent/pod_status.h"
#include "agent/pod_worker.h"
#include "agent/probes/lifecycle_hooks.h"
#include "agent/probes/probe_manager.h"
#include "agent/probes/termination_message.h"
#include "common/json_util.h"
#include "common/log.h"

#include <algorithm>

namespace cube::agent {

namespace bj = boost::json;
using runtime::ContainerState;
using runtime::ContainerStatus;

namespace {

// postStart has no deadline of its own in Kubernetes; this bounds how long it can hold the pod.
constexpr std::chrono::minutes kPostStartTimeout{2};
// How long after an exit the log may still be catching up (FallbackToLogsOnError), and how
// often it is read again meanwhile.
constexpr std::chrono::seconds kLogSettleTime{2};
constexpr std::chrono::milliseconds kLogSettleRetry{200};

}  // namespace

bool PodWorker::syncInitContainers(const bj::object& spec,
                                   std::map<std::string, ContainerView>& views,
                                   const std::function<void(const bj::object&)>& syncContainer) {
  const auto* inits = json::getArray(spec, "initContainers");
  if (!inits) return true;
  auto viewOf = [&](const bj::object& cspec) -> ContainerView* {
    auto it = views.find(json::getString(cspec, "name"));
    return it == views.end() ? nullptr : &it->second;
  };
  // An app container that exists means the pod initialized before; otherwise the init
  // containers before the last one that exists are done (the kubelet reads it the same way,
  // backwards, as completed instances may be gone).
  bool initialized = false;
  if (const auto* containers = json::getArray(spec, "containers")) {
    for (const auto& cv : *containers) {
      const ContainerView* v = cv.is_object() ? viewOf(cv.as_object()) : nullptr;
      initialized |= v && v->current;
    }
  }
  int last = -1;
  for (size_t i = 0; i < inits->size(); ++i) {
    const ContainerView* v = (*inits)[i].is_object() ? viewOf((*inits)[i].as_object()) : nullptr;
    if (v && v->current) last = static_cast<int>(i);
  }
  for (size_t i = 0; i < inits->size(); ++i) {
    if (!(*inits)[i].is_object()) continue;
    const auto& cspec = (*inits)[i].as_object();
    const bool sidecar = isSidecarSpec(cspec);
    const int index = static_cast<int>(i);
    if (initialized || index < last) {
      // Done before: a sidecar is kept running (restarted after its back-off), a regular init
      // container is not run again.
      if (sidecar) syncContainer(cspec);
      continue;
    }
    if (index > last) {
      syncContainer(cspec);  // the next one to start
      return false;
    }
    // The one under way.
    if (sidecar) {
      syncContainer(cspec);
      const ContainerView* v = viewOf(cspec);
      if (v && sidecarStarted(cspec, *v)) continue;  // the next one may start
      return false;
    }
    const ContainerView* v = viewOf(cspec);
    if (v && v->current && v->current->state == ContainerState::Exited &&
        v->current->exitCode == 0) {
      continue;  // completed: the next one
    }
    // Running, or failed (restarted as restartPolicy says; Never ends the pod).
    syncContainer(cspec);
    return false;
  }
  return true;
}

bool PodWorker::sidecarStarted(const bj::object& cspec, const ContainerView& view) const {
  if (!view.current || view.current->state != ContainerState::Running) return false;
  if (!cspec.contains("startupProbe")) return true;
  return probes_ && probes_->state(view.current->id).started;
}

void PodWorker::probeReported(const std::string& container, int probeType,
                              const probes::ProbeResult& result) {
  PodPtr pod;
  {
    std::lock_guard lock(mutex_);
    pod = pod_;
  }
  std::string type = probes::probeTypeName(static_cast<probes::ProbeType>(probeType));
  if (result.success) {
    recordContainerEvent(*pod, container, "Warning", "ProbeWarning",
                         type + " probe warning: " + result.message);
  } else if (!result.errorState.empty()) {
    recordContainerEvent(
        *pod, container, "Warning", "Unhealthy",
        type + " probe errored and resulted in " + result.errorState + " state: " + result.message);
  } else {
    recordContainerEvent(*pod, container, "Warning", "Unhealthy",
                         type + " probe failed: " + result.message);
  }
}

void PodWorker::syncProbes(const PodPtr& podPtr, std::map<std::string, ContainerView>& views) {
  const bj::object& pod = *podPtr;
  const auto* spec = json::getObject(pod, "spec");
  if (!spec) return;
  // Sidecars are probed as app containers are.
  std::vector<const bj::object*> probed;
  if (const auto* inits = json::getArray(*spec, "initContainers")) {
    for (const auto& cv : *inits) {
      if (cv.is_object() && isSidecarSpec(cv.as_object())) probed.push_back(&cv.as_object());
    }
  }
  if (const auto* containers = json::getArray(*spec, "containers")) {
    for (const auto& cv : *containers) {
      if (cv.is_object()) probed.push_back(&cv.as_object());
    }
  }
  std::vector<probes::ProbeManager::Instance> running;
  for (const bj::object* cspec : probed) {
    if (!probes::hasProbes(*cspec)) continue;
    std::string name = json::getString(*cspec, "name");
    auto it = views.find(name);
    if (it == views.end() || !it->second.current) continue;
    const ContainerStatus& cur = *it->second.current;
    if (cur.state != ContainerState::Running) continue;
    running.push_back({name, cur.id, cur.startedAt.value_or(cur.createdAt), *cspec});
  }
  if (!probes_) {
    if (running.empty()) return;
    std::weak_ptr<PodWorker> weak = weak_from_this();
    probes::ProbeManagerDeps d;
    d.timers = deps_.executor;
    d.actions = probes::probeActionExecutor(deps_.executor);
    d.runtime = deps_.runtime;
    d.onChange = [weak] {
      if (auto self = weak.lock()) self->requestSync();
    };
    d.onReport = [weak](const std::string& name, probes::ProbeType type,
                        const probes::ProbeResult& result) {
      if (auto self = weak.lock()) self->probeReported(name, static_cast<int>(type), result);
    };
    probes_ = std::make_shared<probes::ProbeManager>(std::move(d));
  }
  probes_->update(podIP_, running);
  for (const auto& kill : probes_->takeKills()) {
    auto it = views.find(kill.name);
    if (it == views.end() || !it->second.current || it->second.current->id != kill.containerId ||
        it->second.current->state == ContainerState::Exited) {
      continue;
    }
    const char* what = kill.type == probes::ProbeType::Startup ? "startup" : "liveness";
    // The kubelet's words: an app container "will be restarted"; a sidecar's message stops short.
    std::string message =
        isInitContainer(pod, kill.name)
            ? "Init container " + kill.name + " failed " + what + " probe"
            : "Container " + kill.name + " failed " + what + " probe, will be restarted";
    recordContainerEvent(pod, kill.name, "Normal", "Killing", message);
    auto grace = kill.graceSeconds ? std::chrono::seconds(std::max<int64_t>(*kill.graceSeconds, 0))
                                   : podGrace(pod);
    stopContainer(pod, *it->second.current, grace, true);
  }
  for (const auto& inst : running) {
    auto state = probes_->state(inst.id);
    views[inst.name].started = state.started;
    views[inst.name].ready = state.ready;
  }
}

void PodWorker::addTerminationMessages(const bj::object& spec,
                                       std::map<std::string, ContainerView>& views) {
  for (const char* field : {"initContainers", "containers"}) {
    const auto* list = json::getArray(spec, field);
    if (!list) continue;
    for (const auto& cv : *list) {
      if (!cv.is_object()) continue;
      const auto& cspec = cv.as_object();
      if (json::getString(cspec, "terminationMessagePolicy") != "FallbackToLogsOnError") continue;
      auto it = views.find(json::getString(cspec, "name"));
      if (it == views.end()) continue;
      for (auto* instance : {&it->second.current, &it->second.previous}) {
        if (!*instance) continue;
        ContainerStatus& c = **instance;
        if (c.state != ContainerState::Exited || c.exitCode == 0 || !c.message.empty()) continue;
        auto cached = logMessages_.find(c.id);
        if (cached == logMessages_.end()) {
          std::string tail = probes::logTail(c.logPath);
          // The log shim may still be writing the last lines when the exit is seen: an empty
          // tail right after the exit is read again shortly, not kept.
          const TimePoint now = deps_.executor->now();
          if (tail.empty() && c.finishedAt && now - *c.finishedAt < kLogSettleTime) {
            wakeAt(now + kLogSettleRetry);
            continue;
          }
          cached = logMessages_.emplace(c.id, std::move(tail)).first;
        }
        c.message = cached->second;
      }
    }
  }
}

void PodWorker::runPostStart(const PodPtr& pod, const bj::object& containerSpec,
                             const std::string& containerId) {
  auto hook = probes::lifecycleHook(containerSpec, "postStart");
  if (!hook) return;
  std::string name = json::getString(containerSpec, "name");
  probes::ActionTarget target{deps_.runtime, containerId, podIP_, containerSpec,
                              probes::runtimeHasNetwork(*deps_.runtime)};
  probes::ProbeResult r =
      probes::runHook(*hook, target, name, podDescription(*pod), kPostStartTimeout);
  if (r.warning) recordPodEvent(*pod, "Warning", "LifecycleHTTPFallback", r.message);
  if (r.success) return;
  recordContainerEvent(*pod, name, "Warning", "FailedPostStartHook", r.message);
  recordContainerEvent(*pod, name, "Normal", "Killing", "FailedPostStartHook");
  deps_.runtime->stopContainer(containerId, podGrace(*pod));
}

void PodWorker::restartIfDefinitionChanged(const bj::object& pod, const bj::object& cspec,
                                           const ContainerStatus& container) {
  // A pod's containers may change only their image (kubectl set image, edit): the kubelet then
  // stops the container and starts the new image, whatever restartPolicy says.
  if (container.image == json::getString(cspec, "image") ||
      !definitionChanged_.insert(container.id).second) {
    return;
  }
  recordContainerEvent(pod, container.name, "Normal", "Killing",
                       "Container " + container.name + " definition changed, will be restarted");
  stopContainer(pod, container, podGrace(pod), true);
}

void PodWorker::stopContainer(const bj::object& pod, const ContainerStatus& container,
                              std::chrono::seconds grace, bool preStop) {
  const bj::object* cspec = findContainerSpec(pod, container.name);
  std::optional<probes::ProbeAction> hook;
  if (preStop && cspec && grace.count() > 0) hook = probes::lifecycleHook(*cspec, "preStop");
  if (!hook) {
    deps_.runtime->stopContainer(container.id, grace);
    return;
  }
  // The hook may take the whole grace: it runs on the probe pool, the stop follows it there.
  probes::ActionTarget target{deps_.runtime, container.id, podIP_, *cspec,
                              probes::runtimeHasNetwork(*deps_.runtime)};
  std::string podName = podDescription(pod);
  std::weak_ptr<PodWorker> weak = weak_from_this();
  auto podCopy = std::make_shared<const bj::object>(pod);
  probes::probeActionExecutor(deps_.executor)
      ->post([weak, hook = *hook, target, podName, podCopy, grace, name = container.name,
              runtime = deps_.runtime] {
        auto began = std::chrono::steady_clock::now();
        probes::ProbeResult r = probes::runHook(hook, target, name, podName, grace);
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began);
        if (auto self = weak.lock(); self && !r.success) {
          self->recordContainerEvent(*podCopy, name, "Warning", "FailedPreStopHook", r.message);
        } else if (self && r.warning) {
          self->recordPodEvent(*podCopy, "Warning", "LifecycleHTTPFallback", r.message);
        }
        try {
          runtime->stopContainer(target.containerId, probes::graceAfterPreStop(grace, spent));
        } catch (const std::exception& e) {
          CUBE_LOG(Warn) << "stop container " << target.containerId
                         << " after preStop: " << e.what();
        }
      });
}

}  // namespace cube::agent
