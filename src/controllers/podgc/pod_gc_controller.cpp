#include "controllers/podgc/pod_gc_controller.h"

#include "client/informer.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/nodelifecycle/node_state.h"
#include "controllers/pod_util.h"

#include <algorithm>
#include <set>

namespace cube::controllers::podgc {

namespace bj = boost::json;

namespace {

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};
const char* const kPassKey = "pods";  // one key: every pass looks at every pod

bool isEvicted(const bj::object& pod) {
  const auto* status = json::getObject(pod, "status");
  return status && json::getString(*status, "phase") == "Failed" &&
         json::getString(*status, "reason") == "Evicted";
}

bool hasTaint(const bj::object& node, const std::string& key) {
  const auto* spec = json::getObject(node, "spec");
  const auto* taints = spec ? json::getArray(*spec, "taints") : nullptr;
  if (!taints) return false;
  return std::any_of(taints->begin(), taints->end(), [&](const bj::value& t) {
    return t.is_object() && json::getString(t.as_object(), "key") == key;
  });
}

}  // namespace

PodGcController::PodGcController(const ControllerContext& context, PodGcOptions options)
    : PodGcController(Deps{context.client,
                           std::make_shared<InformerCache>(context.informers->informerFor(kPods)),
                           std::make_shared<InformerCache>(context.informers->informerFor(kNodes)),
                           context.clock},
                      options) {}

PodGcController::PodGcController(Deps deps, PodGcOptions options)
    : deps_(std::move(deps)),
      options_(options),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>("pod-garbage-collector", *queue_,
                                              [this](const std::string&) {
                                                collect();
                                                queue_->addAfter(kPassKey, options_.period);
                                              })) {}

PodGcController::~PodGcController() {
  stop();
}

void PodGcController::start(int) {
  workers_->start(1);  // passes never overlap
  queue_->add(kPassKey);
}

void PodGcController::stop() {
  workers_->stop();
}

void PodGcController::collect() {
  PodList pods = deps_.pods->list();
  if (options_.terminatedPodThreshold > 0) collectTerminated(pods);
  collectTerminatingOutOfService(pods);
  collectOrphaned(pods);
  collectUnscheduledTerminating(pods);
}

void PodGcController::collectTerminated(const PodList& pods) {
  PodList terminated;
  for (const auto& pod : pods) {
    if (isPodTerminal(*pod)) terminated.push_back(pod);
  }
  auto excess = static_cast<int64_t>(terminated.size()) - options_.terminatedPodThreshold;
  if (excess <= 0) return;
  // Evicted pods first (they matter least to their controllers), then the oldest, then by name.
  std::sort(terminated.begin(), terminated.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    bool ea = isEvicted(*a), eb = isEvicted(*b);
    if (ea != eb) return ea;
    auto ta = creationTime(*a), tb = creationTime(*b);
    if (ta != tb) return ta < tb;
    return nameOf(*a) < nameOf(*b);
  });
  CUBE_LOG(Info) << "pod-garbage-collector: " << terminated.size() << " terminated pods, threshold "
                 << options_.terminatedPodThreshold << ": deleting " << excess;
  for (int64_t i = 0; i < excess; ++i) forceDelete(*terminated[i], "terminated pod over threshold");
}

void PodGcController::collectTerminatingOutOfService(const PodList& pods) {
  for (const auto& pod : pods) {
    if (!isBeingDeleted(*pod)) continue;
    std::string nodeName = podNodeName(*pod);
    ObjectPtr node = nodeName.empty() ? nullptr : deps_.nodes->get(nodeName);
    if (!node || nodelifecycle::nodeReadyStatus(*node) == "True" ||
        !hasTaint(*node, kOutOfServiceTaintKey)) {
      continue;
    }
    forceDelete(*pod, "terminating on out-of-service node " + nodeName);
  }
}

std::vector<std::string> PodGcController::deletedNodes(const PodList& pods) {
  TimePoint now = deps_.clock->now();
  std::set<std::string> missing;
  for (const auto& pod : pods) {
    std::string nodeName = podNodeName(*pod);
    if (!nodeName.empty() && !deps_.nodes->get(nodeName)) missing.insert(nodeName);
  }
  std::vector<std::string> due;
  {
    std::lock_guard lock(mutex_);
    // Forget the nodes that came back or have no pods left; note the newly missing ones.
    for (auto it = missingSince_.begin(); it != missingSince_.end();) {
      it = missing.count(it->first) ? std::next(it) : missingSince_.erase(it);
    }
    for (const auto& name : missing) {
      auto [it, added] = missingSince_.emplace(name, now);
      if (!added && now - it->second >= options_.quarantine) due.push_back(name);
    }
  }
  // The cache may just not have a new node yet: only the API server says it is gone.
  std::vector<std::string> deleted;
  for (const auto& name : due) {
    try {
      deps_.client->get(kNodes, "", name);
    } catch (const ApiError& e) {
      if (e.code() == 404) {
        deleted.push_back(name);
      } else {
        CUBE_LOG(Warn) << "pod-garbage-collector: get node " << name << ": " << e.message();
      }
    }
  }
  return deleted;
}

void PodGcController::collectOrphaned(const PodList& pods) {
  std::vector<std::string> deleted = deletedNodes(pods);
  if (deleted.empty()) return;
  bj::object condition = disruptionTarget("DeletionByPodGC", "PodGC: node no longer exists");
  for (const auto& pod : pods) {
    std::string nodeName = podNodeName(*pod);
    if (std::find(deleted.begin(), deleted.end(), nodeName) == deleted.end()) continue;
    forceDelete(*pod, "orphaned: node " + nodeName + " no longer exists", &condition);
  }
}

void PodGcController::collectUnscheduledTerminating(const PodList& pods) {
  for (const auto& pod : pods) {
    if (isBeingDeleted(*pod) && podNodeName(*pod).empty()) {
      forceDelete(*pod, "unscheduled and terminating");
    }
  }
}

void PodGcController::forceDelete(const bj::object& pod, const std::string& why,
                                  const bj::object* condition) {
  std::string ns = namespaceOf(pod), name = nameOf(pod), uid = uidOf(pod);
  CUBE_LOG(Info) << "pod-garbage-collector: force deleting pod " << ns << "/" << name << " (" << why
                 << ")";
  try {
    // Failed first: no agent is left to say how the pod ended, and its controller (a Job)
    // counts it by its phase.
    if (!isPodTerminal(pod)) {
      bj::object status;
      if (condition) {
        status = statusWithConditionsOf(pod);
        setPodCondition(status, *condition, deps_.clock->now());
      }
      status["phase"] = "Failed";
      deps_.client->patch(kPods, ns, name, client::PatchKind::Merge,
                          podStatusPatch(uid, std::move(status)), "status");
    }
    client::DeleteOptions options;
    options.gracePeriodSeconds = 0;
    options.preconditionUid = uid;  // never a new pod that took the name
    deps_.client->remove(kPods, ns, name, options);
  } catch (const ApiError& e) {
    // Gone already (404), or another pod by now (409/422): nothing of ours is left to delete.
    if (e.code() != 404 && e.code() != 409 && e.code() != 422) {
      CUBE_LOG(Warn) << "pod-garbage-collector: pod " << ns << "/" << name << ": " << e.message();
    }
  }
}

}  // namespace cube::controllers::podgc
