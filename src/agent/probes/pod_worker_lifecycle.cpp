// PodWorker's part in probes, lifecycle hooks, init containers and termination messages (the
// class is in agent/pod_worker.h; its sync loop in agent/pod_worker.cpp calls these).

#include "agent/downward_api.h"
#include "agent/pod_status.h"
#include "agent/pod_worker.h"
#include "agent/probes/lifecycle_hooks.h"
#include "agent/probes/probe_manager.h"
#include "agent/probes/termination_message.h"
#include "common/json_util.h"
#include "common/log.h"

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

std::string describePod(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  if (!meta) return "";
  return json::getString(*meta, "name") + "_" + json::getString(*meta, "namespace") + "(" +
         json::getString(*meta, "uid") + ")";
}

std::chrono::seconds podGrace(const bj::object& pod) {
  const auto* spec = json::getObject(pod, "spec");
  int64_t grace = spec ? json::getInt(*spec, "terminationGracePeriodSeconds", 30) : 30;
  return std::chrono::seconds(std::max<int64_t>(grace, 0));
}

}  // namespace

bool PodWorker::syncInitContainers(const bj::object& spec,
                                   std::map<std::string, ContainerView>& views,
                                   const std::function<void(const bj::object&)>& syncContainer) {
  const auto* inits = json::getArray(spec, "initContainers");
  if (!inits) return true;
  for (const auto& cv : *inits) {
    if (!cv.is_object()) continue;
    const auto& cspec = cv.as_object();
    auto it = views.find(json::getString(cspec, "name"));
    const ContainerView* view = it == views.end() ? nullptr : &it->second;
    if (view && view->current && view->current->state == ContainerState::Exited &&
        view->current->exitCode == 0) {
      continue;  // completed: the next one
    }
    // Not run yet, running, or failed (restarted as restartPolicy says; Never ends the pod).
    syncContainer(cspec);
    return false;
  }
  return true;
}

void PodWorker::probeFailed(const std::string& container, int probeType,
                            const std::string& message) {
  PodPtr pod;
  {
    std::lock_guard lock(mutex_);
    pod = pod_;
  }
  recordContainerEvent(
      *pod, container, "Warning", "Unhealthy",
      std::string(probes::probeTypeName(static_cast<probes::ProbeType>(probeType))) +
          " probe failed: " + message);
}

void PodWorker::syncProbes(const PodPtr& podPtr, std::map<std::string, ContainerView>& views) {
  const bj::object& pod = *podPtr;
  const auto* spec = json::getObject(pod, "spec");
  const auto* containers = spec ? json::getArray(*spec, "containers") : nullptr;
  if (!containers) return;
  std::vector<probes::ProbeManager::Instance> running;
  for (const auto& cv : *containers) {
    if (!cv.is_object() || !probes::hasProbes(cv.as_object())) continue;
    std::string name = json::getString(cv.as_object(), "name");
    auto it = views.find(name);
    if (it == views.end() || !it->second.current) continue;
    const ContainerStatus& cur = *it->second.current;
    if (cur.state != ContainerState::Running) continue;
    running.push_back({name, cur.id, cur.startedAt.value_or(cur.createdAt), cv.as_object()});
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
    d.onFailure = [weak](const std::string& name, probes::ProbeType type, const std::string& msg) {
      if (auto self = weak.lock()) self->probeFailed(name, static_cast<int>(type), msg);
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
    recordContainerEvent(
        pod, kill.name, "Normal", "Killing",
        "Container " + kill.name + " failed " + what + " probe, will be restarted");
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
      probes::runHook(*hook, target, name, describePod(*pod), kPostStartTimeout);
  if (r.success) return;
  recordContainerEvent(*pod, name, "Warning", "FailedPostStartHook", r.message);
  recordContainerEvent(*pod, name, "Normal", "Killing", "FailedPostStartHook");
  deps_.runtime->stopContainer(containerId, podGrace(*pod));
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
  std::string podName = describePod(pod);
  std::weak_ptr<PodWorker> weak = weak_from_this();
  auto podCopy = std::make_shared<const bj::object>(pod);
  probes::probeActionExecutor(deps_.executor)
      ->post([weak, hook = *hook, target, podName, podCopy, grace, name = container.name,
              runtime = deps_.runtime] {
        auto began = std::chrono::steady_clock::now();
        probes::ProbeResult r = probes::runHook(hook, target, name, podName, grace);
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began);
        if (!r.success) {
          if (auto self = weak.lock()) {
            self->recordContainerEvent(*podCopy, name, "Warning", "FailedPreStopHook", r.message);
          }
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
