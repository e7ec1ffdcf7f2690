// ReplicaSetController::reconcile on a fake API client with seeded caches: exact scaling,
// expectations, adoption and release, victims on scale-down, a settled ReplicaSet making no
// calls, status, events, and the ReplicationController variant.

#include "replica_set_fixture.h"

#include "controllers/pod_util.h"

namespace cube::controllers::replicaset {
namespace {

const std::string kReplicaSets = "replicasets.apps";

std::vector<std::string> podNames(const std::vector<bj::object>& pods) {
  std::vector<std::string> names;
  for (const auto& p : pods) names.push_back(nameOf(p));
  std::sort(names.begin(), names.end());
  return names;
}

class ReplicaSetControllerTest : public ReplicaSetFixture {};

TEST_F(ReplicaSetControllerTest, ScaleFromZeroTo500CreatesExactly500Pods) {
  bj::object rs = createReplicaSet("web", 500);
  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("create", "pods"), 500u);
  auto pods = storedPods();
  ASSERT_EQ(pods.size(), 500u);
  for (const auto& pod : pods) {
    auto ref = controllerOf(pod);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->uid, uidOf(rs));
    EXPECT_EQ(ref->kind, "ReplicaSet");
    EXPECT_EQ(ref->apiVersion, "apps/v1");
    EXPECT_TRUE(ref->blockOwnerDeletion);
    EXPECT_EQ(json::getString(*json::getObject(pod, "metadata"), "generateName"), "web-");
    EXPECT_EQ(json::getString(*labelsOf(pod), "app"), "web");
  }
  // As in Kubernetes: 9 single "Created pod" Events, then one combined Event counting the rest
  // of the recorder's burst budget for the object (25 - 9); the other creates write nothing.
  auto created = eventsWithReason("SuccessfulCreate");
  ASSERT_EQ(created.size(), 10u);
  int64_t counted = 0;
  for (const auto& e : created) counted += json::getInt(e, "count");
  EXPECT_EQ(counted, 25);

  // The informer has not shown the new pods yet: the expectations hold the controller back.
  EXPECT_EQ(controller_->expectations().pendingCreations("default/web"), 500);
  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("create", "pods"), 500u);

  // Once they are seen, the count is right and nothing more is created.
  syncCaches();
  EXPECT_TRUE(controller_->expectations().satisfied("default/web"));
  controller_->reconcile("default/web");
  EXPECT_EQ(storedPods().size(), 500u);
  EXPECT_EQ(json::getInt(*json::getObject(storedOwner("web"), "status"), "replicas"), 500);
}

TEST_F(ReplicaSetControllerTest, BurstIsCappedPerReconcile) {
  ReplicaSetControllerOptions options;
  options.burstReplicas = 10;
  auto recorder = std::make_shared<client::ApiEventRecorder>(
      api_, client::EventSource{kind_.component}, clock_);
  controller_ = std::make_unique<ReplicaSetController>(
      kind_,
      ReplicaSetController::Deps{api_, owners_, pods_,
                                 std::make_shared<ApiPodControl>(api_, recorder), clock_},
      options);
  createReplicaSet("web", 25);
  controller_->reconcile("default/web");
  EXPECT_EQ(storedPods().size(), 10u);
  syncCaches();
  controller_->reconcile("default/web");
  syncCaches();
  controller_->reconcile("default/web");
  EXPECT_EQ(storedPods().size(), 25u);
}

TEST_F(ReplicaSetControllerTest, SlowStartStopsAfterTheFirstFailingBatch) {
  createReplicaSet("web", 100);
  int creates = 0;
  api_->setReactor([&](const client::testing::FakeAction& a) {
    if (a.verb == "create" && a.resource == "pods" && ++creates > 3)
      throw ApiError::forbidden("exceeded quota: pods");
  });
  EXPECT_THROW(controller_->reconcile("default/web"), ApiError);
  // Batches 1 and 2 succeed (3 pods); the batch of 4 fails and nothing more is tried.
  EXPECT_EQ(creates, 7);
  EXPECT_EQ(storedPods().size(), 3u);
  EXPECT_EQ(controller_->expectations().pendingCreations("default/web"), 3);
  auto failed = eventsWithReason("FailedCreate");
  ASSERT_FALSE(failed.empty());
  EXPECT_EQ(json::getString(failed[0], "type"), "Warning");
  EXPECT_NE(json::getString(failed[0], "message").find("exceeded quota"), std::string::npos);
  // The failure shows in the status as ReplicaFailure.
  bj::object failing = storedOwner("web");
  const auto* conditions = json::getArray(*json::getObject(failing, "status"), "conditions");
  ASSERT_TRUE(conditions);
  ASSERT_EQ(conditions->size(), 1u);
  EXPECT_EQ(json::getString(conditions->at(0).as_object(), "type"), "ReplicaFailure");
  EXPECT_EQ(json::getString(conditions->at(0).as_object(), "reason"), "FailedCreate");

  // Once creates work again the condition goes.
  api_->setReactor(nullptr);
  syncCaches();
  controller_->reconcile("default/web");
  syncCaches();
  EXPECT_EQ(storedPods().size(), 100u);
  controller_->reconcile("default/web");
  EXPECT_FALSE(json::getArray(*json::getObject(storedOwner("web"), "status"), "conditions"));
}

TEST_F(ReplicaSetControllerTest, AdoptsAMatchingOrphanAndCreatesOnlyTheRest) {
  bj::object rs = createReplicaSet("web", 3);
  createPod("orphan", {{"app", "web"}});
  createPod("other-app", {{"app", "db"}});
  bj::object stranger = createReplicaSet("stranger", 0, "web");
  createPod("strangers-pod", {{"app", "web"}}, &stranger);
  api_->clearActions();

  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("get", kReplicaSets), 1u);  // the live check before adopting
  EXPECT_EQ(countActions("patch", "pods"), 1u);
  EXPECT_EQ(countActions("create", "pods"), 2u);
  auto orphan = *api_->stored(kPodsResource, "default", "orphan");
  ASSERT_TRUE(controllerOf(orphan));
  EXPECT_EQ(controllerOf(orphan)->uid, uidOf(rs));
  // Someone else's pod and a pod that does not match are left alone.
  EXPECT_EQ(controllerOf(*api_->stored(kPodsResource, "default", "strangers-pod"))->uid,
            uidOf(stranger));
  EXPECT_FALSE(controllerOf(*api_->stored(kPodsResource, "default", "other-app")));
}

TEST_F(ReplicaSetControllerTest, DoesNotAdoptWhenTheLiveOwnerIsAnotherObject) {
  createReplicaSet("web", 1);
  createPod("orphan", {{"app", "web"}});
  // The cache is stale: the ReplicaSet was recreated with a new uid.
  bj::object cached = *owners_->get("default/web");
  cached["metadata"].as_object()["uid"] = "old-uid";
  owners_->put(cached);
  api_->clearActions();
  EXPECT_THROW(controller_->reconcile("default/web"), ApiError);
  EXPECT_EQ(countActions("patch", "pods"), 0u);
  EXPECT_EQ(countActions("create", "pods"), 0u);
}

TEST_F(ReplicaSetControllerTest, RelabelledPodIsReleasedAndReplaced) {
  bj::object rs = createReplicaSet("web", 2);
  createPod("a", {{"app", "web"}}, &rs);
  createPod("b", {{"app", "web"}}, &rs);
  // kubectl label pod b app=debug --overwrite
  bj::object b = *api_->stored(kPodsResource, "default", "b");
  b["metadata"].as_object()["labels"] = bj::object{{"app", "debug"}};
  pods_->put(api_->update(kPodsResource, "default", "b", b));
  api_->clearActions();

  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("patch", "pods"), 1u);   // release b
  EXPECT_EQ(countActions("create", "pods"), 1u);  // a replacement
  EXPECT_EQ(countActions("delete", "pods"), 0u);  // b keeps running
  auto released = api_->stored(kPodsResource, "default", "b");
  ASSERT_TRUE(released);
  auto ref = controllerOf(*released);
  EXPECT_TRUE(!ref || ref->uid != uidOf(rs));
  EXPECT_EQ(storedPods().size(), 3u);
}

TEST_F(ReplicaSetControllerTest, ScaleDownDeletesUnscheduledPendingAndUnreadyFirst) {
  bj::object rs = createReplicaSet("web", 2);
  for (const char* name : {"running-old", "running-new", "unscheduled", "pending", "unready"})
    createPod(name, {{"app", "web"}}, &rs);
  setPodState("running-old", "node-1", "Running", std::chrono::seconds(-3600), 0,
              std::chrono::seconds(-7200));
  setPodState("running-new", "node-2", "Running", std::chrono::seconds(-60), 0,
              std::chrono::seconds(-100));
  setPodState("unscheduled", "", "Pending", std::nullopt);
  setPodState("pending", "node-3", "Pending", std::nullopt);
  setPodState("unready", "node-4", "Running", std::nullopt);
  api_->clearActions();

  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("delete", "pods"), 3u);
  EXPECT_EQ(podNames(storedPods()), (std::vector<std::string>{"running-new", "running-old"}));
  EXPECT_EQ(eventsWithReason("SuccessfulDelete").size(), 3u);
  EXPECT_EQ(controller_->expectations().pendingDeletions("default/web"), 3u);
}

TEST_F(ReplicaSetControllerTest, ScaleDownPrefersTheNewerOfReadyPodsAndHonoursDeletionCost) {
  bj::object rs = createReplicaSet("web", 1);
  createPod("old", {{"app", "web"}}, &rs);
  createPod("new", {{"app", "web"}}, &rs);
  setPodState("old", "node-1", "Running", std::chrono::seconds(-86400), 0,
              std::chrono::seconds(-86400));
  setPodState("new", "node-2", "Running", std::chrono::seconds(-10), 0, std::chrono::seconds(-10));
  controller_->reconcile("default/web");
  EXPECT_EQ(podNames(storedPods()), (std::vector<std::string>{"old"}));
}

TEST_F(ReplicaSetControllerTest, NoApiCallsWhenSettled) {
  bj::object rs = createReplicaSet("web", 3, "web", 2);
  for (const char* name : {"a", "b", "c"}) {
    createPod(name, {{"app", "web"}}, &rs);
    setPodState(name, "node-1", "Running", std::chrono::seconds(-60));
  }
  controller_->reconcile("default/web");  // writes the status once
  EXPECT_EQ(countActions("update", kReplicaSets), 1u);
  syncCaches();
  api_->clearActions();
  controller_->reconcile("default/web");
  EXPECT_TRUE(api_->actions().empty());
  controller_->reconcile("default/web");
  EXPECT_TRUE(api_->actions().empty());
}

TEST_F(ReplicaSetControllerTest, StatusCountsReadyAvailableAndFullyLabelledPods) {
  bj::object rs = createReplicaSet("web", 3, "web", 7);
  auto& spec = rs["spec"].as_object();
  spec["minReadySeconds"] = 30;
  spec["template"].as_object()["metadata"].as_object()["labels"] =
      bj::object{{"app", "web"}, {"tier", "front"}};
  owners_->put(api_->update(kind_.resource, "default", "web", rs));
  createPod("long-ready", {{"app", "web"}, {"tier", "front"}}, &rs);
  createPod("just-ready", {{"app", "web"}, {"tier", "front"}}, &rs);
  createPod("not-ready", {{"app", "web"}}, &rs);  // matches the selector, not the template
  createPod("terminating", {{"app", "web"}, {"tier", "front"}}, &rs);
  setPodState("long-ready", "n", "Running", std::chrono::seconds(-120));
  setPodState("just-ready", "n", "Running", std::chrono::seconds(-5));
  setPodState("not-ready", "n", "Running", std::nullopt);
  bj::object terminating = *api_->stored(kPodsResource, "default", "terminating");
  terminating["metadata"].as_object()["deletionTimestamp"] = at(std::chrono::seconds(0));
  pods_->put(api_->update(kPodsResource, "default", "terminating", terminating));
  api_->clearActions();

  controller_->reconcile("default/web");
  // The terminating pod does not count, but 3 active pods are enough: no create.
  EXPECT_EQ(countActions("create", "pods"), 0u);
  bj::object owner = storedOwner("web");
  const auto& status = *json::getObject(owner, "status");
  EXPECT_EQ(json::getInt(status, "replicas"), 3);
  EXPECT_EQ(json::getInt(status, "readyReplicas"), 2);
  EXPECT_EQ(json::getInt(status, "availableReplicas"), 1);
  EXPECT_EQ(json::getInt(status, "fullyLabeledReplicas"), 2);
  EXPECT_EQ(json::getInt(status, "observedGeneration"), 7);

  // Time passes: just-ready becomes available with no pod event.
  syncCaches();
  clock_->advance(std::chrono::seconds(30));
  controller_->reconcile("default/web");
  EXPECT_EQ(json::getInt(*json::getObject(storedOwner("web"), "status"), "availableReplicas"), 2);
}

TEST_F(ReplicaSetControllerTest, AvailabilityIsRecheckedAfterMinReadySeconds) {
  bj::object rs = createReplicaSet("web", 1);
  rs["spec"].as_object()["minReadySeconds"] = 10;
  owners_->put(api_->update(kind_.resource, "default", "web", rs));
  createPod("a", {{"app", "web"}}, &rs);
  setPodState("a", "n", "Running", std::chrono::seconds(0));
  controller_->reconcile("default/web");
  EXPECT_EQ(controller_->queue().len(), 0u);
  clock_->advance(std::chrono::seconds(10));
  // The timer thread moves the key into the queue when its time comes.
  for (int i = 0; i < 200 && controller_->queue().len() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(controller_->queue().len(), 1u);
}

TEST_F(ReplicaSetControllerTest, MatchExpressionsSelectPods) {
  bj::object rs = createReplicaSet("web", 1);
  rs["spec"].as_object()["selector"] = bj::object{
      {"matchLabels", bj::object{{"app", "web"}}},
      {"matchExpressions",
       bj::array{
           bj::object{{"key", "env"}, {"operator", "In"}, {"values", bj::array{"prod", "stage"}}},
           bj::object{{"key", "canary"}, {"operator", "DoesNotExist"}},
           bj::object{{"key", "tier"}, {"operator", "NotIn"}, {"values", bj::array{"db"}}},
           bj::object{{"key", "team"}, {"operator", "Exists"}}}}};
  owners_->put(api_->update(kind_.resource, "default", "web", rs));
  createPod("canary", {{"app", "web"}, {"env", "prod"}, {"canary", "1"}, {"team", "x"}});
  createPod("dev", {{"app", "web"}, {"env", "dev"}, {"team", "x"}});
  createPod("db", {{"app", "web"}, {"env", "prod"}, {"tier", "db"}, {"team", "x"}});
  createPod("no-team", {{"app", "web"}, {"env", "prod"}});
  createPod("match", {{"app", "web"}, {"env", "stage"}, {"tier", "front"}, {"team", "x"}});
  api_->clearActions();
  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("patch", "pods"), 1u);
  EXPECT_EQ(countActions("create", "pods"), 0u);
  EXPECT_TRUE(controllerOf(*api_->stored(kPodsResource, "default", "match")));
}

TEST_F(ReplicaSetControllerTest, AGoneOwnerIsForgotten) {
  controller_->expectations().expectCreations("default/gone", 2);
  controller_->reconcile("default/gone");
  EXPECT_TRUE(api_->actions().empty());
  EXPECT_TRUE(controller_->expectations().satisfied("default/gone"));
}

TEST_F(ReplicaSetControllerTest, AnOwnerBeingDeletedCreatesNothing) {
  bj::object rs = createReplicaSet("web", 3);
  rs["metadata"].as_object()["deletionTimestamp"] = at(std::chrono::seconds(0));
  owners_->put(rs);
  createPod("orphan", {{"app", "web"}});
  api_->clearActions();
  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("create", "pods"), 0u);
  EXPECT_EQ(countActions("patch", "pods"), 0u);
}

TEST_F(ReplicaSetControllerTest, EventsNameThePodAndTheComponent) {
  bj::object rs = createReplicaSet("web", 1);
  controller_->reconcile("default/web");
  auto created = eventsWithReason("SuccessfulCreate");
  ASSERT_EQ(created.size(), 1u);
  const auto& ev = created[0];
  EXPECT_EQ(json::getString(ev, "message"), "Created pod: " + nameOf(storedPods()[0]));
  EXPECT_EQ(json::getString(ev, "type"), "Normal");
  EXPECT_EQ(json::getString(*json::getObject(ev, "source"), "component"), "replicaset-controller");
  const auto& involved = *json::getObject(ev, "involvedObject");
  EXPECT_EQ(json::getString(involved, "kind"), "ReplicaSet");
  EXPECT_EQ(json::getString(involved, "name"), "web");
  EXPECT_EQ(json::getString(involved, "uid"), uidOf(rs));
}

TEST_F(ReplicaSetControllerTest, ReplicationControllerUsesItsMapSelector) {
  makeController(ReplicaKind::replicationController());
  bj::object labels{{"app", "web"}};
  bj::object rc{
      {"apiVersion", "v1"},
      {"kind", "ReplicationController"},
      {"metadata", bj::object{{"name", "web"}, {"namespace", "default"}}},
      {"spec", bj::object{{"replicas", 2},
                          {"selector", labels},
                          {"template", bj::object{{"metadata", bj::object{{"labels", labels}}},
                                                  {"spec", bj::object{}}}}}}};
  bj::object stored = storeOwner(kind_.resource, rc);
  createPod("orphan", labels);
  api_->clearActions();
  controller_->reconcile("default/web");
  EXPECT_EQ(countActions("patch", "pods"), 1u);
  EXPECT_EQ(countActions("create", "pods"), 1u);
  for (const auto& pod : storedPods()) {
    auto ref = controllerOf(pod);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->kind, "ReplicationController");
    EXPECT_EQ(ref->apiVersion, "v1");
    EXPECT_EQ(ref->uid, uidOf(stored));
  }
  auto created = eventsWithReason("SuccessfulCreate");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(json::getString(*json::getObject(created[0], "source"), "component"),
            "replication-controller");
  // Status counts what the caches show: the adopted pod, not yet the one just created.
  EXPECT_EQ(json::getInt(*json::getObject(storedOwner("web"), "status"), "replicas"), 1);
  syncCaches();
  controller_->reconcile("default/web");
  EXPECT_EQ(json::getInt(*json::getObject(storedOwner("web"), "status"), "replicas"), 2);
}

}  // namespace
}  // namespace cube::controllers::replicaset
