// NodeLifecycleController on a FakeApiClient: caches refreshed from the fake's store (what the
// informers would show), a fake clock, and reconcile() driven by hand.

#include "controllers/nodelifecycle/node_lifecycle_controller.h"
#include "../client/fake_api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/nodelifecycle/node_state.h"
#include "controllers/nodelifecycle/pods_by_node.h"
#include "controllers/nodelifecycle/taint_eviction.h"
#include "controllers/object_cache.h"

#include <gtest/gtest.h>

#include <map>

namespace cube::controllers::nodelifecycle {
namespace {

namespace bj = boost::json;
using client::testing::FakeApiClient;
using std::chrono::seconds;

const client::Resource kNodes{"", "v1", "nodes", false};
const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kLeases{"coordination.k8s.io", "v1", "leases", true};

class NodeLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeLifecycleController::Deps deps{api_, nodes_, leases_, events_, clock_};
    controller_ = std::make_unique<NodeLifecycleController>(
        deps, NodeLifecycleOptions{std::chrono::seconds(40)});
  }
  void TearDown() override { controller_->stop(); }

  void refresh() {
    nodes_->clear();
    for (auto& o : itemsOf(api_->list(kNodes, ""))) nodes_->put(o);
    leases_->clear();
    for (auto& o : itemsOf(api_->list(kLeases, ""))) leases_->put(o);
    // Pods reach the controller through its pod handlers, as from an informer.
    std::map<std::string, ObjectPtr> pods;
    for (auto& o : itemsOf(api_->list(kPods, ""))) {
      auto pod = std::make_shared<const bj::object>(o);
      pods[client::Informer::keyOf(*pod)] = pod;
    }
    for (const auto& [key, old] : pods_) {
      if (!pods.count(key)) controller_->onPodDelete(old);
    }
    for (const auto& [key, pod] : pods) {
      auto it = pods_.find(key);
      if (it == pods_.end()) {
        controller_->onPodAdd(pod);
      } else {
        controller_->onPodUpdate(it->second, pod);
      }
    }
    pods_ = std::move(pods);
  }

  void reconcile(const std::string& node) {
    refresh();
    controller_->reconcile(node);
    refresh();
  }

  void createNode(const std::string& name) {
    std::string now = formatRfc3339(clock_->now());
    bj::object ready{{"type", "Ready"},
                     {"status", "True"},
                     {"reason", "KubeletReady"},
                     {"lastHeartbeatTime", now},
                     {"lastTransitionTime", now}};
    api_->create(kNodes, "",
                 bj::object{{"apiVersion", "v1"},
                            {"kind", "Node"},
                            {"metadata", bj::object{{"name", name}}},
                            {"spec", bj::object{}},
                            {"status", bj::object{{"conditions", bj::array{ready}}}}});
    renewLease(name, true);
  }

  void renewLease(const std::string& name, bool create = false) {
    bj::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                     {"kind", "Lease"},
                     {"metadata", bj::object{{"name", name}, {"namespace", "kube-node-lease"}}},
                     {"spec", bj::object{{"holderIdentity", name},
                                         {"renewTime", formatRfc3339Micro(clock_->now())}}}};
    if (create) {
      api_->create(kLeases, "kube-node-lease", lease);
    } else {
      api_->update(kLeases, "kube-node-lease", name, lease);
    }
  }

  // The agent reports Ready again.
  void reportReady(const std::string& name) {
    bj::object node = api_->get(kNodes, "", name);
    std::string now = formatRfc3339(clock_->now());
    node["status"] = bj::object{{"conditions", bj::array{bj::object{{"type", "Ready"},
                                                                    {"status", "True"},
                                                                    {"reason", "KubeletReady"},
                                                                    {"lastHeartbeatTime", now},
                                                                    {"lastTransitionTime", now}}}}};
    api_->update(kNodes, "", name, node, "status");
  }

  void createPod(const std::string& name, const std::string& node,
                 bj::array tolerations = bj::array()) {
    bj::object ready{{"type", "Ready"}, {"status", "True"}};
    api_->create(
        kPods, "default",
        bj::object{{"apiVersion", "v1"},
                   {"kind", "Pod"},
                   {"metadata", bj::object{{"name", name}, {"namespace", "default"}}},
                   {"spec", bj::object{{"nodeName", node},
                                       {"tolerations", std::move(tolerations)},
                                       {"containers",
                                        bj::array{bj::object{{"name", "c"}, {"image", "nginx"}}}}}},
                   {"status", bj::object{{"phase", "Running"}, {"conditions", bj::array{ready}}}}});
  }

  static bj::array unreachableToleration(int64_t seconds) {
    return bj::array{bj::object{{"key", kUnreachableTaintKey},
                                {"operator", "Exists"},
                                {"effect", "NoExecute"},
                                {"tolerationSeconds", seconds}}};
  }

  bj::object node(const std::string& name) { return api_->get(kNodes, "", name); }
  bool podExists(const std::string& name) {
    return api_->stored(kPods, "default", name).has_value();
  }
  std::vector<std::string> taintsOf(const std::string& name) {
    std::vector<std::string> out;
    bj::object n = node(name);
    if (const auto* t = json::getArray(n.at("spec").as_object(), "taints")) {
      for (const auto& taint : *t) {
        out.push_back(json::getString(taint.as_object(), "key") + ":" +
                      json::getString(taint.as_object(), "effect"));
      }
    }
    return out;
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  std::shared_ptr<client::FakeClock> clock_ = std::make_shared<client::FakeClock>();
  MemoryCachePtr nodes_ = std::make_shared<MemoryCache>();
  MemoryCachePtr leases_ = std::make_shared<MemoryCache>();
  std::map<std::string, ObjectPtr> pods_;  // what the pod handlers were last told
  std::shared_ptr<client::RecordingEventRecorder> events_ =
      std::make_shared<client::RecordingEventRecorder>();
  std::unique_ptr<NodeLifecycleController> controller_;
};

TEST_F(NodeLifecycleTest, HealthyNodeIsLeftAlone) {
  createNode("a");
  reconcile("a");
  clock_->advance(seconds(30));
  renewLease("a");
  reconcile("a");
  clock_->advance(seconds(30));  // 60 s since the first look, 30 s since the renewal
  reconcile("a");
  EXPECT_EQ(nodeReadyStatus(node("a")), "True");
  EXPECT_TRUE(taintsOf("a").empty());
  EXPECT_EQ(events_->count("NodeNotReady"), 0u);
}

TEST_F(NodeLifecycleTest, ExpiredLeaseMakesNodeUnknownAndTainted) {
  createNode("a");
  createPod("p", "a", unreachableToleration(300));
  reconcile("a");
  clock_->advance(seconds(41));
  reconcile("a");

  bj::object n = node("a");
  EXPECT_EQ(nodeReadyStatus(n), "Unknown");
  const auto& ready = n.at("status").at("conditions").as_array()[0].as_object();
  EXPECT_EQ(json::getString(ready, "reason"), "NodeStatusUnknown");
  EXPECT_EQ(json::getString(ready, "message"), "Kubelet stopped posting node status.");
  EXPECT_EQ(taintsOf("a"), (std::vector<std::string>{"node.kubernetes.io/unreachable:NoSchedule",
                                                     "node.kubernetes.io/unreachable:NoExecute"}));
  EXPECT_EQ(events_->count("NodeNotReady"), 1u);
  // The status went through nodes/status.
  bool statusWrite = false;
  for (const auto& a : api_->actions())
    statusWrite =
        statusWrite || (a.verb == "update" && a.resource == "nodes" && a.subresource == "status");
  EXPECT_TRUE(statusWrite);
  // Its pod is no longer Ready, but tolerates the taint for now.
  auto pod = api_->stored(kPods, "default", "p");
  ASSERT_TRUE(pod);
  EXPECT_EQ(json::getString(pod->at("status").at("conditions").as_array()[0].as_object(), "status"),
            "False");
  EXPECT_EQ(events_->count("TaintManagerEviction"), 0u);

  // A second look changes nothing.
  api_->clearActions();
  reconcile("a");
  for (const auto& a : api_->actions()) EXPECT_NE(a.verb, "update") << a.resource;
}

TEST_F(NodeLifecycleTest, RecoveryRemovesTaints) {
  createNode("a");
  reconcile("a");
  clock_->advance(seconds(41));
  reconcile("a");
  ASSERT_EQ(taintsOf("a").size(), 2u);

  renewLease("a");
  reportReady("a");
  reconcile("a");
  EXPECT_EQ(nodeReadyStatus(node("a")), "True");
  EXPECT_TRUE(taintsOf("a").empty());
}

TEST_F(NodeLifecycleTest, PodWithoutTolerationIsEvictedAtOnce) {
  createNode("a");
  createPod("intolerant", "a");
  createPod("patient", "a", unreachableToleration(300));
  reconcile("a");
  clock_->advance(seconds(41));
  reconcile("a");
  EXPECT_FALSE(podExists("intolerant"));
  EXPECT_TRUE(podExists("patient"));
  ASSERT_EQ(events_->count("TaintManagerEviction"), 1u);
  EXPECT_EQ(events_->events()[1].message, "Marking for deletion Pod default/intolerant");
}

// Kubernetes 1.32 marks an evicted pod with DisruptionTarget before deleting it.
TEST_F(NodeLifecycleTest, EvictedPodGetsDisruptionTargetFirst) {
  createNode("a");
  createPod("intolerant", "a");
  std::optional<bj::object> beforeDelete;
  api_->setReactor([&](const client::testing::FakeAction& a) {
    if (a.verb == "delete" && a.resource == "pods") {
      beforeDelete = api_->stored(kPods, "default", a.name);
    }
  });
  reconcile("a");
  clock_->advance(seconds(41));
  reconcile("a");
  api_->setReactor(nullptr);
  ASSERT_TRUE(beforeDelete);
  const bj::object* target = nullptr;
  for (const auto& c : (*beforeDelete)["status"].as_object()["conditions"].as_array()) {
    if (json::getString(c.as_object(), "type") == "DisruptionTarget") target = &c.as_object();
  }
  ASSERT_TRUE(target);
  EXPECT_EQ(json::getString(*target, "status"), "True");
  EXPECT_EQ(json::getString(*target, "reason"), "DeletionByTaintManager");
  EXPECT_EQ(json::getString(*target, "message"), "Taint manager: deleting due to NoExecute taint");
}

TEST_F(NodeLifecycleTest, PodIsEvictedAfterTolerationSeconds) {
  createNode("a");
  createPod("p", "a", unreachableToleration(5));
  bj::array forever = unreachableToleration(0);
  forever[0].as_object().erase("tolerationSeconds");
  createPod("forever", "a", forever);
  reconcile("a");
  clock_->advance(seconds(41));
  reconcile("a");
  EXPECT_TRUE(podExists("p"));
  clock_->advance(seconds(4));
  reconcile("a");
  EXPECT_TRUE(podExists("p"));
  clock_->advance(seconds(2));
  reconcile("a");
  EXPECT_FALSE(podExists("p"));
  EXPECT_TRUE(podExists("forever"));
}

TEST_F(NodeLifecycleTest, TaintWithoutTimeAddedCountsFromWhenItWasSeen) {
  createNode("a");
  bj::array tolerations{bj::object{{"key", "maintenance"},
                                   {"operator", "Exists"},
                                   {"effect", "NoExecute"},
                                   {"tolerationSeconds", 5}}};
  createPod("p", "a", tolerations);
  bj::object n = node("a");
  n["spec"].as_object()["taints"] =
      bj::array{bj::object{{"key", "maintenance"}, {"effect", "NoExecute"}}};
  api_->update(kNodes, "", "a", n);
  reconcile("a");
  clock_->advance(seconds(4));
  renewLease("a");
  reconcile("a");
  EXPECT_TRUE(podExists("p"));
  clock_->advance(seconds(2));
  renewLease("a");
  reconcile("a");
  EXPECT_FALSE(podExists("p"));
  EXPECT_EQ(nodeReadyStatus(node("a")), "True");
}

TEST_F(NodeLifecycleTest, DeletedNodeIsForgotten) {
  createNode("a");
  reconcile("a");
  api_->remove(kNodes, "", "a");
  reconcile("a");  // no throw, nothing written
  for (const auto& a : api_->actions()) EXPECT_NE(a.verb, "update");
}

TEST_F(NodeLifecycleTest, PodIndexFollowsPodsThatMoveOrAreDeleted) {
  createNode("a");
  createNode("b");
  createPod("p", "a");
  createPod("q", "a");
  refresh();
  auto namesOn = [&](const std::string& node) {
    std::vector<std::string> out;
    for (const auto& pod : controller_->podsByNode().podsOn(node)) out.push_back(nameOf(*pod));
    return out;
  };
  EXPECT_EQ(namesOn("a"), (std::vector<std::string>{"p", "q"}));

  bj::object q = api_->get(kPods, "default", "q");
  q["spec"].as_object()["nodeName"] = "b";
  api_->update(kPods, "default", "q", q);
  api_->remove(kPods, "default", "p");
  refresh();
  EXPECT_TRUE(namesOn("a").empty());
  EXPECT_EQ(namesOn("b"), (std::vector<std::string>{"q"}));
  EXPECT_EQ(controller_->podsByNode().nodeCount(), 1u);

  // Node a goes unreachable: neither the pod that moved away nor the deleted one is touched.
  renewLease("b");
  reconcile("a");
  clock_->advance(seconds(41));
  renewLease("b");
  api_->clearActions();
  reconcile("a");
  EXPECT_EQ(nodeReadyStatus(node("a")), "Unknown");
  for (const auto& a : api_->actions()) {
    if (a.resource == "pods") {
      EXPECT_TRUE(a.verb == "get" || a.verb == "list") << a.verb;
    }
  }
  EXPECT_TRUE(podExists("q"));
}

TEST(PodsByNode, FollowsPutAndRemove) {
  auto pod = [](const std::string& name, const std::string& node, const std::string& rv) {
    return std::make_shared<const bj::object>(bj::object{
        {"metadata", bj::object{{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}},
        {"spec", bj::object{{"nodeName", node}}}});
  };
  PodsByNode index;
  index.put(pod("p1", "a", "1"));
  index.put(pod("p2", "a", "1"));
  index.put(pod("p3", "", "1"));  // not bound yet
  EXPECT_EQ(index.podsOn("a").size(), 2u);
  EXPECT_EQ(index.nodeCount(), 1u);

  index.put(pod("p1", "a", "2"));  // updated in place: the latest object is returned
  EXPECT_EQ(json::getString(index.podsOn("a")[0]->at("metadata").as_object(), "resourceVersion"),
            "2");
  index.put(pod("p3", "b", "2"));  // bound
  index.put(pod("p2", "b", "2"));  // moved
  ASSERT_EQ(index.podsOn("a").size(), 1u);
  EXPECT_EQ(index.podsOn("b").size(), 2u);

  index.remove(pod("p1", "a", "2"));
  EXPECT_TRUE(index.podsOn("a").empty());
  EXPECT_EQ(index.nodeCount(), 1u);   // a is dropped once empty
  index.remove(pod("p2", "", "3"));   // the last state it was seen in does not matter
  index.remove(pod("p9", "b", "1"));  // unknown: ignored
  ASSERT_EQ(index.podsOn("b").size(), 1u);
  EXPECT_EQ(nameOf(*index.podsOn("b")[0]), "p3");
}

TEST(TaintEviction, MinimumTolerationSecondsAndWildcards) {
  TimePoint now = client::FakeClock::defaultStart();
  std::vector<NodeTaint> taints{{kUnreachableTaintKey, "", "NoExecute", now}};
  bj::object pod{
      {"spec", bj::object{{"tolerations", bj::array{bj::object{{"key", kUnreachableTaintKey},
                                                               {"operator", "Exists"},
                                                               {"tolerationSeconds", 30}},
                                                    bj::object{{"operator", "Exists"},
                                                               {"tolerationSeconds", 10}}}}}}};
  auto d = evictionFor(pod, taints, now);
  EXPECT_EQ(d.kind, EvictionDecision::Kind::At);
  EXPECT_EQ(d.at, now + seconds(10));

  bj::object other{
      {"spec", bj::object{{"tolerations",
                           bj::array{bj::object{{"key", "dedicated"}, {"operator", "Exists"}}}}}}};
  EXPECT_EQ(evictionFor(other, taints, now).kind, EvictionDecision::Kind::Now);
  EXPECT_EQ(evictionFor(other, {}, now).kind, EvictionDecision::Kind::Never);
}

}  // namespace
}  // namespace cube::controllers::nodelifecycle
