// ReplicaSetController: construction, the worker lifecycle, reconcile() and the status write.
// Scaling is in replica_set_scale.cpp, the informer handlers in replica_set_handlers.cpp.

#include "controllers/replicaset/replica_set_controller.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref_manager.h"
#include "controllers/pod_util.h"

namespace cube::controllers::replicaset {

namespace bj = boost::json;

namespace {

const client::Resource kPods{"", "v1", "pods", true};

std::pair<std::string, std::string> splitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

ReplicaSetController::ReplicaSetController(ReplicaKind kind, const ControllerContext& context,
                                           ReplicaSetControllerOptions options)
    : ReplicaSetController(
          kind,
          Deps{context.client,
               std::make_shared<InformerCache>(context.informers->informerFor(kind.resource)),
               std::make_shared<InformerCache>(context.informers->informerFor(kPods)),
               std::make_shared<ApiPodControl>(
                   context.client,
                   std::make_shared<client::ApiEventRecorder>(
                       context.client, client::EventSource{kind.component}, context.clock)),
               context.clock},
          options) {
  context.informers->informerFor(kind_.resource)
      ->addHandlers({[this](const ObjectPtr& o) { onOwnerAdd(o); },
                     [this](const ObjectPtr& a, const ObjectPtr& b) { onOwnerUpdate(a, b); },
                     [this](const ObjectPtr& o) { onOwnerDelete(o); }});
  context.informers->informerFor(kPods)->addHandlers(
      {[this](const ObjectPtr& o) { onPodAdd(o); },
       [this](const ObjectPtr& a, const ObjectPtr& b) { onPodUpdate(a, b); },
       [this](const ObjectPtr& o) { onPodDelete(o); }});
}

ReplicaSetController::ReplicaSetController(ReplicaKind kind, Deps deps,
                                           ReplicaSetControllerOptions options)
    : kind_(std::move(kind)),
      deps_(std::move(deps)),
      options_(options),
      expectations_(std::make_unique<client::ControllerExpectations>(deps_.clock)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>(
          kind_.component, *queue_, [this](const std::string& key) { reconcile(key); })) {}

ReplicaSetController::~ReplicaSetController() {
  stop();
}

void ReplicaSetController::start(int workers) {
  workers_->start(workers);
}

void ReplicaSetController::stop() {
  workers_->stop();
}

void ReplicaSetController::reconcile(const std::string& key) {
  auto [ns, name] = splitKey(key);
  ObjectPtr owner = deps_.owners->get(key);
  if (!owner) {
    // Gone: its pods are the garbage collector's now; forget what we were waiting for.
    expectations_->deleteExpectations(key);
    return;
  }
  json::LabelSelector selector;
  try {
    selector = kind_.selectorOf(*owner);
  } catch (const ApiError& e) {
    // Validation keeps bad selectors out; should one slip in, retrying cannot fix it.
    CUBE_LOG(Warn) << kind_.component << ": " << key << ": invalid selector: " << e.message();
    return;
  }
  // Checked before reading the pods, so a creation observed in between is not missed.
  bool needsSync = expectations_->satisfied(key);

  std::vector<ObjectPtr> active;
  for (const auto& pod : deps_.pods->listNamespace(ns)) {
    if (isPodActive(*pod)) active.push_back(pod);
  }
  ClaimRequest claim;
  claim.owner = owner.get();
  claim.controllerRef = makeControllerRef(*owner, kind_.apiVersion, kind_.kind);
  claim.matches = [&selector](const bj::object& pod) { return selector.matches(labelsOf(pod)); };
  claim.checkCanAdopt = [this, &ns = ns, &name = name, owner] {
    bj::object fresh = deps_.client->get(kind_.resource, ns, name);
    if (uidOf(fresh) != uidOf(*owner))
      throw ApiError(409, "Conflict",
                     kind_.kind + " " + ns + "/" + name + " is gone: got uid " + uidOf(fresh) +
                         ", wanted " + uidOf(*owner));
    if (isBeingDeleted(fresh))
      throw ApiError(409, "Conflict", kind_.kind + " " + ns + "/" + name + " is being deleted");
  };
  claim.patch = [this](const bj::object& pod, const std::string& patch) {
    deps_.podControl->patchPod(namespaceOf(pod), nameOf(pod), patch);
  };
  ClaimResult claimed = claimObjects(active, claim);
  if (!claimed.errors.empty()) {
    // Scaling on a partial view could create pods for orphans we failed to adopt.
    throw ApiError(409, "Conflict", "claiming pods of " + key + ": " + claimed.errors.front());
  }

  ManageOutcome outcome;
  if (needsSync && !isBeingDeleted(*owner)) outcome = manageReplicas(key, *owner, claimed.claimed);

  ReplicaStatus status =
      calculateStatus(*owner, claimed.claimed, outcome.error, outcome.creating, deps_.clock->now());
  if (!(status == ReplicaStatus::of(*owner))) writeStatus(*owner, status);

  // Pods become available minReadySeconds after turning ready, with no event to say so: look
  // again then.
  int64_t minReady = minReadySeconds(*owner);
  int64_t want = specReplicas(*owner);
  if (!outcome.error && minReady > 0 && status.readyReplicas == want &&
      status.availableReplicas != want)
    queue_->addAfter(key, std::chrono::seconds(minReady));

  if (outcome.error) throw ApiError(500, "InternalError", *outcome.error);
}

void ReplicaSetController::writeStatus(const bj::object& owner, const ReplicaStatus& status) {
  std::string ns = namespaceOf(owner), name = nameOf(owner);
  bj::object obj = owner;  // a copy: the cached object is shared and immutable
  for (int attempt = 0;; ++attempt) {
    obj["apiVersion"] = kind_.apiVersion;
    obj["kind"] = kind_.kind;
    const auto* previous = json::getObject(obj, "status");
    obj["status"] = status.toJson(previous ? *previous : bj::object{});
    try {
      deps_.client->update(kind_.resource, ns, name, obj, "status");
      return;
    } catch (const ApiError& e) {
      if (e.code() == 404) return;  // deleted meanwhile: nothing to report on
      if (e.code() != 409 || attempt >= options_.statusUpdateRetries) throw;
    }
    // Our cache was behind; write the same counts onto the current object.
    obj = deps_.client->get(kind_.resource, ns, name);
  }
}

}  // namespace cube::controllers::replicaset
