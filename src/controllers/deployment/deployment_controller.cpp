// DeploymentController: construction, informer handlers, claiming ReplicaSets and the reconcile()
// dispatch to the strategy. The steps themselves live in the files the header lists.

#include "controllers/deployment/deployment_controller.h"

#include "client/informer.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref_manager.h"
#include "controllers/deployment/deployment_util.h"
#include "json/selector/label_selector.h"

namespace cube::controllers::deployment {

namespace bj = boost::json;

namespace {

const client::Resource kPods{"", "v1", "pods", true};

}  // namespace

DeploymentController::RsList DeploymentController::State::all() const {
  RsList out = oldRss;
  if (newRs) out.push_back(newRs);
  return out;
}

DeploymentController::DeploymentController(const ControllerContext& context)
    : DeploymentController(Deps{
          context.client,
          std::make_shared<InformerCache>(context.informers->informerFor(kDeploymentsResource)),
          std::make_shared<InformerCache>(context.informers->informerFor(kReplicaSetsResource)),
          std::make_shared<InformerCache>(context.informers->informerFor(kPods)),
          std::make_shared<client::ApiEventRecorder>(
              context.client, client::EventSource{"deployment-controller"}, context.clock),
          context.clock}) {
  context.informers->informerFor(kDeploymentsResource)
      ->addHandlers({[this](const ObjectPtr& o) { onDeploymentAdd(o); },
                     [this](const ObjectPtr& a, const ObjectPtr& b) { onDeploymentUpdate(a, b); },
                     [this](const ObjectPtr& o) { onDeploymentDelete(o); }});
  context.informers->informerFor(kReplicaSetsResource)
      ->addHandlers({[this](const ObjectPtr& o) { onReplicaSetAdd(o); },
                     [this](const ObjectPtr& a, const ObjectPtr& b) { onReplicaSetUpdate(a, b); },
                     [this](const ObjectPtr& o) { onReplicaSetDelete(o); }});
  context.informers->informerFor(kPods)->addHandlers(
      {[](const ObjectPtr&) {}, [](const ObjectPtr&, const ObjectPtr&) {},
       [this](const ObjectPtr& o) { onPodDelete(o); }});
}

DeploymentController::DeploymentController(Deps deps)
    : deps_(std::move(deps)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>(
          "deployment-controller", *queue_, [this](const std::string& key) { reconcile(key); })) {}

DeploymentController::~DeploymentController() {
  stop();
}

void DeploymentController::start(int workers) {
  workers_->start(workers);
}

void DeploymentController::stop() {
  workers_->stop();
}

// --- handlers: only find the affected Deployments and queue them ---

void DeploymentController::enqueue(const bj::object& d) {
  queue_->add(client::Informer::keyOf(d));
}

ObjectPtr DeploymentController::deploymentOf(const bj::object& rs) const {
  auto ref = controllerOf(rs);
  if (!ref || ref->kind != "Deployment") return nullptr;
  ObjectPtr d = deps_.deployments->get(namespaceOf(rs) + "/" + ref->name);
  if (!d || uidOf(*d) != ref->uid) return nullptr;
  return d;
}

std::vector<ObjectPtr> DeploymentController::deploymentsSelecting(const bj::object& rs) const {
  std::vector<ObjectPtr> out;
  for (const auto& d : deps_.deployments->listNamespace(namespaceOf(rs))) {
    try {
      auto selector = specSelector(*d);
      if (!selector.matchesEverything() && selector.matches(labelsOf(rs))) out.push_back(d);
    } catch (const std::exception&) {
      // A bad selector selects nothing; reconcile reports it.
    }
  }
  return out;
}

void DeploymentController::onDeploymentAdd(const ObjectPtr& d) {
  enqueue(*d);
}

void DeploymentController::onDeploymentUpdate(const ObjectPtr&, const ObjectPtr& now) {
  enqueue(*now);
}

void DeploymentController::onDeploymentDelete(const ObjectPtr& d) {
  enqueue(*d);
}

void DeploymentController::onReplicaSetAdd(const ObjectPtr& rs) {
  if (ObjectPtr d = deploymentOf(*rs)) {
    enqueue(*d);
    return;
  }
  if (controllerOf(*rs)) return;  // someone else's
  for (const auto& d : deploymentsSelecting(*rs)) enqueue(*d);
}

void DeploymentController::onReplicaSetUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  if (resourceVersionOf(*old) == resourceVersionOf(*now)) return;  // resync
  auto oldRef = controllerOf(*old);
  auto nowRef = controllerOf(*now);
  if (oldRef && (!nowRef || oldRef->uid != nowRef->uid)) {
    if (ObjectPtr d = deploymentOf(*old)) enqueue(*d);
  }
  if (nowRef) {
    if (ObjectPtr d = deploymentOf(*now)) enqueue(*d);
    return;
  }
  for (const auto& d : deploymentsSelecting(*now)) enqueue(*d);
}

void DeploymentController::onReplicaSetDelete(const ObjectPtr& rs) {
  if (ObjectPtr d = deploymentOf(*rs)) enqueue(*d);
}

void DeploymentController::onPodDelete(const ObjectPtr& pod) {
  // Only Recreate waits on pods: its new ReplicaSet starts once the last old pod is gone.
  auto ref = controllerOf(*pod);
  if (!ref || ref->kind != "ReplicaSet") return;
  ObjectPtr rs = deps_.replicaSets->get(namespaceOf(*pod) + "/" + ref->name);
  if (!rs || uidOf(*rs) != ref->uid) return;
  ObjectPtr d = deploymentOf(*rs);
  if (d && isRecreate(*d)) enqueue(*d);
}

// --- reconcile ---

DeploymentController::RsList DeploymentController::claimReplicaSets(const bj::object& d) {
  std::string ns = namespaceOf(d), name = nameOf(d);
  json::LabelSelector selector = specSelector(d);
  ClaimRequest claim;
  claim.owner = &d;
  claim.controllerRef = makeControllerRef(d, "apps/v1", "Deployment");
  claim.matches = [&selector](const bj::object& rs) { return selector.matches(labelsOf(rs)); };
  claim.checkCanAdopt = [this, &ns, &name, &d] {
    bj::object fresh = deps_.client->get(kDeploymentsResource, ns, name);
    if (uidOf(fresh) != uidOf(d))
      throw ApiError(409, "Conflict", "Deployment " + ns + "/" + name + " was recreated");
    if (isBeingDeleted(fresh))
      throw ApiError(409, "Conflict", "Deployment " + ns + "/" + name + " is being deleted");
  };
  claim.patch = [this](const bj::object& rs, const std::string& patch) {
    deps_.client->patch(kReplicaSetsResource, namespaceOf(rs), nameOf(rs),
                        client::PatchKind::StrategicMerge, patch);
  };
  ClaimResult claimed = claimObjects(deps_.replicaSets->listNamespace(ns), claim);
  if (!claimed.errors.empty())
    throw ApiError(409, "Conflict",
                   "claiming replica sets of " + ns + "/" + name + ": " + claimed.errors.front());
  return claimed.claimed;
}

void DeploymentController::reconcile(const std::string& key) {
  ObjectPtr cached = deps_.deployments->get(key);
  if (!cached) return;     // deleted: the garbage collector removes its ReplicaSets
  bj::object d = *cached;  // a private copy: cached objects are shared
  d["apiVersion"] = "apps/v1";
  d["kind"] = "Deployment";

  json::LabelSelector selector;
  try {
    selector = specSelector(d);
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "deployment-controller: " << key << ": invalid selector: " << e.what();
    return;
  }
  if (selector.matchesEverything()) {
    // Selecting every ReplicaSet of the namespace would adopt other controllers' work.
    deps_.recorder->event(client::ObjectReference::of(d, "apps/v1", "Deployment"), "Warning",
                          "SelectingAll",
                          "This deployment is selecting all pods. A non-empty "
                          "selector is required.");
    return;
  }

  RsList owned = claimReplicaSets(d);
  if (isBeingDeleted(d)) {
    State s = loadState(d, owned, false);
    syncRolloutStatus(s);
    return;
  }
  if (isPaused(d) || isScalingEvent(d, owned)) {
    State s = loadState(d, owned, false);
    syncScaling(s);
    return;
  }
  if (isRecreate(d)) {
    State s = loadState(d, owned, false);
    rolloutRecreate(s);
  } else {
    State s = loadState(d, owned, true);
    rolloutRolling(s);
  }
}

void DeploymentController::replaceInState(State& s, const ObjectPtr& updated) {
  std::string uid = uidOf(*updated);
  if (s.newRs && uidOf(*s.newRs) == uid) s.newRs = updated;
  for (auto& rs : s.oldRss) {
    if (uidOf(*rs) == uid) rs = updated;
  }
}

}  // namespace cube::controllers::deployment
