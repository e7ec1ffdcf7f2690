// FakeRuntime: start delay, the exit convention (annotations, env vars), graceful and forced
// stops, sandbox kill, and the events that tell the agent when a state changes by itself.

#include "runtime/fake/fake_runtime.h"
#include "manual_executor.h"

#include <gtest/gtest.h>

namespace cube::runtime {
namespace {

using agent::ManualExecutor;
using namespace std::chrono_literals;

class FakeRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    executor_ = std::make_shared<ManualExecutor>();
    auto timer = [e = executor_](TimePoint when, std::function<void()> fn) {
      e->postAt(when, std::move(fn));
    };
    runtime_ = std::make_shared<FakeRuntime>(executor_, timer, FakeRuntimeOptions{500ms});
    runtime_->setEventHandler([this](const RuntimeEvent& e) { events_.push_back(e); });
  }

  std::string sandbox(std::map<std::string, std::string> annotations = {}) {
    SandboxConfig config;
    config.podUid = "uid-1";
    config.podName = "p";
    config.podNamespace = "default";
    config.ip = "10.42.0.2";
    config.annotations = std::move(annotations);
    return runtime_->runSandbox(config);
  }

  std::string start(const std::string& sb,
                    std::vector<std::pair<std::string, std::string>> env = {}) {
    ContainerConfig c;
    c.name = "app";
    c.image = "nginx";
    c.env = std::move(env);
    std::string id = runtime_->createContainer(sb, c);
    runtime_->startContainer(id);
    return id;
  }

  ContainerStatus status(const std::string& sb) {
    auto all = runtime_->listContainers(sb);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? ContainerStatus{} : all[0];
  }

  std::shared_ptr<ManualExecutor> executor_;
  std::shared_ptr<FakeRuntime> runtime_;
  std::vector<RuntimeEvent> events_;
};

TEST_F(FakeRuntimeTest, RunsAfterTheStartDelayAndUntilStopped) {
  auto sb = sandbox();
  ContainerConfig c;
  c.name = "app";
  c.image = "nginx";
  std::string id = runtime_->createContainer(sb, c);
  EXPECT_EQ(status(sb).state, ContainerState::Created);
  EXPECT_EQ(id.rfind("fake://", 0), 0u);
  runtime_->startContainer(id);
  executor_->advance(499ms);
  EXPECT_EQ(status(sb).state, ContainerState::Created);
  EXPECT_TRUE(events_.empty());
  executor_->advance(1ms);
  auto s = status(sb);
  EXPECT_EQ(s.state, ContainerState::Running);
  ASSERT_TRUE(s.startedAt);
  EXPECT_EQ(s.image, "nginx");
  EXPECT_NE(s.imageId.find("nginx@sha256:"), std::string::npos);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].podUid, "uid-1");
  EXPECT_EQ(events_[0].sandboxId, sb);
  executor_->advance(std::chrono::hours(24));
  EXPECT_EQ(status(sb).state, ContainerState::Running);
}

TEST_F(FakeRuntimeTest, PodAnnotationsMakeItExit) {
  auto sb = sandbox({{kFakeExitCodeAnnotation, "3"}, {kFakeRunSecondsAnnotation, "2"}});
  start(sb);
  executor_->advance(2400ms);
  EXPECT_EQ(status(sb).state, ContainerState::Running);
  executor_->advance(100ms);
  auto s = status(sb);
  EXPECT_EQ(s.state, ContainerState::Exited);
  EXPECT_EQ(s.exitCode, 3);
  EXPECT_EQ(s.reason, "Error");
  EXPECT_EQ(*s.finishedAt - *s.startedAt, 2s);
  EXPECT_EQ(events_.size(), 2u);  // running, exited
}

TEST_F(FakeRuntimeTest, EnvVarsWinOverAnnotations) {
  auto sb = sandbox({{kFakeExitCodeAnnotation, "3"}});
  start(sb, {{kFakeExitCodeEnv, "0"}, {kFakeRunSecondsEnv, "1.5"}});
  executor_->advance(2s);
  auto s = status(sb);
  EXPECT_EQ(s.state, ContainerState::Exited);
  EXPECT_EQ(s.exitCode, 0);
  EXPECT_EQ(s.reason, "Completed");
}

TEST_F(FakeRuntimeTest, ExitCodeAloneExitsOnceRunningAndRunTimeAloneMeansZero) {
  auto sb = sandbox({{kFakeExitCodeAnnotation, "1"}});
  start(sb);
  executor_->advance(500ms);
  EXPECT_EQ(status(sb).state, ContainerState::Exited);
  EXPECT_EQ(status(sb).exitCode, 1);

  auto sb2 = sandbox({{kFakeRunSecondsAnnotation, "1"}});
  start(sb2);
  executor_->advance(1500ms);
  EXPECT_EQ(status(sb2).state, ContainerState::Exited);
  EXPECT_EQ(status(sb2).exitCode, 0);
}

TEST_F(FakeRuntimeTest, MalformedSettingsAreIgnored) {
  auto sb = sandbox({{kFakeExitCodeAnnotation, "banana"}, {kFakeRunSecondsAnnotation, "-1"}});
  start(sb);
  executor_->advance(1h);
  EXPECT_EQ(status(sb).state, ContainerState::Running);
}

TEST_F(FakeRuntimeTest, GracefulStopExitsZero) {
  auto sb = sandbox({{kFakeStopSecondsAnnotation, "2"}});
  auto id = start(sb);
  executor_->advance(1s);
  runtime_->stopContainer(id, 30s);
  executor_->advance(1999ms);
  EXPECT_EQ(status(sb).state, ContainerState::Running);
  executor_->advance(1ms);
  EXPECT_EQ(status(sb).state, ContainerState::Exited);
  EXPECT_EQ(status(sb).exitCode, 0);
}

TEST_F(FakeRuntimeTest, StopSlowerThanTheGraceIsKilledAtTheEndOfIt) {
  auto sb = sandbox({{kFakeStopSecondsAnnotation, "60"}});
  auto id = start(sb);
  executor_->advance(1s);
  runtime_->stopContainer(id, 5s);
  executor_->advance(4s);
  EXPECT_EQ(status(sb).state, ContainerState::Running);
  // A second, shorter stop (delete --grace-period=0) brings the end closer.
  runtime_->stopContainer(id, 0s);
  executor_->runUntilIdle();
  auto s = status(sb);
  EXPECT_EQ(s.state, ContainerState::Exited);
  EXPECT_EQ(s.exitCode, 137);
  EXPECT_EQ(s.reason, "Error");
}

TEST_F(FakeRuntimeTest, StopSandboxKillsAndRemoveForgets) {
  auto sb = sandbox();
  start(sb);
  executor_->advance(1s);
  runtime_->stopSandbox(sb);
  executor_->runUntilIdle();
  EXPECT_EQ(status(sb).state, ContainerState::Exited);
  EXPECT_EQ(status(sb).exitCode, 137);
  EXPECT_THROW(runtime_->createContainer(sb, ContainerConfig{}), RuntimeError);
  runtime_->removeSandbox(sb);
  EXPECT_TRUE(runtime_->listContainers(sb).empty());
  EXPECT_TRUE(runtime_->listSandboxes().empty());
  EXPECT_EQ(runtime_->containerCount(), 0u);
}

TEST_F(FakeRuntimeTest, AttemptsAreKeptPerInstance) {
  auto sb = sandbox();
  ContainerConfig c;
  c.name = "app";
  c.attempt = 2;
  auto id = runtime_->createContainer(sb, c);
  EXPECT_EQ(status(sb).attempt, 2u);
  runtime_->removeContainer(id);
  EXPECT_TRUE(runtime_->listContainers(sb).empty());
}

}  // namespace
}  // namespace cube::runtime
