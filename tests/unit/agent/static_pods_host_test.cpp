// Static pods in an AgentHost against a real in-process API server: the mirror pod shows the
// static pod Running; a graceful delete of the mirror (as kubectl's) is confirmed by the node at
// once, whatever its grace, and a new mirror shows the same container, not restarted.
// Waiting here is for a real server and real threads; deadlines are generous guards.

#include "../client/api_server_fixture.h"
#include "agent/agent_host.h"
#include "common/json_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace cube::agent {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const client::Resource kPods{"", "v1", "pods", true};

class StaticPodHostTest : public client::ApiServerFixture {
 protected:
  void SetUp() override {
    ApiServerFixture::SetUp();
    dir_ = fs::temp_directory_path() / ("cube-static-host-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "web.yaml") << R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx
)";
    AgentHostOptions options;
    options.fake.startDelay = 100ms;
    options.threads = 2;
    options.podManifestPath = dir_.string();
    NodeConfig c;
    c.nodeName = "node-a";
    c.internalIP = "127.1.0.1";
    c.fallbackPodCIDR = "10.42.1.0/24";
    c.leaseRenewInterval = 200ms;
    options.nodes.push_back(c);
    host_ = std::make_unique<AgentHost>(options, client_);
    host_->start();
  }
  void TearDown() override {
    host_->stop();
    host_.reset();
    fs::remove_all(dir_);
    ApiServerFixture::TearDown();
  }

  // "<mirror uid> <phase> <containerID> <restartCount>" of the mirror pod.
  std::string mirrorState() {
    auto pod = client_->get(kPods, "default", "web-node-a");
    const auto* status = json::getObject(pod, "status");
    const auto* statuses = status ? json::getArray(*status, "containerStatuses") : nullptr;
    std::string out = json::getString(*json::getObject(pod, "metadata"), "uid") + " " +
                      (status ? json::getString(*status, "phase") : "");
    if (statuses && !statuses->empty()) {
      const auto& c = statuses->at(0).as_object();
      out += " " + json::getString(c, "containerID") + " " +
             std::to_string(json::getInt(c, "restartCount", -1));
    }
    return out;
  }

  fs::path dir_;
  std::unique_ptr<AgentHost> host_;
};

TEST_F(StaticPodHostTest, AMirrorDeletedThroughTheApiComesBackWithTheSameContainer) {
  std::string first;
  ASSERT_TRUE(eventually([&] {
    first = mirrorState();
    return first.find(" Running fake://") != std::string::npos;
  })) << first;
  const std::string uid = first.substr(0, first.find(' '));
  const std::string container = first.substr(first.find(" fake://") + 1);
  EXPECT_EQ(host_->node("node-a")->workerCount(), 1u);  // the static pod's, none for the mirror

  // A grace period longer than the guard below: only a confirmation at once passes.
  client::DeleteOptions options;
  options.gracePeriodSeconds = 600;
  client_->remove(kPods, "default", "web-node-a", options);
  std::string now;
  EXPECT_TRUE(eventually([&] {
    now = mirrorState();
    return now.rfind(uid, 0) != 0 && now.find(" Running ") != std::string::npos;
  })) << now;
  EXPECT_EQ(now.substr(now.find(" fake://") + 1), container);  // same id, restartCount 0
  EXPECT_EQ(container.substr(container.size() - 2), " 0");
  EXPECT_EQ(host_->node("node-a")->workerCount(), 1u);
}

}  // namespace
}  // namespace cube::agent
