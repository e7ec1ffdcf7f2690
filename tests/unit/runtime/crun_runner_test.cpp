// Real containers: the busybox test image, an overlayfs root, a generated OCI spec, crun. Needs
// root and crun (skipped otherwise). Everything made here is undone in TearDown, also when a
// test fails halfway: containers killed and deleted, roots unmounted, cgroup dirs removed.
#include "runtime/crun/crun_runner.h"
#include "runtime/crun/attach_session.h"
#include "runtime/crun/mount_table.h"

#include "common/json_util.h"
#include "log_text.h"
#include "runtime/crun/container_rootfs.h"
#include "runtime/crun/oci_spec.h"
#include "runtime/images/archive_import.h"
#include "runtime/images/image_store.h"
#include "test_archives.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

namespace cube::runtime::crun {
namespace {

namespace bj = boost::json;
using crun::testing::logText;
using images::testing::readWhole;
using images::testing::TempDir;
using Clock = std::chrono::steady_clock;

struct Container {
  std::string id;
  std::string dir;  // bundle dir: config.json, rootfs/, upper/, work/, log
  std::string cgroupsPath;
  ContainerProcess process;
  std::string log() const { return dir + "/log"; }
};

// Cgroup dirs of every mounted hierarchy at `path` that exist.
std::vector<std::string> cgroupDirs(const std::string& path) {
  std::vector<std::string> found;
  for (const auto& m : readMountTable()) {
    if (m.fsType != "cgroup" && m.fsType != "cgroup2") continue;
    struct stat st {};
    if (::stat((m.mountPoint + path).c_str(), &st) == 0) found.push_back(m.mountPoint + path);
  }
  return found;
}

// Zombie children of this process: exits nobody reaped.
int zombieChildren() {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "children");
    pid_t pid;
    while (in >> pid) {
      std::string stat = readWhole("/proc/" + std::to_string(pid) + "/stat");
      auto close = stat.rfind(')');
      if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') {
        ++n;
        std::printf("zombie child %d: %s\n", pid, stat.substr(0, close + 1).c_str());
      }
    }
  }
  return n;
}

class CrunRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = CrunRunner::unavailableReason()) GTEST_SKIP() << *why;
    const std::string& archives = images::testing::testImagesDir();
    ASSERT_FALSE(archives.empty()) << "tests/images/build.sh failed";
    store_ = std::make_unique<images::ImageStore>(tmp_ / "store");
    images::importArchive(*store_, archives + "/busybox-oci.tar");
    auto record = store_->find("cube-test/busybox:1");
    ASSERT_TRUE(record);
    image_ = *record;
    cgroupRoot_ = "/cube-test-" + std::to_string(::getpid());
    runner_ = std::make_unique<CrunRunner>(CrunRunnerOptions{"crun", tmp_ / "crun", cgroupRoot_});
  }

  void TearDown() override {
    if (!runner_) return;
    for (auto& c : containers_) {
      try {
        if (c.process.pid > 0) {
          runner_->signal(c.process, SIGKILL);
          runner_->wait(c.process);
        }
        runner_->remove(c.id, c.cgroupsPath);
        ContainerRootfs::remove(c.dir);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "cleanup of " << c.id << ": " << e.what();
      }
    }
    for (const auto& dir : cgroupDirs(cgroupRoot_)) ::rmdir(dir.c_str());
  }

  bj::object pod(const std::string& name = "pod-a") {
    return json::parse(R"({"metadata":{"name":")" + name +
                       R"(","namespace":"default","uid":"u1"},"spec":{}})")
        .as_object();
  }

  // Mounts the root, writes the bundle for `containerJson` in pod `podObj`.
  Container& prepare(const std::string& id, const std::string& containerJson,
                     const bj::object& podObj) {
    Container& c = containers_.emplace_back();
    c.id = id;
    c.dir = tmp_ / ("containers/" + id);
    c.cgroupsPath = cgroupRoot_ + "/pod-u1/" + id;
    std::vector<std::string> layers;
    for (const auto& diffId : image_.diffIds()) layers.push_back(store_->layerPath(diffId));
    ContainerRootfs::mount(c.dir, layers);
    bj::object spec = json::parse(containerJson).as_object();
    OciSpecInput in;
    in.pod = &podObj;
    in.container = &spec;
    in.image = image_.config;
    in.rootfsPath = ContainerRootfs::rootfsPath(c.dir);
    in.cgroupsPath = c.cgroupsPath;
    writeBundleConfig(c.dir, buildOciSpec(in));
    return c;
  }

  Container& start(const std::string& id, const std::string& containerJson) {
    Container& c = prepare(id, containerJson, pod());
    c.process = runner_->run(c.id, c.dir, c.log());
    return c;
  }

  TempDir tmp_;
  std::unique_ptr<images::ImageStore> store_;
  images::ImageRecord image_;
  std::string cgroupRoot_;
  std::unique_ptr<CrunRunner> runner_;
  std::deque<Container> containers_;
};

TEST_F(CrunRunnerTest, RunsAContainerAndReportsItsOutputAndExitCode) {
  Container& c = start("c1", R"({"name":"main","command":["sh","-c"],
      "args":["echo hello; echo oops >&2; hostname; id -u; pwd; echo $(GREETING) $GREETING; exit 3"],
      "workingDir":"/tmp","env":[{"name":"GREETING","value":"hi"}],
      "securityContext":{"runAsUser":1000}})");
  auto status = runner_->wait(c.process);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exitCode, 3);
  EXPECT_EQ(status->signal, 0);
  EXPECT_EQ(logText(c.log(), true, "stdout"), "hello\npod-a\n1000\n/tmp\nhi hi\n");
  EXPECT_EQ(logText(c.log(), true, "stderr"), "oops\n");
}

// What an attach session reads until `text` appears in its output (or the session ends).
std::string readUntil(Runtime::AttachSession& s, const std::string& text) {
  std::string out, data;
  uint8_t stream;
  while (out.find(text) == std::string::npos && s.read(&stream, &data)) out += data;
  return out;
}

TEST_F(CrunRunnerTest, StdinIsAPipeTheShimHoldsAndAttachWritesIt) {
  Container& c = prepare("c1", R"({"name":"main","stdin":true,"stdinOnce":true,
      "command":["sh","-c","read l; echo got $l; cat; echo eof"]})",
                         pod());
  c.process = runner_->run(c.id, c.dir, c.log(), {true, true, false});
  auto session = connectAttachSocket(c.dir, {true, true, true});
  ASSERT_TRUE(session->writeStdin("hi\n"));
  EXPECT_NE(readUntil(*session, "got hi\n").find("got hi\n"), std::string::npos);
  session->closeStdin();  // stdinOnce: the container's cat reads end of file
  EXPECT_NE(readUntil(*session, "eof\n").find("eof\n"), std::string::npos);
  auto status = runner_->wait(c.process);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exitCode, 0);
  EXPECT_EQ(logText(c.log(), true, "stdout"), "got hi\neof\n");
}

TEST_F(CrunRunnerTest, ATerminalComesOverTheConsoleSocketToTheShim) {
  Container& c = prepare("c1", R"({"name":"main","stdin":true,"tty":true,
      "command":["sh","-c","read l; test -t 0 && test -t 1 && echo tty $(stty size) $l; exit 4"]})",
                         pod());
  c.process = runner_->run(c.id, c.dir, c.log(), {true, false, true});
  auto session = connectAttachSocket(c.dir, {true, true, true});
  session->resize(101, 33);
  ASSERT_TRUE(session->writeStdin("x\n"));
  EXPECT_NE(readUntil(*session, "tty 33 101 x").find("tty 33 101 x"), std::string::npos);
  auto status = runner_->wait(c.process);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exitCode, 4);
  // One stream, stdout, with the terminal's line endings.
  std::string log = logText(c.log(), true, "stdout");
  EXPECT_NE(log.find("tty 33 101 x\r\n"), std::string::npos) << log;
  EXPECT_EQ(logText(c.log(), true, "stderr"), "");
}

TEST_F(CrunRunnerTest, StateFollowsTheContainer) {
  Container& c = start("c1", R"({"name":"main","command":["sleep","1000"]})");
  auto state = runner_->state("c1");
  ASSERT_TRUE(state);
  EXPECT_EQ(json::getString(*state, "status"), "running");
  EXPECT_EQ(json::getInt(*state, "pid"), c.process.pid);
  EXPECT_EQ(runner_->list(), std::vector<std::string>{"c1"});
  EXPECT_FALSE(runner_->wait(c.process, std::chrono::milliseconds(0)));  // still running
  EXPECT_FALSE(runner_->state("nope"));
}

TEST_F(CrunRunnerTest, StopEscalatesToSigkillWhenSigtermIsIgnored) {
  // busybox as PID 1 has no SIGTERM handler, so the kernel drops SIGTERM: only SIGKILL ends it.
  Container& c = start("c1", R"({"name":"main","command":["sleep","1000"],
      "resources":{"limits":{"memory":"64Mi","cpu":"500m"},"requests":{"cpu":"250m"}}})");
  // The limits reached the kernel.
  auto memDirs = cgroupDirs(c.cgroupsPath);
  bool checkedMemory = false, checkedCpu = false;
  for (const auto& dir : memDirs) {
    if (dir.find("/memory/") != std::string::npos) {
      EXPECT_EQ(readWhole(dir + "/memory.limit_in_bytes"), "67108864\n");
      checkedMemory = true;
    }
    if (std::filesystem::exists(dir + "/cpu.cfs_quota_us")) {
      EXPECT_EQ(readWhole(dir + "/cpu.cfs_quota_us"), "50000\n");
      EXPECT_EQ(readWhole(dir + "/cpu.shares"), "256\n");
      checkedCpu = true;
    }
  }
  if (!runner_->hybridCgroups() && memDirs.size() == 1) {
    EXPECT_EQ(readWhole(memDirs[0] + "/memory.max"), "67108864\n");  // cgroup v2 host
  } else {
    EXPECT_TRUE(checkedMemory && checkedCpu) << "no memory/cpu cgroup for " << c.cgroupsPath;
  }

  auto t0 = Clock::now();
  ExitStatus s = runner_->stop(c.process, std::chrono::milliseconds(300));
  auto ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  EXPECT_EQ(s.signal, SIGKILL);
  EXPECT_EQ(s.exitCode, 137);
  EXPECT_EQ(c.process.pid, -1);
  std::printf("[ stop ] SIGTERM ignored, SIGKILL after a 300 ms grace: ended in %.1f ms\n", ms);
}

TEST_F(CrunRunnerTest, StopEndsAContainerThatHandlesSigterm) {
  Container& c = start("c1", R"({"name":"main","command":["sh","-c",
      "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.05; done"]})");
  // Wait for the trap to be in place (its "ready" line), then ask it to stop.
  for (int i = 0; i < 200 && logText(c.log(), false).find("ready") == std::string::npos; ++i) {
    ::usleep(10000);
  }
  ExitStatus s = runner_->stop(c.process, std::chrono::seconds(30));
  EXPECT_EQ(s.signal, 0);
  EXPECT_EQ(s.exitCode, 0);
  EXPECT_EQ(logText(c.log()), "ready\nbye\n");
}

TEST_F(CrunRunnerTest, RemoveLeavesNoStateMountsOrCgroups) {
  Container& c = start("c1", R"({"name":"main","command":["sleep","1000"]})");
  ASSERT_TRUE(ContainerRootfs::isMounted(c.dir));
  ASSERT_FALSE(cgroupDirs(c.cgroupsPath).empty());
  runner_->stop(c.process, std::chrono::milliseconds(0));
  runner_->remove(c.id, c.cgroupsPath);
  ContainerRootfs::remove(c.dir);
  EXPECT_FALSE(runner_->state("c1"));
  EXPECT_TRUE(runner_->list().empty());
  EXPECT_FALSE(ContainerRootfs::isMounted(c.dir));
  EXPECT_FALSE(std::filesystem::exists(c.dir + "/rootfs"));
  EXPECT_FALSE(std::filesystem::exists(c.dir + "/upper"));
  EXPECT_TRUE(cgroupDirs(c.cgroupsPath).empty());
  EXPECT_TRUE(cgroupDirs(cgroupRoot_ + "/pod-u1").empty()) << "the parent crun leaves behind";
  EXPECT_EQ(zombieChildren(), 0);
  // Removing again is fine.
  runner_->remove(c.id, c.cgroupsPath);
  ContainerRootfs::remove(c.dir);
}

TEST_F(CrunRunnerTest, AFailedStartNamesTheCauseAndLeavesNothing) {
  Container& c = prepare("c1", R"({"name":"main","command":["/no/such/binary"]})", pod());
  try {
    c.process = runner_->run(c.id, c.dir, c.log());
    FAIL() << "run succeeded";
  } catch (const CrunError& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/binary"), std::string::npos) << e.what();
  }
  EXPECT_EQ(logText(c.log()), "");  // crun's complaint is in the error, not the log
  EXPECT_FALSE(runner_->state("c1"));
}

TEST_F(CrunRunnerTest, ReadOnlyRootAndCapabilities) {
  Container& c = start("c1", R"({"name":"main","command":["sh","-c",
      "touch /x 2>/dev/null && echo wrote / || echo ro /; touch /tmp/x 2>/dev/null && echo wrote /tmp || echo ro /tmp; grep CapEff /proc/self/status"],
      "securityContext":{"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}})");
  auto s = runner_->wait(c.process);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->exitCode, 0);
  // /tmp is part of the image's root here: read-only too. CapEff: only bit 10.
  EXPECT_EQ(logText(c.log()), "ro /\nro /tmp\nCapEff:\t0000000000000400\n");
}

TEST_F(CrunRunnerTest, MemoryLimitKillsWithOom) {
  // The shell keeps 100 MB in a variable under a 32 MiB limit (this host has no swap).
  Container& c = start("c1", R"({"name":"main","command":["sh","-c",
      "a=$(head -c 100000000 /dev/zero | tr '\\0' x); echo survived"],
      "resources":{"limits":{"memory":"32Mi"}}})");
  auto s = runner_->wait(c.process);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->exitCode, 137);
  EXPECT_TRUE(runner_->oomKilled(c.cgroupsPath));
  EXPECT_EQ(logText(c.log()).find("survived"), std::string::npos);

  Container& d = start("c2", R"({"name":"main","command":["true"],
      "resources":{"limits":{"memory":"32Mi"}}})");
  ASSERT_TRUE(runner_->wait(d.process));
  EXPECT_FALSE(runner_->oomKilled(d.cgroupsPath));
}

// Containers started, waited for and deleted from several threads at once: each gets its own
// exit code (the stray-crun reaping never takes another thread's crun or container init).
TEST_F(CrunRunnerTest, ConcurrentContainersKeepTheirExitCodes) {
  constexpr int kThreads = 4, kEach = 3;
  bj::object p = pod();
  std::mutex mu;  // guards containers_ (prepare appends to it)
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int code = 10 + t * kEach + i;
        try {
          Container* c;
          {
            std::lock_guard lock(mu);
            c = &prepare(
                "p" + std::to_string(code),
                R"({"name":"main","command":["sh","-c","exit )" + std::to_string(code) + R"("]})",
                p);
          }
          c->process = runner_->run(c->id, c->dir, c->log());
          auto s = runner_->wait(c->process);
          if (!s || s->exitCode != code) {
            std::lock_guard lock(mu);
            errors.push_back(c->id + ": exit " + (s ? std::to_string(s->exitCode) : "none"));
          }
          runner_->remove(c->id, c->cgroupsPath);
        } catch (const std::exception& e) {
          std::lock_guard lock(mu);
          errors.push_back(e.what());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_TRUE(runner_->list().empty());
  EXPECT_EQ(zombieChildren(), 0);
}

// create (rootfs mount + bundle) + run + wait + delete (+ rootfs removal), one after another;
// printed per phase (p50), never asserted.
TEST_F(CrunRunnerTest, MeasureContainerLifecycle) {
  constexpr int kRuns = 20;
  enum Phase { kPrepare, kRun, kWait, kDelete, kRootfsRemove, kTotal, kPhases };
  std::vector<std::vector<double>> ms(kPhases);
  bj::object p = pod();
  auto since = [](Clock::time_point& t) {
    auto now = Clock::now();
    double d = std::chrono::duration<double, std::milli>(now - t).count();
    t = now;
    return d;
  };
  for (int i = 0; i < kRuns; ++i) {
    auto start = Clock::now(), t = start;
    Container& c = prepare("t" + std::to_string(i), R"({"name":"main","command":["true"]})", p);
    ms[kPrepare].push_back(since(t));
    c.process = runner_->run(c.id, c.dir, c.log());
    ms[kRun].push_back(since(t));
    auto s = runner_->wait(c.process);
    ms[kWait].push_back(since(t));
    ASSERT_TRUE(s);
    ASSERT_EQ(s->exitCode, 0);
    runner_->remove(c.id, c.cgroupsPath);
    ms[kDelete].push_back(since(t));
    ContainerRootfs::remove(c.dir);
    ms[kRootfsRemove].push_back(since(t));
    ms[kTotal].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  for (auto& v : ms) std::sort(v.begin(), v.end());
  auto p50 = [&](Phase ph) { return ms[ph][kRuns / 2]; };
  std::printf(
      "[ lifecycle ] %d containers (`true`), p50: total %.1f ms = rootfs mount+bundle %.1f, "
      "crun create+start %.1f, wait %.1f, crun delete+cgroups %.1f, rootfs removal %.1f; total min "
      "%.1f, max %.1f (hybrid cgroups: %s)\n",
      kRuns, p50(kTotal), p50(kPrepare), p50(kRun), p50(kWait), p50(kDelete), p50(kRootfsRemove),
      ms[kTotal].front(), ms[kTotal].back(), runner_->hybridCgroups() ? "yes" : "no");
}

}  // namespace
}  // namespace cube::runtime::crun
