// The agent against a real in-process API server (memory store): registration, lease, a bound
// pod running and Ready, deletion confirmed, a Never pod succeeding, several nodes in one host.
// Waiting here is for a real server and real threads; deadlines are generous guards, never
// assertions on speed.

#include "../client/api_server_fixture.h"
#include "../client/intercepting_api_client.h"
#include "../client/items_of.h"
#include "agent/agent_host.h"
#include "common/json_util.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace cube::agent {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

const client::Resource kNodes{"", "v1", "nodes", false};
const client::Resource kPods{"", "v1", "pods", true};

class AgentIntegrationTest : public client::ApiServerFixture {
 protected:
  void TearDown() override {
    if (host_) host_->stop();
    host_.reset();
    ApiServerFixture::TearDown();
  }

  void startHost(std::vector<std::string> names, client::ApiClientPtr api = nullptr) {
    AgentHostOptions options;
    options.fake.startDelay = 100ms;
    options.threads = 2;
    int i = 0;
    for (auto& n : names) {
      NodeConfig c;
      c.nodeName = n;
      c.internalIP = "127.1.0." + std::to_string(++i);
      c.fallbackPodCIDR = "10.42." + std::to_string(i) + ".0/24";
      c.leaseRenewInterval = 200ms;
      options.nodes.push_back(c);
    }
    host_ = std::make_unique<AgentHost>(options, api ? api : client_);
    host_->start();
  }

  void createBoundPod(const std::string& name, const std::string& node, bj::object annotations = {},
                      const std::string& policy = "Always") {
    bj::object pod{
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", bj::object{{"name", name}, {"annotations", annotations}}},
        {"spec",
         bj::object{{"restartPolicy", policy},
                    {"containers", bj::array{bj::object{{"name", "app"}, {"image", "nginx"}}}}}}};
    client_->create(kPods, "default", pod);
    bj::object binding{
        {"apiVersion", "v1"},
        {"kind", "Binding"},
        {"metadata", bj::object{{"name", name}}},
        {"target", bj::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
    client_->create(kPods, "default", binding, "binding", name);
  }

  static std::string conditionStatus(const bj::object& obj, const std::string& type) {
    const auto* status = json::getObject(obj, "status");
    const auto* conditions = status ? json::getArray(*status, "conditions") : nullptr;
    if (!conditions) return "";
    for (const auto& c : *conditions) {
      if (json::getString(c.as_object(), "type") == type) {
        return json::getString(c.as_object(), "status");
      }
    }
    return "";
  }

  static std::string phaseOf(const bj::object& pod) {
    const auto* status = json::getObject(pod, "status");
    return status ? json::getString(*status, "phase") : "";
  }

  std::unique_ptr<AgentHost> host_;
};

TEST_F(AgentIntegrationTest, RegistersANodeWithItsLease) {
  startHost({"node-a"});
  EXPECT_EQ(host_->podFieldSelector(), "spec.nodeName=node-a");
  ASSERT_TRUE(eventually(
      [&] { return conditionStatus(client_->get(kNodes, "", "node-a"), "Ready") == "True"; }));
  auto node = client_->get(kNodes, "", "node-a");
  const auto& status = node.at("status").as_object();
  EXPECT_EQ(status.at("capacity").as_object().at("cpu"), "4");
  EXPECT_EQ(status.at("allocatable").as_object().at("memory"), "8Gi");
  EXPECT_EQ(status.at("capacity").as_object().at("pods"), "110");
  const auto& info = status.at("nodeInfo").as_object();
  EXPECT_EQ(info.at("kubeletVersion"), "v1.32.0-cube");
  EXPECT_EQ(info.at("containerRuntimeVersion"), "fake://0.1.0");
  EXPECT_EQ(info.at("operatingSystem"), "linux");
  EXPECT_EQ(info.at("architecture"), "amd64");
  EXPECT_EQ(status.at("addresses").as_array().at(0).as_object().at("address"), "127.1.0.1");
  EXPECT_EQ(node.at("metadata").as_object().at("labels").as_object().at("kubernetes.io/hostname"),
            "node-a");
  host_->events()->flush();
  auto events = itemsOf(client_->list({"", "v1", "events", true}, "default"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(json::getString(events[0], "reason"), "Starting");
  EXPECT_EQ(json::getString(events[0], "message"), "Starting kubelet.");
  EXPECT_EQ(json::getString(*json::getObject(events[0], "involvedObject"), "kind"), "Node");

  client::Resource leases{"coordination.k8s.io", "v1", "leases", true};
  ASSERT_TRUE(
      eventually([&] { return !client_->get(leases, "kube-node-lease", "node-a").empty(); }));
  auto lease = client_->get(leases, "kube-node-lease", "node-a");
  const auto& spec = lease.at("spec").as_object();
  EXPECT_EQ(spec.at("holderIdentity"), "node-a");
  EXPECT_EQ(spec.at("leaseDurationSeconds"), 40);
  std::string firstRenew = json::getString(spec, "renewTime");
  // Renewed every 200 ms here.
  EXPECT_TRUE(eventually([&] {
    auto l = client_->get(leases, "kube-node-lease", "node-a");
    return json::getString(l.at("spec").as_object(), "renewTime") != firstRenew;
  }));
}

// The node IPAM controller assigns spec.podCIDR after the Node registers; the node learns it
// from its watch of its own Node at once, not at its next status report (an hour away here).
TEST_F(AgentIntegrationTest, LearnsAPodCidrAssignedAfterRegistrationFromItsNodeWatch) {
  AgentHostOptions options;
  options.threads = 2;
  NodeConfig config;
  config.nodeName = "node-a";
  config.internalIP = "127.1.0.1";
  config.statusInterval = std::chrono::hours(1);
  options.nodes.push_back(config);
  host_ = std::make_unique<AgentHost>(options, client_);
  std::mutex mutex;
  std::condition_variable changed;
  std::string seen;
  host_->node("node-a")->setPodCidrHandler([&](const std::string& cidr) {
    std::lock_guard lock(mutex);
    seen = cidr;
    changed.notify_all();
  });
  host_->start();
  ASSERT_TRUE(eventually([&] { return host_->node("node-a")->registered(); }));
  // Past the early status report that follows registration: only the watch can tell now.
  std::this_thread::sleep_for(1500ms);
  client_->patch(kNodes, "", "node-a", client::PatchKind::Merge,
                 R"({"spec":{"podCIDR":"10.42.7.0/24"}})");
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(changed.wait_for(lock, 30s, [&] { return seen == "10.42.7.0/24"; })) << seen;
  }
  host_->stop();
  host_.reset();
}

TEST_F(AgentIntegrationTest, BoundPodRunsAndIsDeleted) {
  startHost({"node-a"});
  ASSERT_TRUE(eventually([&] { return host_->node("node-a")->registered(); }));
  createBoundPod("web", "node-a");
  ASSERT_TRUE(eventually([&] {
    auto pod = client_->get(kPods, "default", "web");
    return phaseOf(pod) == "Running" && conditionStatus(pod, "Ready") == "True";
  }));
  auto pod = client_->get(kPods, "default", "web");
  const auto& status = pod.at("status").as_object();
  EXPECT_EQ(status.at("hostIP"), "127.1.0.1");
  EXPECT_EQ(json::getString(status, "podIP").rfind("10.42.1.", 0), 0u);
  EXPECT_EQ(status.at("qosClass"), "BestEffort");
  const auto& c = status.at("containerStatuses").as_array().at(0).as_object();
  EXPECT_EQ(c.at("ready"), true);
  EXPECT_EQ(json::getString(c, "containerID").rfind("fake://", 0), 0u);

  // A graceful delete (30 s grace by default): the agent stops the container and confirms.
  client_->remove(kPods, "default", "web");
  EXPECT_TRUE(eventually([&] {
    try {
      client_->get(kPods, "default", "web");
      return false;
    } catch (const ApiError& e) {
      return e.code() == 404;
    }
  }));
  EXPECT_TRUE(eventually([&] { return host_->node("node-a")->workerCount() == 0; }));
  EXPECT_TRUE(host_->node("node-a")->runtime()->listSandboxes().empty());

  // The kubelet's events on the pod, from node-a, outlive it.
  host_->events()->flush();
  std::vector<std::string> reasons;
  for (const auto& ev : itemsOf(client_->list({"", "v1", "events", true}, "default"))) {
    if (json::getString(*json::getObject(ev, "involvedObject"), "name") != "web") continue;
    reasons.push_back(json::getString(ev, "reason"));
    const auto& source = *json::getObject(ev, "source");
    EXPECT_EQ(json::getString(source, "component"), "kubelet");
    EXPECT_EQ(json::getString(source, "host"), "node-a");
  }
  EXPECT_EQ(reasons, (std::vector<std::string>{"Pulled", "Created", "Started", "Killing"}));
}

TEST_F(AgentIntegrationTest, NeverPodWithExitZeroSucceeds) {
  startHost({"node-a"});
  createBoundPod("job", "node-a", bj::object{{"cube.dev/fake-exit-code", "0"}}, "Never");
  ASSERT_TRUE(
      eventually([&] { return phaseOf(client_->get(kPods, "default", "job")) == "Succeeded"; }));
  auto pod = client_->get(kPods, "default", "job");
  const auto& c = pod.at("status").as_object().at("containerStatuses").as_array().at(0).as_object();
  EXPECT_EQ(c.at("state").as_object().at("terminated").as_object().at("reason"), "Completed");
  EXPECT_EQ(conditionStatus(pod, "Ready"), "False");
}

TEST_F(AgentIntegrationTest, SeveralNodesShareOneWatch) {
  startHost({"hollow-0", "hollow-1", "hollow-2"});
  EXPECT_EQ(host_->podFieldSelector(), "spec.nodeName!=");
  ASSERT_TRUE(eventually([&] { return itemsOf(client_->list(kNodes, "")).size() == 3; }));
  createBoundPod("a", "hollow-1");
  createBoundPod("b", "hollow-2");
  ASSERT_TRUE(eventually([&] {
    return phaseOf(client_->get(kPods, "default", "a")) == "Running" &&
           phaseOf(client_->get(kPods, "default", "b")) == "Running";
  }));
  EXPECT_EQ(client_->get(kPods, "default", "b").at("status").as_object().at("hostIP"), "127.1.0.3");
  EXPECT_EQ(host_->node("hollow-0")->workerCount(), 0u);
  EXPECT_EQ(host_->node("hollow-1")->workerCount(), 1u);
}

// Pod work blocks on slow API writes under load; the node's Lease must not wait behind it, or
// a busy node looks dead and its pods get evicted.
TEST_F(AgentIntegrationTest, LeaseRenewalsDoNotWaitBehindBlockedPodWork) {
  std::mutex gateMutex;
  std::condition_variable gateChanged;
  bool open = false;
  std::atomic<int> held{0};
  auto slowPodWrites = std::make_shared<client::testing::InterceptingApiClient>(
      client_, [&](const client::testing::FakeAction& a) {
        if (a.resource != "pods" || a.subresource != "status") return;
        ++held;
        std::unique_lock lock(gateMutex);
        gateChanged.wait(lock, [&] { return open; });
      });
  startHost({"node-a"}, slowPodWrites);  // 2 pod threads
  ASSERT_TRUE(eventually([&] { return host_->node("node-a")->registered(); }));
  for (const char* name : {"p1", "p2", "p3", "p4"}) createBoundPod(name, "node-a");
  ASSERT_TRUE(eventually([&] { return held >= 2; }));  // every pod thread is stuck

  client::Resource leases{"coordination.k8s.io", "v1", "leases", true};
  auto renewTime = [&] {
    auto l = client_->get(leases, "kube-node-lease", "node-a");
    return json::getString(l.at("spec").as_object(), "renewTime");
  };
  std::string before = renewTime();
  // Renewed every 200 ms: several renewals while the pod threads stay blocked.
  EXPECT_TRUE(eventually([&] { return renewTime() != before; }));
  {
    std::lock_guard lock(gateMutex);
    open = true;
  }
  gateChanged.notify_all();
  EXPECT_TRUE(
      eventually([&] { return phaseOf(client_->get(kPods, "default", "p4")) == "Running"; }));
}

}  // namespace
}  // namespace cube::agent
