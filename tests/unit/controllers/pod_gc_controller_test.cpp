// PodGcController::collect on the fake API client with seeded caches and a fake clock: orphaned
// pods go only after the quarantine and only when the API server has no such node (marked Failed
// with DisruptionTarget first), unscheduled terminating pods go, terminating pods go from an
// out-of-service node and stay on a live or merely NotReady one, and the terminated pods over the
// threshold go oldest first, evicted ones before the others.

#include "controllers/podgc/pod_gc_controller.h"

#include "../client/fake_api_client.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/controller_ref.h"

#include <gtest/gtest.h>

namespace cube::controllers::podgc {
namespace {

namespace bj = boost::json;
using client::testing::FakeAction;
using client::testing::FakeApiClient;
using namespace std::chrono_literals;

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};

class PodGcControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { makeController(12500); }

  void makeController(int threshold) {
    PodGcOptions options;
    options.terminatedPodThreshold = threshold;
    gc_ = std::make_unique<PodGcController>(PodGcController::Deps{api_, pods_, nodes_, clock_},
                                            options);
  }

  // A pod on `node` ("" for none) in `phase`, created `age` ago, stored and cached.
  bj::object pod(const std::string& name, const std::string& node, const std::string& phase,
                 bool terminating = false, std::chrono::seconds age = 0s) {
    bj::object meta{{"name", name},
                    {"namespace", "default"},
                    {"creationTimestamp", formatRfc3339(clock_->now() - age)}};
    if (terminating) {
      meta["deletionTimestamp"] = formatRfc3339(clock_->now());
      meta["deletionGracePeriodSeconds"] = 30;
    }
    bj::object spec{{"containers", bj::array{bj::object{{"name", "c"}, {"image", "busybox"}}}}};
    if (!node.empty()) spec["nodeName"] = node;
    bj::object status{
        {"phase", phase},
        {"conditions", bj::array{bj::object{{"type", "Ready"},
                                            {"status", phase == "Running" ? "True" : "False"}}}}};
    bj::object obj = api_->create(
        kPods, "default",
        bj::object{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", spec}});
    obj["status"] = status;  // what the node's agent would have written
    obj = api_->update(kPods, "default", name, obj);
    pods_->put(obj);
    return obj;
  }

  void node(const std::string& name, const std::string& ready, bool outOfService = false) {
    bj::object spec;
    if (outOfService) {
      spec["taints"] = bj::array{bj::object{
          {"key", kOutOfServiceTaintKey}, {"value", "nodeshutdown"}, {"effect", "NoExecute"}}};
    }
    bj::object obj{
        {"apiVersion", "v1"},
        {"kind", "Node"},
        {"metadata", bj::object{{"name", name}}},
        {"spec", spec},
        {"status",
         bj::object{{"conditions", bj::array{bj::object{{"type", "Ready"}, {"status", ready}}}}}}};
    nodes_->put(api_->create(kNodes, "", obj));
  }

  bool exists(const std::string& name) { return api_->stored(kPods, "default", name).has_value(); }

  // Each pass, as the workers would run it; the cache follows what the API server deleted.
  void collect() {
    gc_->collect();
    for (const auto& p : pods_->list()) {
      if (!exists(nameOf(*p))) pods_->remove("default/" + nameOf(*p));
    }
  }

  // The pod as stored just before each delete: what the collector marked it with.
  void recordBeforeDelete() {
    api_->setReactor([this](const FakeAction& a) {
      if (a.verb != "delete" || a.resource != "pods") return;
      if (auto p = api_->stored(kPods, a.ns, a.name)) beforeDelete_[a.name] = *p;
    });
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  MemoryCachePtr pods_ = std::make_shared<MemoryCache>();
  MemoryCachePtr nodes_ = std::make_shared<MemoryCache>();
  std::shared_ptr<client::FakeClock> clock_ = std::make_shared<client::FakeClock>();
  std::unique_ptr<PodGcController> gc_;
  std::map<std::string, bj::object> beforeDelete_;
};

TEST_F(PodGcControllerTest, OrphanedPodGoesAfterTheQuarantineMarkedFailed) {
  recordBeforeDelete();
  pod("orphan", "gone", "Running");
  collect();
  clock_->advance(39s);
  collect();
  EXPECT_TRUE(exists("orphan"));  // the node may just be new to the cache
  clock_->advance(1s);
  collect();
  EXPECT_FALSE(exists("orphan"));
  ASSERT_TRUE(beforeDelete_.count("orphan"));
  const auto& status = beforeDelete_["orphan"]["status"].as_object();
  EXPECT_EQ(json::getString(status, "phase"), "Failed");
  const auto& conditions = status.at("conditions").as_array();
  ASSERT_EQ(conditions.size(), 2u);  // Ready kept, DisruptionTarget added
  const auto& target = conditions[1].as_object();
  EXPECT_EQ(json::getString(target, "type"), "DisruptionTarget");
  EXPECT_EQ(json::getString(target, "status"), "True");
  EXPECT_EQ(json::getString(target, "reason"), "DeletionByPodGC");
  EXPECT_EQ(json::getString(target, "message"), "PodGC: node no longer exists");
  EXPECT_EQ(json::getString(target, "lastTransitionTime"), formatRfc3339(clock_->now()));
}

TEST_F(PodGcControllerTest, NodeTheCacheHasNotSeenYetIsAskedFor) {
  pod("p", "new", "Running");
  bj::object node{
      {"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", bj::object{{"name", "new"}}}};
  api_->create(kNodes, "", node);  // in the API server, not yet in the cache
  collect();
  clock_->advance(60s);
  collect();
  EXPECT_TRUE(exists("p"));
}

TEST_F(PodGcControllerTest, NodeThatCameBackStartsANewQuarantine) {
  pod("p", "flaky", "Running");
  collect();
  clock_->advance(30s);
  node("flaky", "True");
  collect();  // present: forgotten
  nodes_->remove("flaky");
  api_->remove(kNodes, "", "flaky");
  clock_->advance(20s);
  collect();  // missing again from now
  clock_->advance(20s);
  collect();
  EXPECT_TRUE(exists("p"));
  clock_->advance(20s);
  collect();
  EXPECT_FALSE(exists("p"));
}

TEST_F(PodGcControllerTest, UnscheduledTerminatingPodGoesAtOnce) {
  recordBeforeDelete();
  pod("pending", "", "Pending", /*terminating=*/true);
  pod("waiting", "", "Pending");
  collect();
  EXPECT_FALSE(exists("pending"));
  EXPECT_TRUE(exists("waiting"));
  EXPECT_EQ(json::getString(beforeDelete_["pending"]["status"].as_object(), "phase"), "Failed");
}

TEST_F(PodGcControllerTest, TerminatingPodsGoOnlyFromOutOfServiceNodes) {
  node("live", "True");
  node("down", "Unknown");
  node("shut", "False", /*outOfService=*/true);
  node("tainted-but-ready", "True", /*outOfService=*/true);
  pod("on-live", "live", "Running", true);
  pod("on-down", "down", "Running", true);
  pod("on-shut", "shut", "Running", true);
  pod("running-on-shut", "shut", "Running");
  pod("on-tainted-but-ready", "tainted-but-ready", "Running", true);
  clock_->advance(1h);  // long past every grace period: no deadline removes anything
  collect();
  EXPECT_TRUE(exists("on-live"));
  EXPECT_TRUE(exists("on-down"));  // Terminating until its agent returns, as in Kubernetes
  EXPECT_FALSE(exists("on-shut"));
  EXPECT_TRUE(exists("running-on-shut"));
  EXPECT_TRUE(exists("on-tainted-but-ready"));
}

TEST_F(PodGcControllerTest, TerminatedPodsOverTheThresholdGoOldestAndEvictedFirst) {
  makeController(2);
  recordBeforeDelete();
  node("n", "True");
  pod("old-done", "n", "Succeeded", false, 300s);
  pod("mid-failed", "n", "Failed", false, 200s);
  pod("new-done", "n", "Succeeded", false, 100s);
  bj::object evicted = pod("new-evicted", "n", "Failed", false, 10s);
  evicted["status"].as_object()["reason"] = "Evicted";
  pods_->put(api_->update(kPods, "default", "new-evicted", evicted));
  pod("running", "n", "Running", false, 400s);
  api_->clearActions();
  collect();
  EXPECT_FALSE(exists("new-evicted"));
  EXPECT_FALSE(exists("old-done"));
  EXPECT_TRUE(exists("mid-failed"));
  EXPECT_TRUE(exists("new-done"));
  EXPECT_TRUE(exists("running"));
  for (const auto& a : api_->actions()) EXPECT_NE(a.verb, "patch");  // already terminal
  collect();
  EXPECT_TRUE(exists("mid-failed"));  // at the threshold now
}

TEST_F(PodGcControllerTest, ThresholdZeroKeepsEveryTerminatedPod) {
  makeController(0);
  node("n", "True");
  for (int i = 0; i < 5; ++i) pod("done-" + std::to_string(i), "n", "Succeeded");
  collect();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(exists("done-" + std::to_string(i)));
}

TEST_F(PodGcControllerTest, APodReplacedUnderTheSameNameIsLeftAlone) {
  pod("p", "", "Pending", /*terminating=*/true);
  // The cache still has the old pod; the API server has a new one by that name.
  api_->remove(kPods, "default", "p");
  bj::object fresh{{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", bj::object{{"name", "p"}, {"namespace", "default"}}}};
  api_->create(kPods, "default", fresh);
  gc_->collect();
  auto stored = api_->stored(kPods, "default", "p");
  ASSERT_TRUE(stored);
  EXPECT_FALSE((*stored).contains("status"));  // neither marked Failed nor deleted
}

}  // namespace
}  // namespace cube::controllers::podgc
