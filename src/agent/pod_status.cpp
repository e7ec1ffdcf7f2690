#include "agent/pod_status.h"

#include "agent/conditions.h"
#include "common/json_util.h"

#include <vector>

namespace cube::agent {

namespace bj = boost::json;
using runtime::ContainerState;
using runtime::ContainerStatus;

bool isTerminalPhase(const std::string& phase) {
  return phase == "Succeeded" || phase == "Failed";
}

bool isSidecarSpec(const bj::object& containerSpec) {
  return json::getString(containerSpec, "restartPolicy") == "Always";
}

std::string formatGoDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s < 60) return std::to_string(s) + "s";
  int64_t m = s / 60;
  s %= 60;
  if (m < 60) return std::to_string(m) + "m" + std::to_string(s) + "s";
  return std::to_string(m / 60) + "h" + std::to_string(m % 60) + "m" + std::to_string(s) + "s";
}

namespace {

bj::object terminatedState(const ContainerStatus& c) {
  bj::object t{{"exitCode", c.exitCode}, {"reason", c.reason}, {"containerID", c.id}};
  if (!c.message.empty()) t["message"] = c.message;
  // A container stopped before it ever ran has no start; Kubernetes then shows the finish.
  t["startedAt"] = formatRfc3339(c.startedAt.value_or(c.finishedAt.value_or(c.createdAt)));
  t["finishedAt"] = formatRfc3339(c.finishedAt.value_or(c.createdAt));
  return t;
}

struct ContainerOutcome {
  bj::object status;
  enum { Waiting, Restarting, Recreated, Running, Succeeded, Failed } kind;
  bool ready = false;
};

ContainerOutcome containerStatus(const bj::object& spec, const std::string& podKey,
                                 const std::string& podUid, const ContainerView* view,
                                 bool init = false, bool initialized = true) {
  std::string name = json::getString(spec, "name");
  const bool sidecar = init && isSidecarSpec(spec);
  ContainerOutcome out;
  bj::object& s = out.status;
  s["name"] = name;
  s["image"] = json::getString(spec, "image");
  s["imageID"] = "";
  s["ready"] = false;
  s["restartCount"] = 0;
  s["started"] = false;
  s["lastState"] = bj::object{};
  const ContainerStatus* cur = view && view->current ? &*view->current : nullptr;
  const ContainerStatus* prev = view && view->previous ? &*view->previous : nullptr;
  // The image the container runs (the spec's may have changed since: it restarts with it).
  if (cur && !cur->image.empty()) s["image"] = cur->image;
  auto waitingState = [&](const std::string& reason) {
    bj::object w{{"reason", reason}};
    if (view && !view->waitingMessage.empty()) w["message"] = view->waitingMessage;
    return bj::object{{"waiting", std::move(w)}};
  };
  if (!cur) {
    s["state"] = waitingState(view && !view->waitingReason.empty() ? view->waitingReason
                              : init || !initialized               ? "PodInitializing"
                                                                   : "ContainerCreating");
    out.kind = ContainerOutcome::Waiting;
    return out;
  }
  s["restartCount"] = cur->attempt;
  s["imageID"] = cur->imageId;
  s["containerID"] = cur->id;
  if (prev && prev->state == ContainerState::Exited) {
    s["lastState"] = bj::object{{"terminated", terminatedState(*prev)}};
  }
  switch (cur->state) {
    case ContainerState::Created:
      s["state"] = bj::object{{"waiting", bj::object{{"reason", "ContainerCreating"}}}};
      // A new instance of a container that ran keeps the pod Running meanwhile (also under
      // restartPolicy Never, where only a changed image restarts a container).
      out.kind = cur->attempt > 0 ? ContainerOutcome::Recreated : ContainerOutcome::Waiting;
      break;
    case ContainerState::Running:
      s["state"] = bj::object{
          {"running",
           bj::object{{"startedAt", formatRfc3339(cur->startedAt.value_or(cur->createdAt))}}}};
      {
        // Without probes a running container is started and ready; a running init container
        // is never ready (it becomes so by completing), a sidecar is as its probes say.
        bool started = view->started.value_or(true);
        bool ready = (!init || sidecar) && started && view->ready.value_or(true);
        s["started"] = started;
        s["ready"] = ready;
        out.ready = ready;
      }
      out.kind = ContainerOutcome::Running;
      break;
    case ContainerState::Exited:
      if (!view->waitingReason.empty()) {
        // Its next instance cannot be made (the image is gone, a ConfigMap is missing).
        s["lastState"] = bj::object{{"terminated", terminatedState(*cur)}};
        s["state"] = waitingState(view->waitingReason);
        out.kind = ContainerOutcome::Restarting;
      } else if (view->backoffUntil) {
        // Waiting out the back-off: the exit becomes lastState, as the kubelet shows it.
        s["lastState"] = bj::object{{"terminated", terminatedState(*cur)}};
        s["state"] = bj::object{
            {"waiting", bj::object{{"reason", "CrashLoopBackOff"},
                                   {"message", "back-off " + formatGoDuration(view->backoff) +
                                                   " restarting failed container=" + name +
                                                   " pod=" + podKey + "(" + podUid + ")"}}}};
        out.kind = ContainerOutcome::Restarting;
      } else {
        s["state"] = bj::object{{"terminated", terminatedState(*cur)}};
        out.kind = cur->exitCode == 0 ? ContainerOutcome::Succeeded : ContainerOutcome::Failed;
        if (init && !sidecar && cur->exitCode == 0) {
          s["ready"] = true;
          out.ready = true;
        }
      }
      break;
  }
  return out;
}

// Keeps the old transition time when the condition's status is unchanged.
bj::object condition(const bj::array* old, const std::string& type, bool value,
                     const std::string& reason, const std::string& message, TimePoint now) {
  std::string status = value ? "True" : "False";
  std::string transition = transitionTime(old, type, status, formatRfc3339(now));
  bj::object c{{"type", type},
               {"status", status},
               {"lastProbeTime", nullptr},
               {"lastTransitionTime", transition}};
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  return c;
}

}  // namespace

bj::object computePodStatus(const bj::object& pod, const PodRuntimeView& view, TimePoint now) {
  static const bj::object kEmpty;
  const auto* metaPtr = json::getObject(pod, "metadata");
  const auto& meta = metaPtr ? *metaPtr : kEmpty;
  const auto* specPtr = json::getObject(pod, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  const auto* oldPtr = json::getObject(pod, "status");
  const auto& old = oldPtr ? *oldPtr : kEmpty;
  // The kubelet's pod description: name_namespace (then "(uid)").
  std::string podKey = json::getString(meta, "name") + "_" + json::getString(meta, "namespace");
  std::string uid = json::getString(meta, "uid");

  std::string policy = json::getString(spec, "restartPolicy", "Always");
  const auto* inits = json::getArray(spec, "initContainers");
  const auto* containers = json::getArray(spec, "containers");
  auto viewOf = [&](const bj::value& cv) -> const ContainerView* {
    auto it = view.containers.find(json::getString(cv.as_object(), "name"));
    return it == view.containers.end() ? nullptr : &it->second;
  };
  // An app container that has run (running or exited): the pod was initialized, and stays so
  // while a sidecar restarts.
  bool appStarted = false;
  if (containers) {
    for (const auto& cv : *containers) {
      const ContainerView* v = cv.is_object() ? viewOf(cv) : nullptr;
      appStarted |= v && v->current && v->current->state != ContainerState::Created &&
                    !v->backoffUntil && v->waitingReason.empty();
    }
  }

  // The kubelet's counters for the phase: init containers still to finish (or sidecars still
  // to start), and sidecars plus app containers waiting, running, stopped, succeeded.
  int pendingInit = 0, waiting = 0, running = 0, stopped = 0, succeeded = 0;
  bj::array initStatuses;
  std::vector<std::string> incomplete;
  std::vector<std::string> unready;  // sidecars first, then app containers
  bool initFailed = false;           // one failed and will not run again (restartPolicy Never)
  if (inits) {
    for (const auto& cv : *inits) {
      if (!cv.is_object()) continue;
      std::string name = json::getString(cv.as_object(), "name");
      auto outcome = containerStatus(cv.as_object(), podKey, uid, viewOf(cv), true);
      if (isSidecarSpec(cv.as_object())) {
        bool started = outcome.status.at("started").as_bool();
        if (!started) incomplete.push_back(name);
        if (!outcome.ready) unready.push_back(name);
        if (outcome.kind == ContainerOutcome::Running) {
          ++running;
          if (!started) ++pendingInit;
        } else if (outcome.kind == ContainerOutcome::Waiting) {
          ++pendingInit;
          ++waiting;
        }  // an exited sidecar does not count for the phase
      } else {
        if (outcome.kind != ContainerOutcome::Succeeded) incomplete.push_back(name);
        if (outcome.kind == ContainerOutcome::Running ||
            outcome.kind == ContainerOutcome::Waiting) {
          ++pendingInit;
        }
        if (outcome.kind == ContainerOutcome::Failed && policy == "Never") initFailed = true;
      }
      initStatuses.push_back(std::move(outcome.status));
    }
  }
  bool initialized = incomplete.empty() || appStarted;

  bj::array statuses;
  if (containers) {
    for (const auto& cv : *containers) {
      if (!cv.is_object()) continue;
      std::string name = json::getString(cv.as_object(), "name");
      auto outcome = containerStatus(cv.as_object(), podKey, uid, viewOf(cv), false, initialized);
      switch (outcome.kind) {
        case ContainerOutcome::Waiting:
          ++waiting;
          break;
        case ContainerOutcome::Restarting:  // waiting again after an exit
          ++stopped;
          break;
        case ContainerOutcome::Recreated:  // about to run again
        case ContainerOutcome::Running:
          ++running;
          break;
        case ContainerOutcome::Succeeded:
          ++stopped;
          ++succeeded;
          break;
        case ContainerOutcome::Failed:
          ++stopped;
          break;
      }
      if (!outcome.ready) unready.push_back(name);
      statuses.push_back(std::move(outcome.status));
    }
  }

  // The kubelet's rule: a container that never ran (or initialization still under way) keeps
  // the pod Pending; one running makes it Running. When all have stopped: Running still under
  // restartPolicy Always (they are about to restart; an exit may be seen before the worker
  // restarts it), Succeeded when all exited 0, Failed under Never, else (OnFailure) Running.
  std::string phase;
  if (initFailed) {
    phase = "Failed";
  } else if ((pendingInit > 0 && !appStarted) || waiting > 0 || statuses.empty()) {
    phase = "Pending";
  } else if (running > 0) {
    phase = "Running";
  } else if (stopped > 0) {
    phase = policy == "Always"     ? "Running"
            : stopped == succeeded ? "Succeeded"
            : policy == "Never"    ? "Failed"
                                   : "Running";
  } else {
    phase = "Pending";
  }
  // An evicted pod's containers are being stopped; it is Failed once none runs.
  bool evicted = !view.evictionMessage.empty();
  if (evicted && running == 0) phase = "Failed";
  std::string oldPhase = json::getString(old, "phase");
  if (isTerminalPhase(oldPhase)) phase = oldPhase;  // terminal phases never go back

  const bj::array* oldConditions = json::getArray(old, "conditions");
  bool containersReady = unready.empty() && !statuses.empty();
  std::string unreadyMessage;
  if (!containersReady) {
    unreadyMessage = "containers with unready status: [";
    for (size_t i = 0; i < unready.size(); ++i) unreadyMessage += (i ? " " : "") + unready[i];
    unreadyMessage += "]";
  }
  bool terminal = isTerminalPhase(phase);
  // The kubelet's reasons once the pod is over: PodCompleted when it succeeded, PodFailed when it
  // failed (Initialized says PodCompleted only for the first).
  std::string notReadyReason = phase == "Succeeded" ? "PodCompleted"
                               : phase == "Failed"  ? "PodFailed"
                                                    : "ContainersNotReady";
  if (terminal) unreadyMessage.clear();
  bj::array conditions;
  conditions.push_back(condition(oldConditions, "PodReadyToStartContainers",
                                 view.sandboxReady || terminal, "", "", now));
  if (initialized) {
    conditions.push_back(condition(oldConditions, "Initialized", true,
                                   phase == "Succeeded" ? "PodCompleted" : "", "", now));
  } else {
    std::string message = "containers with incomplete status: [";
    for (size_t i = 0; i < incomplete.size(); ++i) message += (i ? " " : "") + incomplete[i];
    conditions.push_back(condition(oldConditions, "Initialized", false, "ContainersNotInitialized",
                                   message + "]", now));
  }
  conditions.push_back(condition(oldConditions, "Ready", containersReady && !terminal,
                                 containersReady && !terminal ? "" : notReadyReason, unreadyMessage,
                                 now));
  conditions.push_back(condition(oldConditions, "ContainersReady", containersReady && !terminal,
                                 containersReady && !terminal ? "" : notReadyReason, unreadyMessage,
                                 now));
  conditions.push_back(condition(oldConditions, "PodScheduled", true, "", "", now));

  bj::object status;
  status["phase"] = phase;
  if (evicted) {
    status["reason"] = "Evicted";
    status["message"] = view.evictionMessage;
  }
  status["conditions"] = std::move(conditions);
  if (!view.hostIP.empty()) {
    status["hostIP"] = view.hostIP;
    status["hostIPs"] = bj::array{bj::object{{"ip", view.hostIP}}};
  }
  if (!view.podIP.empty()) {
    status["podIP"] = view.podIP;
    status["podIPs"] = bj::array{bj::object{{"ip", view.podIP}}};
  }
  std::string startTime = json::getString(old, "startTime");
  status["startTime"] = startTime.empty() ? formatRfc3339(view.startTime) : startTime;
  if (!initStatuses.empty()) status["initContainerStatuses"] = std::move(initStatuses);
  status["containerStatuses"] = std::move(statuses);
  std::string qos = json::getString(old, "qosClass");
  if (!qos.empty()) status["qosClass"] = qos;
  return status;
}

}  // namespace cube::agent
