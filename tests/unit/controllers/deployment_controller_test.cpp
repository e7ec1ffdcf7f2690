// DeploymentController::reconcile on a fake API client with caches filled from the fake's store
// and a fake clock. The ReplicaSet controller is simulated by writing ReplicaSet status, so each
// test decides when pods become available.

#include "controllers/deployment/deployment_controller.h"
#include "../client/fake_api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/deployment/deployment_util.h"
#include "controllers/object_cache.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace cube::controllers::deployment {
namespace {

namespace bj = boost::json;
using client::testing::FakeApiClient;

class DeploymentControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<DeploymentController>(
        DeploymentController::Deps{api_, deployments_, replicaSets_, pods_, recorder_, clock_});
  }

  bj::object makeDeployment(const std::string& image, int64_t replicas,
                            const std::string& strategy = "RollingUpdate",
                            const std::string& surge = "25%",
                            const std::string& unavailable = "25%") {
    bj::object labels{{"app", "web"}};
    bj::object container{{"name", "c"}, {"image", image}};
    bj::object strategyObj{{"type", strategy}};
    if (strategy == "RollingUpdate")
      strategyObj["rollingUpdate"] =
          bj::object{{"maxSurge", surge}, {"maxUnavailable", unavailable}};
    return bj::object{
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", bj::object{{"name", "web"},
                                {"namespace", "default"},
                                {"generation", 1},
                                {"annotations", bj::object{{kChangeCauseAnnotation, "create"}}}}},
        {"spec",
         bj::object{{"replicas", replicas},
                    {"revisionHistoryLimit", 10},
                    {"progressDeadlineSeconds", 600},
                    {"selector", bj::object{{"matchLabels", labels}}},
                    {"strategy", strategyObj},
                    {"template",
                     bj::object{{"metadata", bj::object{{"labels", labels}}},
                                {"spec", bj::object{{"containers", bj::array{container}}}}}}}}};
  }

  void createDeployment(const bj::object& d) {
    api_->create(kDeploymentsResource, "default", d);
    syncCaches();
  }

  // Edits the stored Deployment's spec as kubectl would.
  void editDeployment(const std::function<void(bj::object& spec)>& edit) {
    bj::object d = *api_->stored(kDeploymentsResource, "default", "web");
    edit(d["spec"].as_object());
    auto& meta = d["metadata"].as_object();
    meta["generation"] = meta["generation"].as_int64() + 1;
    api_->update(kDeploymentsResource, "default", "web", d);
    syncCaches();
  }
  void setImage(const std::string& image) {
    editDeployment([&](bj::object& spec) {
      spec["template"]
          .as_object()["spec"]
          .as_object()["containers"]
          .as_array()[0]
          .as_object()["image"] = image;
    });
  }

  void syncCaches() {
    deployments_->clear();
    for (auto& d : itemsOf(api_->list(kDeploymentsResource, "default"))) deployments_->put(d);
    replicaSets_->clear();
    for (auto& rs : itemsOf(api_->list(kReplicaSetsResource, "default"))) replicaSets_->put(rs);
  }

  // What the ReplicaSet controller would report: spec.replicas pods exist; of them, those that
  // existed at the previous simulation step are available (`instant`: all at once).
  void simulateReplicaSets(bool instant = true) {
    for (auto& rs : itemsOf(api_->list(kReplicaSetsResource, "default"))) {
      int64_t spec = specReplicas(rs);
      int64_t before = statusInt(rs, "replicas");
      int64_t available = instant ? spec : std::min(spec, before);
      auto meta = rs["metadata"].as_object();
      bj::object status{{"replicas", spec},
                        {"readyReplicas", available},
                        {"availableReplicas", available},
                        {"observedGeneration", json::getInt(meta, "generation", 0)}};
      api_->patch(kReplicaSetsResource, "default", nameOf(rs), client::PatchKind::Merge,
                  bj::serialize(bj::object{{"status", status}}), "status");
    }
    syncCaches();
  }

  void reconcile() {
    controller_->reconcile("default/web");
    syncCaches();
  }

  // Reconciles and simulates until nothing changes; returns the steps taken.
  int settle(bool instant = true, int maxSteps = 40) {
    for (int i = 0; i < maxSteps; ++i) {
      uint64_t before = api_->actions().size();
      reconcile();
      simulateReplicaSets(instant);
      reconcile();
      if (api_->actions().size() == before + 0 || complete()) {
        if (complete()) return i;
      }
    }
    return maxSteps;
  }

  std::vector<bj::object> replicaSets() const {
    auto items = itemsOf(api_->list(kReplicaSetsResource, "default"));
    std::sort(items.begin(), items.end(),
              [](const auto& a, const auto& b) { return revisionOf(a) < revisionOf(b); });
    return items;
  }
  bj::object deployment() const { return *api_->stored(kDeploymentsResource, "default", "web"); }
  std::string imageOf(const bj::object& rs) const {
    return json::getString(
        json::findPath(rs, "spec.template.spec.containers")->as_array()[0].as_object(), "image");
  }
  bool complete() const {
    bj::object d = deployment();
    int64_t want = specReplicas(d);
    return statusInt(d, "updatedReplicas") == want && statusInt(d, "replicas") == want &&
           statusInt(d, "availableReplicas") == want;
  }
  std::string condition(const std::string& type, const std::string& field) const {
    bj::object d = deployment();  // findPath points into it: keep it alive
    const auto* conds = json::findPath(d, "status.conditions");
    if (!conds) return "";
    for (const auto& c : conds->as_array()) {
      if (json::getString(c.as_object(), "type") == type)
        return json::getString(c.as_object(), field);
    }
    return "";
  }
  size_t countActions(const std::string& verb, const std::string& resource) const {
    auto actions = api_->actions();
    return std::count_if(actions.begin(), actions.end(),
                         [&](const auto& a) { return a.verb == verb && a.resource == resource; });
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  MemoryCachePtr deployments_ = std::make_shared<MemoryCache>();
  MemoryCachePtr replicaSets_ = std::make_shared<MemoryCache>();
  MemoryCachePtr pods_ = std::make_shared<MemoryCache>();
  std::shared_ptr<client::RecordingEventRecorder> recorder_ =
      std::make_shared<client::RecordingEventRecorder>();
  client::FakeClockPtr clock_ = std::make_shared<client::FakeClock>();
  std::unique_ptr<DeploymentController> controller_;
};

TEST(DeploymentUtilTest, TemplateHashIsStableAndDependsOnTheTemplate) {
  auto a = boost::json::parse(R"({"metadata":{"labels":{"app":"web","tier":"fe"}},
      "spec":{"containers":[{"name":"c","image":"nginx:1"}]}})")
               .as_object();
  auto reordered = boost::json::parse(R"({"spec":{"containers":[{"image":"nginx:1","name":"c"}]},
      "metadata":{"labels":{"tier":"fe","app":"web"}}})")
                       .as_object();
  auto other = boost::json::parse(R"({"metadata":{"labels":{"app":"web","tier":"fe"}},
      "spec":{"containers":[{"name":"c","image":"nginx:2"}]}})")
                   .as_object();
  std::string h = computeTemplateHash(a, 0);
  EXPECT_FALSE(h.empty());
  EXPECT_EQ(h, computeTemplateHash(a, 0));
  EXPECT_EQ(h, computeTemplateHash(reordered, 0));
  EXPECT_NE(h, computeTemplateHash(other, 0));
  EXPECT_NE(h, computeTemplateHash(a, 1));
  for (char c : h) EXPECT_NE(std::string("aeiou013").find(c), 0u) << h;
  // The hash label itself never changes the hash (it is added after hashing).
  auto labelled = a;
  labelled["metadata"].as_object()["labels"].as_object()[kPodTemplateHashLabel] = h;
  EXPECT_EQ(h, computeTemplateHash(labelled, 0));
  EXPECT_TRUE(equalIgnoreHash(a, labelled));
  EXPECT_FALSE(equalIgnoreHash(a, other));
  // kubectl rollout undo sends the copied template with "creationTimestamp": null.
  auto withNull = a;
  withNull["metadata"].as_object()["creationTimestamp"] = nullptr;
  EXPECT_TRUE(equalIgnoreHash(a, withNull));
  EXPECT_EQ(h, computeTemplateHash(withNull, 0));
}

TEST(DeploymentUtilTest, FencepostsRoundSurgeUpAndUnavailableDown) {
  auto d = [](int64_t replicas, bj::value surge, bj::value unavailable) {
    return bj::object{
        {"spec",
         bj::object{{"replicas", replicas},
                    {"strategy",
                     bj::object{{"type", "RollingUpdate"},
                                {"rollingUpdate", bj::object{{"maxSurge", surge},
                                                             {"maxUnavailable", unavailable}}}}}}}};
  };
  EXPECT_EQ(resolveFenceposts(d(10, "25%", "25%")), (std::pair<int64_t, int64_t>{3, 2}));
  EXPECT_EQ(resolveFenceposts(d(10, "50%", "50%")), (std::pair<int64_t, int64_t>{5, 5}));
  EXPECT_EQ(resolveFenceposts(d(3, 2, 0)), (std::pair<int64_t, int64_t>{2, 0}));
  // Both zero would never move: one may be unavailable.
  EXPECT_EQ(resolveFenceposts(d(1, "0%", "25%")), (std::pair<int64_t, int64_t>{0, 1}));
}

TEST_F(DeploymentControllerTest, CreatesTheNewReplicaSet) {
  createDeployment(makeDeployment("nginx:1", 3));
  reconcile();
  auto rss = replicaSets();
  ASSERT_EQ(rss.size(), 1u);
  const auto& rs = rss[0];
  std::string hash = json::getString(*labelsOf(rs), kPodTemplateHashLabel);
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(nameOf(rs), "web-" + hash);
  EXPECT_EQ(json::getString(json::findPath(rs, "spec.selector.matchLabels")->as_object(),
                            kPodTemplateHashLabel),
            hash);
  EXPECT_EQ(json::getString(json::findPath(rs, "spec.template.metadata.labels")->as_object(),
                            kPodTemplateHashLabel),
            hash);
  EXPECT_EQ(specReplicas(rs), 3);
  EXPECT_EQ(annotationOf(rs, kRevisionAnnotation), "1");
  EXPECT_EQ(annotationOf(rs, kDesiredReplicasAnnotation), "3");
  EXPECT_EQ(annotationOf(rs, kMaxReplicasAnnotation), "4");
  EXPECT_EQ(annotationOf(rs, kChangeCauseAnnotation), "create");
  auto ref = controllerOf(rs);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, "Deployment");
  EXPECT_EQ(ref->uid, uidOf(deployment()));
  EXPECT_EQ(annotationOf(deployment(), kRevisionAnnotation), "1");
  EXPECT_EQ(condition("Progressing", "reason"), "NewReplicaSetCreated");
  ASSERT_EQ(recorder_->count("ScalingReplicaSet"), 1u);
  EXPECT_EQ(recorder_->events()[0].message, "Scaled up replica set " + nameOf(rs) + " from 0 to 3");

  // Settled: a second reconcile creates nothing.
  reconcile();
  EXPECT_EQ(countActions("create", "replicasets.apps"), 1u);
}

TEST_F(DeploymentControllerTest, StatusAndConditionsWhenComplete) {
  createDeployment(makeDeployment("nginx:1", 3));
  settle();
  bj::object d = deployment();
  EXPECT_EQ(statusInt(d, "replicas"), 3);
  EXPECT_EQ(statusInt(d, "updatedReplicas"), 3);
  EXPECT_EQ(statusInt(d, "readyReplicas"), 3);
  EXPECT_EQ(statusInt(d, "availableReplicas"), 3);
  EXPECT_EQ(statusInt(d, "unavailableReplicas"), 0);
  EXPECT_EQ(statusInt(d, "observedGeneration"), 1);
  EXPECT_EQ(condition("Available", "status"), "True");
  EXPECT_EQ(condition("Available", "reason"), "MinimumReplicasAvailable");
  EXPECT_EQ(condition("Progressing", "status"), "True");
  EXPECT_EQ(condition("Progressing", "reason"), "NewReplicaSetAvailable");

  // Settled: no writes at all (the test's own cache refresh lists).
  api_->clearActions();
  reconcile();
  for (const auto& a : api_->actions())
    EXPECT_TRUE(a.verb == "get" || a.verb == "list") << a.verb << " " << a.resource;
}

TEST_F(DeploymentControllerTest, ProgressDeadlineExceededWhenNothingMoves) {
  bj::object d = makeDeployment("nginx:1", 3);
  d["spec"].as_object()["progressDeadlineSeconds"] = 30;
  createDeployment(d);
  reconcile();  // new RS created; its pods never become available
  EXPECT_EQ(condition("Progressing", "status"), "True");
  clock_->advance(std::chrono::seconds(31));
  reconcile();
  EXPECT_EQ(condition("Progressing", "status"), "False");
  EXPECT_EQ(condition("Progressing", "reason"), "ProgressDeadlineExceeded");
  EXPECT_EQ(condition("Available", "status"), "False");
}

TEST_F(DeploymentControllerTest, RollingUpdateStaysWithinSurgeAndUnavailable) {
  createDeployment(makeDeployment("nginx:1", 10, "RollingUpdate", "50%", "50%"));
  settle();
  ASSERT_TRUE(complete());
  setImage("nginx:2");
  int steps = 0;
  for (; steps < 40 &&
         !(complete() && replicaSets().size() == 2 && specReplicas(replicaSets()[0]) == 0);
       ++steps) {
    reconcile();
    // Bounds hold on what the controller asked for...
    int64_t total = 0, available = 0;
    for (const auto& rs : replicaSets()) total += specReplicas(rs);
    EXPECT_LE(total, 15) << "step " << steps;
    simulateReplicaSets(/*instant=*/false);
    // ...and on what is running.
    for (const auto& rs : replicaSets()) available += statusInt(rs, "availableReplicas");
    EXPECT_GE(available, 5) << "step " << steps;
  }
  EXPECT_LT(steps, 40);
  auto rss = replicaSets();
  ASSERT_EQ(rss.size(), 2u);
  EXPECT_EQ(imageOf(rss[1]), "nginx:2");
  EXPECT_EQ(specReplicas(rss[1]), 10);
  EXPECT_EQ(specReplicas(rss[0]), 0);
  EXPECT_EQ(annotationOf(rss[1], kRevisionAnnotation), "2");
  EXPECT_EQ(annotationOf(deployment(), kRevisionAnnotation), "2");
}

TEST_F(DeploymentControllerTest, RecreateStopsOldPodsBeforeStartingNewOnes) {
  createDeployment(makeDeployment("nginx:1", 3, "Recreate"));
  settle();
  setImage("nginx:2");
  reconcile();
  auto rss = replicaSets();
  ASSERT_EQ(rss.size(), 1u) << "no new ReplicaSet while old pods run";
  EXPECT_EQ(specReplicas(rss[0]), 0);
  // The old ReplicaSet still reports pods: still waiting.
  reconcile();
  EXPECT_EQ(replicaSets().size(), 1u);
  simulateReplicaSets();  // old pods gone
  reconcile();
  rss = replicaSets();
  ASSERT_EQ(rss.size(), 2u);
  EXPECT_EQ(imageOf(rss[1]), "nginx:2");
  EXPECT_EQ(specReplicas(rss[1]), 3);
  EXPECT_EQ(specReplicas(rss[0]), 0);
}

TEST_F(DeploymentControllerTest, RollbackReusesTheOldReplicaSetWithTheNextRevision) {
  createDeployment(makeDeployment("nginx:1", 3));
  settle();
  setImage("nginx:2");
  settle();
  setImage("nginx:3");
  settle();
  ASSERT_EQ(replicaSets().size(), 3u);
  std::string v1Name = nameOf(replicaSets()[0]);
  // kubectl rollout undo --to-revision=1: the template of revision 1, copied client-side.
  setImage("nginx:1");
  settle();
  auto rss = replicaSets();
  ASSERT_EQ(rss.size(), 3u) << "no new ReplicaSet for a template that already has one";
  EXPECT_EQ(countActions("create", "replicasets.apps"), 3u);
  EXPECT_EQ(nameOf(rss[2]), v1Name);
  EXPECT_EQ(annotationOf(rss[2], kRevisionAnnotation), "4");
  EXPECT_EQ(specReplicas(rss[2]), 3);
  EXPECT_EQ(specReplicas(rss[0]) + specReplicas(rss[1]), 0);
  EXPECT_EQ(annotationOf(deployment(), kRevisionAnnotation), "4");
}

TEST_F(DeploymentControllerTest, HistoryBeyondTheLimitIsDeleted) {
  bj::object d = makeDeployment("v1", 2);
  d["spec"].as_object()["revisionHistoryLimit"] = 1;
  createDeployment(d);
  settle();
  for (std::string image : {"v2", "v3", "v4"}) {
    setImage(image);
    settle();
    reconcile();
  }
  auto rss = replicaSets();
  ASSERT_EQ(rss.size(), 2u);  // the current one and one old revision
  EXPECT_EQ(imageOf(rss[1]), "v4");
  EXPECT_EQ(imageOf(rss[0]), "v3");
}

TEST_F(DeploymentControllerTest, PausedDeploymentDoesNotRollOutButScales) {
  createDeployment(makeDeployment("nginx:1", 3));
  settle();
  editDeployment([](bj::object& spec) { spec["paused"] = true; });
  setImage("nginx:2");
  reconcile();
  EXPECT_EQ(replicaSets().size(), 1u);
  EXPECT_EQ(condition("Progressing", "reason"), "DeploymentPaused");
  editDeployment([](bj::object& spec) { spec["replicas"] = 5; });
  reconcile();
  ASSERT_EQ(replicaSets().size(), 1u);
  EXPECT_EQ(specReplicas(replicaSets()[0]), 5);
  EXPECT_EQ(imageOf(replicaSets()[0]), "nginx:1");

  editDeployment([](bj::object& spec) { spec["paused"] = false; });
  reconcile();
  EXPECT_EQ(replicaSets().size(), 2u);
  settle();
  EXPECT_EQ(specReplicas(replicaSets()[1]), 5);
}

TEST_F(DeploymentControllerTest, ScalingMidRolloutIsProportional) {
  createDeployment(makeDeployment("nginx:1", 10, "RollingUpdate", "3", "2"));
  settle();
  setImage("nginx:2");
  reconcile();  // new RS gets 3 (surge)
  simulateReplicaSets(false);
  auto rss = replicaSets();
  ASSERT_EQ(rss.size(), 2u);
  int64_t oldBefore = specReplicas(rss[0]), newBefore = specReplicas(rss[1]);
  // 3 new pods surged and, in the same reconcile, 2 old ones went (maxUnavailable).
  ASSERT_EQ(newBefore, 3);
  ASSERT_EQ(oldBefore, 8);
  editDeployment([](bj::object& spec) { spec["replicas"] = 20; });
  reconcile();
  rss = replicaSets();
  int64_t oldAfter = specReplicas(rss[0]), newAfter = specReplicas(rss[1]);
  EXPECT_EQ(oldAfter + newAfter, 23);  // 20 + surge 3
  EXPECT_GT(oldAfter, oldBefore);
  EXPECT_GT(newAfter, newBefore);
  EXPECT_EQ(annotationOf(rss[0], kDesiredReplicasAnnotation), "20");
}

TEST_F(DeploymentControllerTest, AdoptsAMatchingOrphanReplicaSetInsteadOfCreatingOne) {
  bj::object d = makeDeployment("nginx:1", 3);
  bj::object podTemplate = d["spec"].as_object()["template"].as_object();
  podTemplate["metadata"].as_object()["labels"].as_object()[kPodTemplateHashLabel] = "abc";
  bj::object labels{{"app", "web"}, {kPodTemplateHashLabel, "abc"}};
  bj::object orphan{
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata", bj::object{{"name", "web-abc"}, {"namespace", "default"}, {"labels", labels}}},
      {"spec", bj::object{{"replicas", 3},
                          {"selector", bj::object{{"matchLabels", labels}}},
                          {"template", podTemplate}}}};
  api_->create(kReplicaSetsResource, "default", orphan);
  createDeployment(d);
  api_->clearActions();
  reconcile();
  EXPECT_EQ(countActions("create", "replicasets.apps"), 0u);
  auto rss = replicaSets();
  ASSERT_EQ(rss.size(), 1u);
  auto ref = controllerOf(rss[0]);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->uid, uidOf(deployment()));
  EXPECT_EQ(annotationOf(rss[0], kRevisionAnnotation), "1");
  EXPECT_EQ(annotationOf(deployment(), kRevisionAnnotation), "1");
}

}  // namespace
}  // namespace cube::controllers::deployment
