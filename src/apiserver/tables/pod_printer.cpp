// Pod: NAME READY STATUS RESTARTS AGE; wide IP NODE NOMINATED NODE READINESS GATES.
// The STATUS cell is the one most people read, so it follows Kubernetes' printPod rules step by
// step: phase or status.reason, then the first init container that has not finished, then the
// app containers (last one wins), then Terminating/Unknown for pods being deleted.

#include "apiserver/tables/cell_format.h"

#include <set>

namespace cube::tables {
namespace {

// A timestamp that may be unset; unset sorts before every real time, as Go's zero time does.
using MaybeTime = std::optional<TimePoint>;

void keepLatest(MaybeTime& latest, const object& containerStatus) {
  const object* terminated = objectPath(containerStatus, {"lastState", "terminated"});
  if (!terminated) return;
  MaybeTime finished = parseRfc3339(stringField(*terminated, "finishedAt"));
  if (finished && (!latest || *latest < *finished)) latest = finished;
}

bool conditionTrue(const object& status, std::string_view type) {
  for (const object* c : objectsIn(status, "conditions")) {
    if (stringField(*c, "type") == type) return stringField(*c, "status") == "True";
  }
  return false;
}

bool hasReadyCondition(const object& status) {
  for (const object* c : objectsIn(status, "conditions")) {
    if (stringField(*c, "type") == "Ready" && stringField(*c, "status") == "True") return true;
  }
  return false;
}

// "Signal:9" / "ExitCode:1" for a terminated state without a reason.
std::string terminatedWithoutReason(const object& terminated) {
  int64_t signal = intField(terminated, "signal");
  if (signal != 0) return "Signal:" + std::to_string(signal);
  return "ExitCode:" + std::to_string(intField(terminated, "exitCode"));
}

struct PodSummary {
  int64_t ready = 0;
  int64_t total = 0;
  std::string reason;
  int64_t restarts = 0;
  MaybeTime lastRestart;
};

PodSummary summarize(const object& pod) {
  static const object empty;
  const object* specPtr = objectField(pod, "spec");
  const object* statusPtr = objectField(pod, "status");
  const object& spec = specPtr ? *specPtr : empty;
  const object& status = statusPtr ? *statusPtr : empty;

  PodSummary s;
  s.total = static_cast<int64_t>(objectsIn(spec, "containers").size());
  const std::string phase = stringField(status, "phase");
  s.reason = phase;
  if (std::string r = stringField(status, "reason"); !r.empty()) s.reason = r;
  for (const object* c : objectsIn(status, "conditions")) {
    if (stringField(*c, "type") == "PodScheduled" &&
        stringField(*c, "reason") == "SchedulingGated") {
      s.reason = "SchedulingGated";
    }
  }

  // Sidecars (init containers with restartPolicy Always) count as containers of the pod.
  std::set<std::string> sidecars;
  const auto initContainers = objectsIn(spec, "initContainers");
  for (const object* c : initContainers) {
    if (stringField(*c, "restartPolicy") == "Always") {
      sidecars.insert(stringField(*c, "name"));
      ++s.total;
    }
  }

  int64_t sidecarRestarts = 0;
  MaybeTime sidecarLastRestart;
  bool initializing = false;
  const auto initStatuses = objectsIn(status, "initContainerStatuses");
  for (size_t i = 0; i < initStatuses.size(); ++i) {
    const object& cs = *initStatuses[i];
    const bool isSidecar = sidecars.count(stringField(cs, "name")) != 0;
    s.restarts += intField(cs, "restartCount");
    keepLatest(s.lastRestart, cs);
    if (isSidecar) {
      sidecarRestarts += intField(cs, "restartCount");
      keepLatest(sidecarLastRestart, cs);
    }
    const object* terminated = objectPath(cs, {"state", "terminated"});
    const object* waiting = objectPath(cs, {"state", "waiting"});
    if (terminated && intField(*terminated, "exitCode") == 0) continue;
    if (isSidecar && boolField(cs, "started")) {
      if (boolField(cs, "ready")) ++s.ready;
      continue;
    }
    // The first init container that has not finished decides the status.
    if (terminated) {
      std::string r = stringField(*terminated, "reason");
      s.reason = "Init:" + (r.empty() ? terminatedWithoutReason(*terminated) : r);
    } else if (waiting && !stringField(*waiting, "reason").empty() &&
               stringField(*waiting, "reason") != "PodInitializing") {
      s.reason = "Init:" + stringField(*waiting, "reason");
    } else {
      s.reason = "Init:" + std::to_string(i) + "/" + std::to_string(initContainers.size());
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(status, "Initialized")) {
    // Restarts of init containers that ran to completion no longer count once the pod runs.
    s.restarts = sidecarRestarts;
    s.lastRestart = sidecarLastRestart;
    bool hasRunning = false;
    const auto statuses = objectsIn(status, "containerStatuses");
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const object& cs = **it;
      s.restarts += intField(cs, "restartCount");
      keepLatest(s.lastRestart, cs);
      const object* waiting = objectPath(cs, {"state", "waiting"});
      const object* terminated = objectPath(cs, {"state", "terminated"});
      if (waiting && !stringField(*waiting, "reason").empty()) {
        s.reason = stringField(*waiting, "reason");
      } else if (terminated && !stringField(*terminated, "reason").empty()) {
        s.reason = stringField(*terminated, "reason");
      } else if (terminated) {
        s.reason = terminatedWithoutReason(*terminated);
      } else if (boolField(cs, "ready") && objectPath(cs, {"state", "running"})) {
        hasRunning = true;
        ++s.ready;
      }
    }
    // A pod whose last container completed while another still runs is not Completed.
    if (s.reason == "Completed" && hasRunning) {
      s.reason = hasReadyCondition(status) ? "Running" : "NotReady";
    }
  }

  if (hasDeletionTimestamp(pod)) {
    if (stringField(status, "reason") == "NodeLost") {
      s.reason = "Unknown";
    } else if (phase != "Succeeded" && phase != "Failed") {
      s.reason = "Terminating";
    }
  }
  return s;
}

std::string podIP(const object& status) {
  const auto ips = objectsIn(status, "podIPs");
  std::string ip = ips.empty() ? stringField(status, "podIP") : stringField(*ips.front(), "ip");
  return ip.empty() ? "<none>" : ip;
}

std::string readinessGates(const object& spec, const object& status) {
  const auto gates = objectsIn(spec, "readinessGates");
  if (gates.empty()) return "<none>";
  size_t trueCount = 0;
  for (const object* gate : gates) {
    if (conditionTrue(status, stringField(*gate, "conditionType"))) ++trueCount;
  }
  return std::to_string(trueCount) + "/" + std::to_string(gates.size());
}

array podCells(const object& pod, TimePoint now) {
  static const object empty;
  const PodSummary s = summarize(pod);
  std::string restarts = std::to_string(s.restarts);
  if (s.restarts != 0 && s.lastRestart) {
    restarts += " (" + timestampAge(s.lastRestart, now) + " ago)";
  }
  const object* spec = objectField(pod, "spec");
  const object* status = objectField(pod, "status");
  std::string node = spec ? stringField(*spec, "nodeName") : "";
  std::string nominated = status ? stringField(*status, "nominatedNodeName") : "";
  return array{
      value(objectName(pod)),
      value(std::to_string(s.ready) + "/" + std::to_string(s.total)),
      value(s.reason),
      value(restarts),
      value(objectAge(pod, now)),
      value(podIP(status ? *status : empty)),
      value(node.empty() ? "<none>" : node),
      value(nominated.empty() ? "<none>" : nominated),
      value(readinessGates(spec ? *spec : empty, status ? *status : empty)),
  };
}

array podConditions(const object& pod) {
  const object* status = objectField(pod, "status");
  const std::string phase = status ? stringField(*status, "phase") : "";
  if (phase == "Succeeded") {
    return array{object{{"type", "Completed"},
                        {"status", "True"},
                        {"reason", "Succeeded"},
                        {"message", "The pod has completed successfully."}}};
  }
  if (phase == "Failed") {
    return array{object{{"type", "Completed"},
                        {"status", "True"},
                        {"reason", "Failed"},
                        {"message", "The pod failed."}}};
  }
  return {};
}

}  // namespace

void addPodPrinters(PrinterMap& printers) {
  TablePrinter pod;
  pod.columns = {
      nameColumn(),
      stringColumn("Ready", "Ready containers out of all containers of the pod."),
      stringColumn("Status", "Summary of the pod's phase and container states."),
      stringColumn("Restarts", "Container restarts in the pod and how long ago the last was."),
      ageColumn(),
      stringColumn("IP", "The pod's primary IP address.", 1),
      stringColumn("Node", "Node the pod is bound to.", 1),
      stringColumn("Nominated Node", "Node the scheduler nominated for preemption.", 1),
      stringColumn("Readiness Gates", "Readiness gates that are true out of all gates.", 1),
  };
  pod.cells = podCells;
  pod.conditions = podConditions;
  printers.emplace(printerKey("", "Pod"), std::move(pod));
}

}  // namespace cube::tables
