// CrunRuntime::execSync and terminationMessagePath with real crun: host-network pods (no bridge
// needed) of the busybox test image. Needs root and crun (skipped otherwise).
#include "runtime/crun/crun_runtime.h"
#include "runtime/crun/mount_table.h"

#include "common/json_util.h"
#include "runtime/images/archive_import.h"
#include "test_archives.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace cube::runtime::crun {
namespace {

namespace bj = boost::json;
using images::testing::readWhole;
using images::testing::TempDir;
using namespace std::chrono_literals;

class CrunExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = CrunRunner::unavailableReason()) GTEST_SKIP() << *why;
    const std::string& archives = images::testing::testImagesDir();
    ASSERT_FALSE(archives.empty()) << "tests/images/build.sh failed";
    store_ = std::make_shared<images::ImageStore>(tmp_ / "store");
    images::importArchive(*store_, archives + "/busybox-oci.tar");
    std::mt19937 rng{std::random_device{}()};
    options_.root = tmp_ / "root";
    options_.cgroupRoot = "/cube-exec-test-" + std::to_string(rng() % 1000000);
    runtime_ = std::make_unique<CrunRuntime>(options_, store_, nullptr);
    runtime_->setEventHandler([this](const RuntimeEvent&) { cv_.notify_all(); });

    auto pod = json::parse(R"({"metadata":{"name":"ex","namespace":"team","uid":"uid-ex"},
                               "spec":{"hostNetwork":true}})")
                   .as_object();
    SandboxConfig c;
    c.podUid = "uid-ex";
    c.podNamespace = "team";
    c.podName = "ex";
    c.ip = "127.0.0.1";
    c.pod = std::make_shared<bj::object>(pod);
    sandbox_ = runtime_->runSandbox(c);
  }

  void TearDown() override {
    if (!runtime_) return;
    for (const auto& s : runtime_->listSandboxes()) {
      try {
        runtime_->removeSandbox(s.id);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "removeSandbox: " << e.what();
      }
    }
    runtime_.reset();
    std::vector<std::string> mounts;
    for (const auto& m : readMountTable()) {
      if (m.mountPoint.rfind(tmp_.path(), 0) == 0) mounts.push_back(m.mountPoint);
    }
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    std::system(("find /sys/fs/cgroup -depth -type d -path '*" + options_.cgroupRoot +
                 "*' -exec rmdir {} + 2>/dev/null")
                    .c_str());
  }

  std::string run(const std::string& specJson) {
    auto spec = json::parse(specJson).as_object();
    ContainerConfig c;
    c.name = json::getString(spec, "name");
    c.image = "cube-test/busybox:1";
    c.spec = std::make_shared<bj::object>(std::move(spec));
    std::string id = runtime_->createContainer(sandbox_, c);
    runtime_->startContainer(id);
    return id;
  }

  ContainerStatus waitExited(const std::string& id) {
    std::unique_lock lock(mu_);
    ContainerStatus found;
    bool ok = cv_.wait_for(lock, 30s, [&] {
      for (auto& s : runtime_->listContainers(sandbox_)) {
        if (s.id == id && s.state == ContainerState::Exited) {
          found = s;
          return true;
        }
      }
      return false;
    });
    EXPECT_TRUE(ok) << id << " did not exit";
    return found;
  }

  TempDir tmp_;
  std::shared_ptr<images::ImageStore> store_;
  CrunRuntimeOptions options_;
  std::unique_ptr<CrunRuntime> runtime_;
  std::string sandbox_;
  std::mutex mu_;
  std::condition_variable cv_;
};

constexpr const char* kSleeper =
    R"({"name":"app","command":["sleep","600"],"workingDir":"/tmp",
        "env":[{"name":"GREETING","value":"hello"}]})";

TEST_F(CrunExecTest, ExitCodeAndOutputOfACommandInTheContainer) {
  std::string id = run(kSleeper);
  ExecResult r = runtime_->execSync(id, {"sh", "-c", "echo out; echo err >&2; exit 3"}, 10s);
  EXPECT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_NE(r.output.find("out\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("err\n"), std::string::npos) << r.output;

  // As the container's process: its environment and working dir.
  r = runtime_->execSync(id, {"sh", "-c", "echo $GREETING; pwd"}, 10s);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.output, "hello\n/tmp\n");
  // A command that does not exist.
  r = runtime_->execSync(id, {"no-such-command"}, 10s);
  EXPECT_NE(r.exitCode, 0);
  runtime_->stopContainer(id, 0s);
}

// An exec runs with the container process's whole identity: its supplementary groups too
// (fsGroup, supplementalGroups), which `crun exec --user=uid:gid` dropped.
TEST_F(CrunExecTest, AnExecHasTheContainersSupplementaryGroups) {
  auto pod = json::parse(R"({"metadata":{"name":"grp","namespace":"team","uid":"uid-grp"},
                             "spec":{"hostNetwork":true,
                                     "securityContext":{"fsGroup":2000,
                                                        "supplementalGroups":[4000]}}})")
                 .as_object();
  SandboxConfig sc;
  sc.podUid = "uid-grp";
  sc.podNamespace = "team";
  sc.podName = "grp";
  sc.ip = "127.0.0.1";
  sc.pod = std::make_shared<bj::object>(pod);
  std::string sandbox = runtime_->runSandbox(sc);
  auto spec = json::parse(R"({"name":"app","command":["sleep","600"],
                              "securityContext":{"runAsUser":1000,"runAsGroup":3000}})")
                  .as_object();
  ContainerConfig c;
  c.name = "app";
  c.image = "cube-test/busybox:1";
  c.spec = std::make_shared<bj::object>(std::move(spec));
  std::string id = runtime_->createContainer(sandbox, c);
  runtime_->startContainer(id);

  ExecResult r = runtime_->execSync(id, {"id"}, 10s);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(r.output, "uid=1000 gid=3000 groups=2000,3000,4000\n");
  // The same as the container's own process (its init, pid 1 in its pid namespace).
  r = runtime_->execSync(
      id, {"sh", "-c", "grep ^Groups: /proc/1/status; grep ^Groups: /proc/self/status"}, 10s);
  EXPECT_EQ(r.exitCode, 0) << r.output;
  auto nl = r.output.find('\n');
  ASSERT_NE(nl, std::string::npos) << r.output;
  EXPECT_EQ(r.output.substr(0, nl + 1), r.output.substr(nl + 1)) << r.output;
  // The exec's process file is gone once it has ended.
  for (const auto& dir : std::filesystem::directory_iterator(options_.root + "/containers")) {
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
      EXPECT_NE(e.path().filename().string().rfind("exec-", 0), 0u) << e.path();
    }
  }
  runtime_->stopContainer(id, 0s);
}

TEST_F(CrunExecTest, ATimeoutKillsTheExec) {
  std::string id = run(kSleeper);
  auto began = std::chrono::steady_clock::now();
  ExecResult r = runtime_->execSync(id, {"sleep", "30"}, 300ms);
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_TRUE(r.timedOut);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 10s);
  // Still usable afterwards.
  EXPECT_EQ(runtime_->execSync(id, {"true"}, 10s).exitCode, 0);
  runtime_->stopContainer(id, 0s);
}

TEST_F(CrunExecTest, OutputIsCapped) {
  std::string id = run(kSleeper);
  ExecResult r = runtime_->execSync(id, {"sh", "-c", "head -c 100000 /dev/zero"}, 10s);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.output.size(), kExecOutputCap);
  runtime_->stopContainer(id, 0s);
}

TEST_F(CrunExecTest, AContainerThatIsNotRunningCannotExec) {
  std::string id = run(R"({"name":"quick","command":["true"]})");
  waitExited(id);
  EXPECT_THROW(runtime_->execSync(id, {"true"}, 1s), RuntimeError);
}

TEST_F(CrunExecTest, TheTerminationLogBecomesTheMessage) {
  std::string id = run(
      R"({"name":"msg","command":["sh","-c","echo -n 'gone: disk full' > /dev/termination-log; exit 2"]})");
  ContainerStatus s = waitExited(id);
  EXPECT_EQ(s.exitCode, 2);
  EXPECT_EQ(s.message, "gone: disk full");

  // A path of the spec's, as a non-root user, and at most 4096 bytes kept.
  id = run(R"({"name":"custom","terminationMessagePath":"/tmp/why",
               "securityContext":{"runAsUser":1000},
               "command":["sh","-c","head -c 5000 /dev/zero | tr '\\0' x > /tmp/why"]})");
  s = waitExited(id);
  EXPECT_EQ(s.exitCode, 0);
  EXPECT_EQ(s.message, std::string(4096, 'x'));

  // Nothing written: no message.
  id = run(R"({"name":"quiet","command":["sh","-c","exit 1"]})");
  s = waitExited(id);
  EXPECT_EQ(s.message, "");
}

// kubectl exec's session going away kills the exec. The command is in a session crun made: were
// only the helper and crun killed, it would live on as this process's child (nothing reaps its
// zombie) and the container's pid namespace, so the container, could never end.
TEST_F(CrunExecTest, AKilledInteractiveExecLetsTheContainerEnd) {
  std::string id = run(kSleeper);
  Runtime::ExecOptions o;
  o.command = {"sh", "-c", "echo started; exec sleep 600"};
  auto exec = runtime_->startExec(id, o);
  // Once it has written, the command runs (not crun half way).
  std::string out;
  char buf[64];
  while (out.find('\n') == std::string::npos) {
    ssize_t n = ::read(exec->stdoutFd(), buf, sizeof buf);
    ASSERT_GT(n, 0) << "no output: " << out;
    out.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(out, "started\n");
  exec->kill();
  EXPECT_EQ(exec->wait(), 137);

  runtime_->stopContainer(id, 0s);
  ContainerStatus s = waitExited(id);
  EXPECT_EQ(s.exitCode, 137);
}

// What an exec probe costs here: `true` through execSync, one after another. Printed (p50 and
// max), never asserted.
TEST_F(CrunExecTest, MeasureExecSync) {
  std::string id = run(kSleeper);
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    auto began = std::chrono::steady_clock::now();
    ExecResult r = runtime_->execSync(id, {"true"}, 10s);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began)
                     .count());
    ASSERT_EQ(r.exitCode, 0);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("execSync `true`: p50 %.1f ms, max %.1f ms over %zu\n", ms[ms.size() / 2], ms.back(),
              ms.size());
  runtime_->stopContainer(id, 0s);
}

}  // namespace
}  // namespace cube::runtime::crun
