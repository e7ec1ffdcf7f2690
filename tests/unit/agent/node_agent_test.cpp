// NodeAgent with the fake runtime and a manual executor: a pod that disappears from the API while
// its container is still stopping is torn down all the same (the worker is kept until then), and
// housekeeping removes the sandboxes of pods the node no longer has.

#include "agent/node_agent.h"
#include "pod_worker_fixture.h"

#include <filesystem>
#include <fstream>

namespace cube::agent {
namespace {

using namespace cube::agent::testing;

TEST_F(PodWorkerTest, NodeAgentFinishesTheTeardownOfAPodGoneMidStop) {
  auto config = std::make_shared<NodeConfig>(*deps_.config);
  auto agent = std::make_shared<NodeAgent>(*config, executor_, client_, runtime_);
  agent->start();
  // Ends 3 s after SIGTERM; the deletion allows 10 s.
  auto p = pod("Always", {{runtime::kFakeStopSecondsAnnotation, "3"}});
  agent->podChanged(p);
  executor_->advance(1s);
  auto sandboxes = runtime_->listSandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  auto containers = runtime_->listContainers(sandboxes[0].id);
  ASSERT_EQ(containers.size(), 1u);
  ASSERT_EQ(containers[0].state, runtime::ContainerState::Running);
  auto deleting = *p;
  deleting["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  deleting["metadata"].as_object()["deletionGracePeriodSeconds"] = 10;
  agent->podChanged(std::make_shared<const bj::object>(deleting));
  executor_->advance(1s);
  // The server drops the pod (its own grace ended) before the container has stopped.
  agent->podDeleted(p);
  executor_->advance(5s);
  EXPECT_TRUE(runtime_->listSandboxes().empty());
  EXPECT_EQ(runtime_->containerCount(), 0u);
  agent->stop();
}

// Pods deleted while the agent was down leave sandboxes nobody asks about: housekeeping removes
// them, and only them.
TEST_F(PodWorkerTest, NodeAgentRemovesTheSandboxesOfPodsItNoLongerHas) {
  auto config = std::make_shared<NodeConfig>(*deps_.config);
  auto agent = std::make_shared<NodeAgent>(*config, executor_, client_, runtime_);
  agent->start();
  auto p = pod("Always");
  agent->podChanged(p);
  executor_->advance(1s);
  ASSERT_EQ(runtime_->listSandboxes().size(), 1u);
  runtime::SandboxConfig orphan;
  orphan.podUid = "uid-of-a-pod-deleted-while-down";
  orphan.podNamespace = "default";
  orphan.podName = "gone";
  orphan.ip = "10.42.0.99";
  runtime_->runSandbox(orphan);
  ASSERT_EQ(runtime_->listSandboxes().size(), 2u);

  EXPECT_EQ(agent->removeOrphanSandboxes(), 1u);
  auto left = runtime_->listSandboxes();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].podUid, orphan.podUid);
  EXPECT_EQ(agent->removeOrphanSandboxes(), 0u);
  agent->stop();
}

// ...and the volume directories such pods left under the node's pods dir.
TEST_F(PodWorkerTest, NodeAgentRemovesTheVolumesOfPodsItNoLongerHas) {
  namespace fs = std::filesystem;
  fs::path podsDir = fs::temp_directory_path() / ("cube-orphans-" + std::to_string(::getpid()));
  auto config = std::make_shared<NodeConfig>(*deps_.config);
  config->podsDir = podsDir.string();
  auto agent = std::make_shared<NodeAgent>(*config, executor_, client_, runtime_);
  agent->start();
  auto p = pod("Always");
  agent->podChanged(p);
  executor_->advance(1s);
  const std::string liveUid = json::getString(*json::getObject(*p, "metadata"), "uid");
  fs::create_directories(podsDir / liveUid / "volumes/kubernetes.io~empty-dir/data");
  fs::create_directories(podsDir / "gone-uid/volumes/kubernetes.io~empty-dir/data");
  std::ofstream(podsDir / "gone-uid/volumes/kubernetes.io~empty-dir/data/file") << "x";

  agent->removeOrphanSandboxes();
  EXPECT_FALSE(fs::exists(podsDir / "gone-uid"));
  EXPECT_TRUE(fs::exists(podsDir / liveUid / "volumes/kubernetes.io~empty-dir/data"));
  agent->stop();
  fs::remove_all(podsDir);
}

}  // namespace
}  // namespace cube::agent
