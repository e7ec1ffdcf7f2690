// The Scheduler against a real in-process API server (memory store): nodes and pods created
// through the API, bindings spread over the nodes, Scheduled events, and an unschedulable pod
// with its PodScheduled=False condition and FailedScheduling event.

#include "../client/api_server_fixture.h"
#include "../client/items_of.h"
#include "common/json_util.h"
#include "scheduler/scheduler.h"
#include "test_objects.h"

#include <map>
#include <thread>

namespace cube::scheduler {
namespace {

namespace bj = boost::json;
using cube::client::ApiServerFixture;
using cube::client::Resource;
using namespace std::chrono_literals;

const Resource kNodes{"", "v1", "nodes", false};
const Resource kEvents{"", "v1", "events", true};

class SchedulerIntegrationTest : public ApiServerFixture {
 protected:
  void createNodes(int n, const std::string& cpu = "4") {
    for (int i = 0; i < n; ++i) {
      client_->create(kNodes, "", testing::makeNode("node-" + std::to_string(i), cpu, "8Gi"));
    }
  }
  void createPod(bj::object pod) {
    pod["metadata"].as_object().erase("uid");
    client_->create(pods(), "default", pod);
  }
  std::map<std::string, int> podsPerNode() {
    std::map<std::string, int> out;
    for (const auto& pod : itemsOf(client_->list(pods(), "default"))) {
      std::string node = json::getString(*json::getObject(pod, "spec"), "nodeName");
      if (!node.empty()) ++out[node];
    }
    return out;
  }
  std::vector<bj::object> eventsFor(const std::string& pod, const std::string& reason) {
    std::vector<bj::object> out;
    for (auto& e : itemsOf(client_->list(kEvents, "default"))) {
      const auto* involved = json::getObject(e, "involvedObject");
      if (involved && json::getString(*involved, "name") == pod &&
          json::getString(e, "reason") == reason) {
        out.push_back(e);
      }
    }
    return out;
  }
  SchedulerOptions options() {
    SchedulerOptions o;
    o.algorithm.seed = 11;
    o.bindThreads = 4;
    return o;
  }
};

TEST_F(SchedulerIntegrationTest, BindsReplicasSpreadAcrossNodes) {
  createNodes(3);
  Scheduler scheduler(client_, options());
  scheduler.start();
  ASSERT_TRUE(scheduler.waitForSync(10s));
  for (int i = 0; i < 6; ++i) {
    bj::object pod = testing::makePod("web-" + std::to_string(i), "100m", "64Mi");
    testing::setOwner(pod, "rs-web");
    createPod(pod);
  }
  ASSERT_TRUE(eventually([&] {
    int bound = 0;
    for (auto& [node, n] : podsPerNode()) bound += n;
    return bound == 6;
  }));
  EXPECT_EQ(podsPerNode(),
            (std::map<std::string, int>{{"node-0", 2}, {"node-1", 2}, {"node-2", 2}}));
  bj::object web0 = client_->get(pods(), "default", "web-0");
  const auto* conditions = json::getArray(*json::getObject(web0, "status"), "conditions");
  ASSERT_TRUE(conditions);
  EXPECT_EQ(json::getString((*conditions)[0].as_object(), "status"), "True");

  ASSERT_TRUE(eventually([&] { return !eventsFor("web-0", "Scheduled").empty(); }));
  bj::object event = eventsFor("web-0", "Scheduled")[0];
  std::string node = json::getString(*json::getObject(web0, "spec"), "nodeName");
  EXPECT_EQ(json::getString(event, "message"), "Successfully assigned default/web-0 to " + node);
  EXPECT_EQ(json::getString(event, "type"), "Normal");
  EXPECT_EQ(json::getString(*json::getObject(event, "source"), "component"), "default-scheduler");
  EXPECT_EQ(json::getString(event, "reportingComponent"), "default-scheduler");
  EXPECT_EQ(json::getInt(event, "count"), 1);
  EXPECT_EQ(scheduler.stats().bound, 6u);
  scheduler.stop();
}

TEST_F(SchedulerIntegrationTest, UnschedulablePodGetsConditionAndEventThenFitsWhenANodeArrives) {
  createNodes(2, "1");
  Scheduler scheduler(client_, options());
  scheduler.start();
  ASSERT_TRUE(scheduler.waitForSync(10s));
  createPod(testing::makePod("big", "2", ""));
  const std::string message =
      "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 "
      "Preemption is not helpful for scheduling..";
  ASSERT_TRUE(eventually([&] {
    bj::object pod = client_->get(pods(), "default", "big");
    const auto* status = json::getObject(pod, "status");
    const auto* conditions = status ? json::getArray(*status, "conditions") : nullptr;
    if (!conditions) return false;
    for (const auto& c : *conditions) {
      const auto& o = c.as_object();
      if (json::getString(o, "type") == "PodScheduled" && json::getString(o, "status") == "False" &&
          json::getString(o, "reason") == "Unschedulable" &&
          json::getString(o, "message") == message) {
        return true;
      }
    }
    return false;
  }));
  ASSERT_TRUE(eventually([&] { return !eventsFor("big", "FailedScheduling").empty(); }));
  bj::object event = eventsFor("big", "FailedScheduling")[0];
  EXPECT_EQ(json::getString(event, "type"), "Warning");
  EXPECT_EQ(json::getString(event, "message"), message);
  EXPECT_EQ(json::getString(*json::getObject(event, "involvedObject"), "kind"), "Pod");
  EXPECT_EQ(json::getString(*json::getObject(event, "source"), "component"), "default-scheduler");
  EXPECT_TRUE(podsPerNode().empty());

  // A big enough node arrives: the pod is retried (after its backoff) and bound there.
  client_->create(kNodes, "", testing::makeNode("large", "8", "8Gi"));
  ASSERT_TRUE(eventually([&] {
    return podsPerNode() == std::map<std::string, int>{{"large", 1}};
  }));
  scheduler.stop();
}

TEST_F(SchedulerIntegrationTest, IgnoresPodsOfOtherSchedulersAndPodsWithANode) {
  createNodes(1);
  Scheduler scheduler(client_, options());
  scheduler.start();
  ASSERT_TRUE(scheduler.waitForSync(10s));
  bj::object other = testing::makePod("other");
  testing::spec(other)["schedulerName"] = "my-scheduler";
  createPod(other);
  bj::object pinned = testing::makePod("pinned");
  testing::spec(pinned)["nodeName"] = "node-0";
  createPod(pinned);
  createPod(testing::makePod("mine"));
  ASSERT_TRUE(eventually([&] { return scheduler.stats().bound == 1; }));
  bj::object got = client_->get(pods(), "default", "other");
  EXPECT_EQ(json::getString(*json::getObject(got, "spec"), "nodeName"), "");
  EXPECT_EQ(json::getString(*json::getObject(client_->get(pods(), "default", "mine"), "spec"),
                            "nodeName"),
            "node-0");
  // The pinned pod counts on its node.
  ASSERT_TRUE(eventually([&] { return scheduler.cache().nodeInfo("node-0")->podCount == 2; }));
  scheduler.stop();
}

}  // namespace
}  // namespace cube::scheduler
