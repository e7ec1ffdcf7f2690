// DaemonSetController on a FakeApiClient with caches refilled from the fake's store.

#include "controllers/daemonset/daemon_set_controller.h"
#include "../client/fake_api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/history/controller_history.h"
#include "controllers/object_cache.h"
#include "controllers/pod_control.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace cube::controllers::daemonset {
namespace {

namespace bj = boost::json;
using client::testing::FakeApiClient;

const client::Resource kPodsR{"", "v1", "pods", true};
const client::Resource kNodesR{"", "v1", "nodes", false};

class DaemonSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recorder = std::make_shared<client::RecordingEventRecorder>();
    controller_ = std::make_unique<DaemonSetController>(
        DaemonSetController::Deps{api_, daemonSets_, pods_, nodes_, revisions_,
                                  std::make_shared<ApiPodControl>(api_, recorder), clock_});
  }

  void addNode(const std::string& name, bj::object labels = {}, bj::array taints = {}) {
    bj::object node{{"apiVersion", "v1"},
                    {"kind", "Node"},
                    {"metadata", bj::object{{"name", name}, {"labels", labels}}},
                    {"spec", bj::object{{"taints", taints}}}};
    api_->create(kNodesR, "", node);
    sync();
  }

  void addDaemonSet(bj::object nodeSelector = {}) {
    bj::object labels{{"app", "agent"}};
    bj::object podSpec{{"containers", bj::array{bj::object{{"name", "c"}, {"image", "x"}}}}};
    if (!nodeSelector.empty()) podSpec["nodeSelector"] = nodeSelector;
    bj::object ds{
        {"apiVersion", "apps/v1"},
        {"kind", "DaemonSet"},
        {"metadata", bj::object{{"name", "agent"}, {"namespace", "default"}, {"generation", 1}}},
        {"spec", bj::object{{"selector", bj::object{{"matchLabels", labels}}},
                            {"template", bj::object{{"metadata", bj::object{{"labels", labels}}},
                                                    {"spec", podSpec}}}}}};
    api_->create(kDaemonSets, "default", ds);
    sync();
  }

  // What the informers would show now; new pods are reported to the handler.
  void sync() {
    std::map<std::string, ObjectPtr> known;
    for (const auto& p : pods_->list()) known[nameOf(*p)] = p;
    pods_->clear();
    for (auto& pod : itemsOf(api_->list(kPodsR, "default"))) {
      pods_->put(pod);
      if (!known.erase(nameOf(pod))) controller_->onPodAdd(pods_->get("default/" + nameOf(pod)));
    }
    for (const auto& [name, gone] : known) controller_->onPodDelete(gone);
    nodes_->clear();
    for (auto& n : itemsOf(api_->list(kNodesR, ""))) nodes_->put(n);
    daemonSets_->clear();
    for (auto& d : itemsOf(api_->list(kDaemonSets, "default"))) daemonSets_->put(d);
    revisions_->clear();
    for (auto& r : itemsOf(api_->list(history::kControllerRevisions, "default")))
      revisions_->put(r);
  }

  std::multiset<std::string> podNodes() {
    std::multiset<std::string> out;
    for (auto& pod : itemsOf(api_->list(kPodsR, "default"))) out.insert(targetNodeOf(pod));
    return out;
  }

  void reconcile() {
    controller_->reconcile("default/agent");
    sync();
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  MemoryCachePtr daemonSets_ = std::make_shared<MemoryCache>();
  MemoryCachePtr pods_ = std::make_shared<MemoryCache>();
  MemoryCachePtr nodes_ = std::make_shared<MemoryCache>();
  MemoryCachePtr revisions_ = std::make_shared<MemoryCache>();
  std::shared_ptr<client::FakeClock> clock_ = std::make_shared<client::FakeClock>();
  std::unique_ptr<DaemonSetController> controller_;
};

TEST_F(DaemonSetControllerTest, OnePodPerNodePinnedByAffinity) {
  addNode("n1");
  addNode("n2");
  addNode("n3");
  addDaemonSet();
  reconcile();
  EXPECT_EQ(podNodes(), (std::multiset<std::string>{"n1", "n2", "n3"}));
  auto pod = itemsOf(api_->list(kPodsR, "default")).front();
  // No nodeName: the scheduler binds it, following the matchFields term.
  EXPECT_EQ(json::getString(*json::getObject(pod, "spec"), "nodeName"), "");
  const auto* labels = labelsOf(pod);
  EXPECT_FALSE(json::getString(*labels, "controller-revision-hash").empty());
  bool toleratesNotReady = false;
  for (const auto& t : *json::getArray(*json::getObject(pod, "spec"), "tolerations")) {
    if (json::getString(t.as_object(), "key") == "node.kubernetes.io/not-ready" &&
        !t.as_object().contains("tolerationSeconds"))
      toleratesNotReady = true;
  }
  EXPECT_TRUE(toleratesNotReady);
  EXPECT_EQ(itemsOf(api_->list(history::kControllerRevisions, "default")).size(), 1u);

  // Level-triggered: nothing more to do.
  reconcile();
  EXPECT_EQ(podNodes().size(), 3u);
  auto ds = *api_->stored(kDaemonSets, "default", "agent");
  EXPECT_EQ(json::getInt(*json::getObject(ds, "status"), "desiredNumberScheduled"), 3);
  EXPECT_EQ(json::getInt(*json::getObject(ds, "status"), "currentNumberScheduled"), 3);
}

TEST_F(DaemonSetControllerTest, NewNodeGetsAPodAndRemovedNodeLosesIt) {
  addNode("n1");
  addDaemonSet();
  reconcile();
  addNode("n2");
  reconcile();
  EXPECT_EQ(podNodes(), (std::multiset<std::string>{"n1", "n2"}));
  api_->remove(kNodesR, "", "n1");
  sync();
  reconcile();
  EXPECT_EQ(podNodes(), (std::multiset<std::string>{"n2"}));
}

TEST_F(DaemonSetControllerTest, NodeSelectorLimitsNodes) {
  addNode("ssd1", bj::object{{"disk", "ssd"}});
  addNode("hdd1", bj::object{{"disk", "hdd"}});
  addDaemonSet(bj::object{{"disk", "ssd"}});
  reconcile();
  EXPECT_EQ(podNodes(), (std::multiset<std::string>{"ssd1"}));
}

TEST_F(DaemonSetControllerTest, TaintedNodeSkippedButCordonedNodeKept) {
  addNode("plain");
  addNode("tainted", {},
          bj::array{bj::object{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoSchedule"}}});
  addNode(
      "cordoned", {},
      bj::array{bj::object{{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}}});
  addDaemonSet();
  reconcile();
  EXPECT_EQ(podNodes(), (std::multiset<std::string>{"cordoned", "plain"}));
}

TEST_F(DaemonSetControllerTest, RollingUpdateReplacesOnePodAtATime) {
  addNode("n1");
  addNode("n2");
  addDaemonSet();
  reconcile();
  // Make the pods ready so the update has availability to spend.
  auto markReady = [&] {
    for (auto pod : itemsOf(api_->list(kPodsR, "default"))) {
      pod["status"] =
          bj::object{{"phase", "Running"},
                     {"conditions", bj::array{bj::object{{"type", "Ready"}, {"status", "True"}}}}};
      api_->update(kPodsR, "default", nameOf(pod), pod);
    }
    sync();
  };
  markReady();
  auto ds = *api_->stored(kDaemonSets, "default", "agent");
  ds["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"] =
      bj::array{bj::object{{"name", "c"}, {"image", "y"}}};
  api_->update(kDaemonSets, "default", "agent", ds);
  sync();
  reconcile();
  EXPECT_EQ(podNodes().size(), 1u);  // one old pod deleted, maxUnavailable 1
  reconcile();
  EXPECT_EQ(podNodes().size(), 2u);  // its replacement
  EXPECT_EQ(itemsOf(api_->list(history::kControllerRevisions, "default")).size(), 2u);
}

}  // namespace
}  // namespace cube::controllers::daemonset
