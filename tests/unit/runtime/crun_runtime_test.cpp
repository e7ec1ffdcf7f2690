// CrunRuntime with real crun, the busybox test image and a bridge network of the test's own
// (bridge cubert<hex>, pod CIDR in 198.19.0.0/16, set aside for tests). Needs root, crun and
// network namespace capabilities (skipped otherwise). TearDown removes every sandbox through
// the runtime and then whatever a failing test left: containers killed, mounts, cgroup dirs,
// the bridge.
#include "runtime/crun/crun_runtime.h"
#include "runtime/crun/mount_table.h"

#include "common/json_util.h"
#include "log_text.h"
#include "network/bridge_pod_network.h"
#include "network/network_namespace.h"
#include "runtime/images/archive_import.h"
#include "test_archives.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace cube::runtime::crun {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using crun::testing::logText;
using images::testing::readWhole;
using images::testing::TempDir;
using std::chrono::seconds;

constexpr auto kExitTimeout = std::chrono::seconds(30);

std::string randomHex(int n) {
  std::mt19937 rng{std::random_device{}()};
  std::string s;
  for (int i = 0; i < n; ++i) s += "0123456789abcdef"[rng() % 16];
  return s;
}

bool canMakeNetns() {
  return std::system("unshare --net true >/dev/null 2>&1") == 0;
}

// Mount points at or below `prefix` in this process's mount namespace.
std::vector<std::string> mountsUnder(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& m : readMountTable()) {
    if (m.mountPoint.rfind(prefix, 0) == 0) out.push_back(m.mountPoint);
  }
  return out;
}

// Existing dirs `path` in every mounted cgroup hierarchy.
std::vector<std::string> cgroupDirs(const std::string& path) {
  std::vector<std::string> found;
  for (const auto& m : readMountTable()) {
    if (m.fsType != "cgroup" && m.fsType != "cgroup2") continue;
    if (fs::exists(m.mountPoint + path)) found.push_back(m.mountPoint + path);
  }
  return found;
}

// Records the runtime's events; waits for a condition to hold, re-checked on every event.
class Events {
 public:
  EventHandler handler() {
    return [this](const RuntimeEvent& e) {
      {
        std::lock_guard lock(mu_);
        events_.push_back(e);
      }
      cv_.notify_all();
    };
  }
  // Bounded: the condition is also re-checked every 100 ms, in case it holds with no event.
  bool waitFor(const std::function<bool()>& condition) {
    auto deadline = std::chrono::steady_clock::now() + kExitTimeout;
    std::unique_lock lock(mu_);
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(100));
    }
    return true;
  }
  std::vector<RuntimeEvent> all() {
    std::lock_guard lock(mu_);
    return events_;
  }
  // For conditions of waitFor, which holds the lock.
  const std::vector<RuntimeEvent>& unsafeAll() const { return events_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<RuntimeEvent> events_;
};

class CrunRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = CrunRunner::unavailableReason()) GTEST_SKIP() << *why;
    if (!canMakeNetns()) GTEST_SKIP() << "root without the capabilities to make namespaces";
    const std::string& archives = images::testing::testImagesDir();
    ASSERT_FALSE(archives.empty()) << "tests/images/build.sh failed";
    store_ = std::make_shared<images::ImageStore>(tmp_ / "store");
    images::importArchive(*store_, archives + "/busybox-oci.tar");

    suffix_ = randomHex(6);
    network::BridgeNetworkConfig net;
    net.bridgeName = "cubert" + suffix_;
    cidr_ = "198.19." + std::to_string(std::random_device{}() % 256) + ".0/24";
    net.podCidr = *network::Ipv4Cidr::parse(cidr_);
    net.ipamDir = tmp_ / "ipam";
    network_ = std::make_shared<network::BridgePodNetwork>(net);

    options_.root = tmp_ / "root";
    options_.cgroupRoot = "/cube-rt-test-" + suffix_;
    options_.hostResolvConfPath = tmp_ / "host-resolv.conf";
    images::testing::writeFile(options_.hostResolvConfPath,
                               "nameserver 192.0.2.53\nsearch example.test\n");
    runtime_ = newRuntime();
  }

  std::unique_ptr<CrunRuntime> newRuntime() {
    auto rt = std::make_unique<CrunRuntime>(options_, store_, network_);
    rt->setEventHandler(events_.handler());
    return rt;
  }

  void TearDown() override {
    if (!network_) return;
    if (runtime_) {
      for (const auto& s : runtime_->listSandboxes()) {
        try {
          runtime_->removeSandbox(s.id);
        } catch (const std::exception& e) {
          ADD_FAILURE() << "removeSandbox " << s.id << ": " << e.what();
        }
      }
      runtime_.reset();
    }
    // What a failed test may have left: processes, mounts, cgroup dirs, namespaces, the bridge.
    for (const auto& dir : cgroupDirs(options_.cgroupRoot)) {
      std::string procs = readWhole(dir + "/cgroup.procs");
      std::istringstream ss(procs);
      pid_t pid;
      while (ss >> pid) ::kill(pid, SIGKILL);
    }
    auto mounts = mountsUnder(tmp_.path());
    for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
    for (const auto& id : sandboxIds_) {
      try {
        network_->tearDown(id);
      } catch (...) {
      }
    }
    std::system(("find /sys/fs/cgroup -depth -type d -path '*" + options_.cgroupRoot +
                 "*' -exec rmdir {} + 2>/dev/null")
                    .c_str());
    network_->removeBridge();
  }

  bj::object pod(const std::string& name, const std::string& spec = "{}") {
    std::string uid = "uid-" + name + "-" + suffix_;
    auto p = json::parse(R"({"metadata":{"name":")" + name + R"(","namespace":"team","uid":")" +
                         uid + R"("},"spec":)" + spec + "}");
    return p.as_object();
  }

  std::string runPod(const bj::object& p) {
    SandboxConfig c;
    const auto& meta = *json::getObject(p, "metadata");
    c.podUid = json::getString(meta, "uid");
    c.podNamespace = json::getString(meta, "namespace");
    c.podName = json::getString(meta, "name");
    c.hostname = c.podName;
    c.pod = std::make_shared<bj::object>(p);
    std::string id = runtime_->runSandbox(c);
    sandboxIds_.push_back(id);
    return id;
  }

  ContainerConfig container(const std::string& specJson, uint32_t attempt = 0) {
    auto spec = json::parse(specJson).as_object();
    ContainerConfig c;
    c.name = json::getString(spec, "name");
    c.image = json::getString(spec, "image", "cube-test/busybox:1");
    c.attempt = attempt;
    c.spec = std::make_shared<bj::object>(std::move(spec));
    return c;
  }

  std::string run(const std::string& sandboxId, const std::string& specJson) {
    std::string id = runtime_->createContainer(sandboxId, container(specJson));
    runtime_->startContainer(id);
    return id;
  }

  std::optional<ContainerStatus> status(const std::string& sandboxId, const std::string& id,
                                        CrunRuntime* rt = nullptr) {
    for (auto& s : (rt ? rt : runtime_.get())->listContainers(sandboxId)) {
      if (s.id == id) return s;
    }
    return std::nullopt;
  }

  ContainerStatus waitExited(const std::string& sandboxId, const std::string& id,
                             CrunRuntime* rt = nullptr) {
    std::optional<ContainerStatus> s;
    bool ok = events_.waitFor([&] {
      s = status(sandboxId, id, rt);
      return s && s->state == ContainerState::Exited;
    });
    EXPECT_TRUE(ok) << id << " did not exit within " << kExitTimeout.count() << " s";
    return s.value_or(ContainerStatus{});
  }

  // Waits until `path` (in a container's log) contains `text`.
  bool waitForLog(const std::string& path, const std::string& text) {
    return events_.waitFor([&] { return logText(path, false).find(text) != std::string::npos; });
  }

  TempDir tmp_;
  std::string suffix_, cidr_;
  std::shared_ptr<images::ImageStore> store_;
  std::shared_ptr<network::BridgePodNetwork> network_;
  CrunRuntimeOptions options_;
  Events events_;
  std::unique_ptr<CrunRuntime> runtime_;
  std::vector<std::string> sandboxIds_;
};

TEST_F(CrunRuntimeTest, ExitCodesBecomeCompletedAndError) {
  std::string sb = runPod(pod("jobs"));
  std::string ok = run(sb, R"({"name":"ok","command":["sh","-c","echo hello; exit 0"]})");
  std::string bad = run(sb, R"({"name":"bad","command":["sh","-c","echo oops >&2; exit 3"]})");

  ContainerStatus s = waitExited(sb, ok);
  EXPECT_EQ(s.exitCode, 0);
  EXPECT_EQ(s.reason, "Completed");
  EXPECT_EQ(s.name, "ok");
  EXPECT_TRUE(s.startedAt && s.finishedAt && *s.startedAt <= *s.finishedAt);
  EXPECT_EQ(s.id.rfind("crun://", 0), 0u);
  EXPECT_NE(s.imageId.find("cube-test/busybox@sha256:"), std::string::npos) << s.imageId;
  EXPECT_EQ(logText(s.logPath), "hello\n");
  EXPECT_NE(s.logPath.find("/pods/team_jobs_uid-jobs-" + suffix_ + "/ok/0.log"), std::string::npos)
      << s.logPath;

  s = waitExited(sb, bad);
  EXPECT_EQ(s.exitCode, 3);
  EXPECT_EQ(s.reason, "Error");
  EXPECT_EQ(logText(s.logPath), "oops\n");

  // Each exit was reported for this sandbox and pod (the event follows the record: wait for it).
  std::vector<RuntimeEvent> events;
  EXPECT_TRUE(events_.waitFor([&] { return events_.unsafeAll().size() >= 2; }));
  events = events_.all();
  ASSERT_GE(events.size(), 2u);
  for (const auto& e : events) {
    EXPECT_EQ(e.sandboxId, sb);
    EXPECT_EQ(e.podUid, "uid-jobs-" + suffix_);
  }
}

TEST_F(CrunRuntimeTest, ThePodHasItsAddressHostnameAndFiles) {
  std::string sb = runPod(pod("web", R"({"subdomain":"sub",
      "hostAliases":[{"ip":"192.0.2.7","hostnames":["alias.test"]}]})"));
  auto sandboxes = runtime_->listSandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  EXPECT_EQ(sandboxes[0].id, sb);
  EXPECT_EQ(sandboxes[0].state, SandboxState::Ready);
  std::string ip = sandboxes[0].ip;
  auto cidr = *network::Ipv4Cidr::parse(cidr_);
  auto addr = network::parseAddress(ip);
  ASSERT_TRUE(addr) << ip;
  EXPECT_TRUE(cidr.contains(*addr)) << ip << " not in " << cidr_;

  std::string c = run(sb, R"({"name":"show","command":["sh","-c",
      "hostname; cat /etc/hostname; ip -4 -o addr show dev eth0; cat /etc/resolv.conf; cat /etc/hosts"]})");
  ContainerStatus s = waitExited(sb, c);
  EXPECT_EQ(s.exitCode, 0);
  std::string out = logText(s.logPath);
  EXPECT_EQ(out.rfind("web\nweb\n", 0), 0u) << out;
  EXPECT_NE(out.find("inet " + ip + "/24"), std::string::npos) << out;
  EXPECT_NE(out.find("nameserver 10.43.0.10\n"
                     "search team.svc.cluster.local svc.cluster.local cluster.local example.test\n"
                     "options ndots:5\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(ip + "\tweb.sub.team.svc.cluster.local\tweb\n"), std::string::npos) << out;
  EXPECT_NE(out.find("# Entries added by HostAliases.\n192.0.2.7\talias.test\n"), std::string::npos)
      << out;
}

TEST_F(CrunRuntimeTest, ContainersOfAPodShareNetworkIpcAndHostname) {
  std::string sb = runPod(pod("duo"));
  std::string server = run(sb, R"({"name":"server","command":["sh","-c",
      "for n in net ipc uts; do readlink /proc/self/ns/$n; done; mkdir -p /tmp/www; echo served-by-$(hostname) > /tmp/www/index.html; echo up; exec httpd -f -p 127.0.0.1:8080 -h /tmp/www"]})");
  auto serverLog = status(sb, server)->logPath;
  ASSERT_TRUE(waitForLog(serverLog, "up\n"));
  std::string client = run(sb, R"({"name":"client","command":["sh","-c",
      "for n in net ipc uts; do readlink /proc/self/ns/$n; done; for i in $(seq 100); do wget -q -O - http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1"]})");
  ContainerStatus s = waitExited(sb, client);
  EXPECT_EQ(s.exitCode, 0) << logText(s.logPath);
  std::string clientOut = logText(s.logPath);
  EXPECT_NE(clientOut.find("served-by-duo\n"), std::string::npos) << clientOut;
  // The same net, ipc and uts namespaces: the first three lines are equal.
  std::string serverOut = logText(serverLog);
  auto firstLines = [](const std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    for (int i = 0; i < 3 && std::getline(in, line); ++i) out += line + "\n";
    return out;
  };
  EXPECT_EQ(firstLines(serverOut), firstLines(clientOut));
  EXPECT_NE(firstLines(serverOut).find("net:["), std::string::npos) << serverOut;
  // Not the test's own namespaces.
  EXPECT_EQ(firstLines(serverOut).find(fs::read_symlink("/proc/self/ns/net").string()),
            std::string::npos);
}

TEST_F(CrunRuntimeTest, StopReturnsAtOnceAndKillsAfterTheGrace) {
  std::string sb = runPod(pod("stop"));
  // busybox sleep as PID 1 ignores SIGTERM: only the SIGKILL after the grace ends it.
  std::string sleeper = run(sb, R"({"name":"sleeper","command":["sleep","1000"]})");
  // A shell that handles SIGTERM ends with 0 within the grace.
  std::string polite = run(sb, R"({"name":"polite","command":["sh","-c",
      "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.05; done"]})");
  ASSERT_TRUE(waitForLog(status(sb, polite)->logPath, "ready\n"));
  EXPECT_EQ(status(sb, sleeper)->state, ContainerState::Running);

  runtime_->stopContainer(sleeper, seconds(1));
  runtime_->stopContainer(polite, seconds(30));
  // SIGTERM is ignored and the grace has not passed: still running when stop returns.
  EXPECT_EQ(status(sb, sleeper)->state, ContainerState::Running);

  ContainerStatus s = waitExited(sb, sleeper);
  EXPECT_EQ(s.exitCode, 137);
  EXPECT_EQ(s.reason, "Error");
  s = waitExited(sb, polite);
  EXPECT_EQ(s.exitCode, 0);
  EXPECT_EQ(s.reason, "Completed");
  EXPECT_EQ(logText(s.logPath), "ready\nbye\n");
  // Stopping an exited container does nothing.
  runtime_->stopContainer(sleeper, seconds(0));
  EXPECT_EQ(status(sb, sleeper)->exitCode, 137);
}

TEST_F(CrunRuntimeTest, MemoryLimitEndsInOomKilled) {
  std::string sb = runPod(pod("oom"));
  std::string c = run(sb, R"({"name":"hog","command":["sh","-c",
      "a=$(head -c 100000000 /dev/zero | tr '\\0' x); echo survived"],
      "resources":{"limits":{"memory":"32Mi"}}})");
  ContainerStatus s = waitExited(sb, c);
  EXPECT_EQ(s.reason, "OOMKilled");
  EXPECT_EQ(s.exitCode, 137);
  EXPECT_EQ(logText(s.logPath).find("survived"), std::string::npos);
}

TEST_F(CrunRuntimeTest, AMissingImageIsImageNotFound) {
  std::string sb = runPod(pod("noimage"));
  EXPECT_THROW(runtime_->createContainer(
                   sb, container(R"({"name":"x","image":"cube-test/nope:1","command":["true"]})")),
               ImageNotFoundError);
  EXPECT_THROW(runtime_->createContainer(sb, container(R"({"name":"x","command":["true"],
      "securityContext":{"runAsNonRoot":true}})")),
               ContainerConfigError);
  EXPECT_TRUE(runtime_->listContainers(sb).empty());
  EXPECT_TRUE(mountsUnder(options_.root + "/containers").empty());
}

// The agent after kill -9: a new runtime over the same dirs lists the same sandbox and container,
// leaves the container running and notices its later exit.
TEST_F(CrunRuntimeTest, ANewInstanceAdoptsRunningContainers) {
  std::string sb = runPod(pod("survivor"));
  std::string c = run(sb, R"({"name":"main","command":["sh","-c",
      "echo started; while [ ! -f /tmp/go ]; do sleep 0.05; done; exit 7"]})");
  auto before = status(sb, c);
  ASSERT_TRUE(waitForLog(before->logPath, "started\n"));
  auto sandboxesBefore = runtime_->listSandboxes();
  runtime_.reset();  // the old agent is gone; nothing was stopped

  runtime_ = newRuntime();
  auto sandboxes = runtime_->listSandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  EXPECT_EQ(sandboxes[0].id, sb);
  EXPECT_EQ(sandboxes[0].ip, sandboxesBefore[0].ip);
  EXPECT_EQ(sandboxes[0].createdAt, sandboxesBefore[0].createdAt);
  auto after = status(sb, c);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->state, ContainerState::Running);
  EXPECT_EQ(after->startedAt, before->startedAt);
  EXPECT_EQ(logText(after->logPath), "started\n");  // not started again

  // Let it end: its root is the overlay mount under the container's dir.
  images::testing::writeFile(options_.root + "/containers/" + c.substr(7) + "/rootfs/tmp/go", "");
  ContainerStatus s = waitExited(sb, c);
  // Still a child of this process (the first instance started it here), so waitid on the pidfd
  // reads the real code; a restarted agent gets the Unknown rule (next test).
  EXPECT_EQ(s.exitCode, 7);
  EXPECT_EQ(s.reason, "Error");
}

// After a reboot the namespace mounts are gone: a new instance reports the sandbox NotReady
// (and refuses containers in it) instead of failing in crun later.
TEST_F(CrunRuntimeTest, ASandboxWhoseNamespacesAreGoneIsNotReady) {
  std::string sb = runPod(pod("rebooted"));
  runtime_.reset();
  std::string uts = options_.root + "/sandboxes/" + sb + "/ns/uts";
  ASSERT_EQ(::umount2(uts.c_str(), MNT_DETACH), 0) << uts;
  runtime_ = newRuntime();
  auto sandboxes = runtime_->listSandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
  EXPECT_EQ(sandboxes[0].state, SandboxState::NotReady);
  EXPECT_THROW(runtime_->createContainer(sb, container(R"({"name":"x","command":["true"]})")),
               RuntimeError);
}

TEST_F(CrunRuntimeTest, AContainerThatEndedUnwatchedIsUnknown) {
  std::string sb = runPod(pod("lost"));
  std::string c = runtime_->createContainer(sb, container(R"({"name":"main","command":["true"]})"));
  runtime_.reset();
  // Forge what a dead agent leaves: a record saying running, for a process that is gone.
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  std::string recordPath = options_.root + "/containers/" + c.substr(7) + "/container.json";
  auto record = json::parse(readWhole(recordPath)).as_object();
  record["state"] = "running";
  record["pid"] = gone;
  record["pidStartTime"] = 12345;
  record["startedAt"] = 1;
  images::testing::writeFile(recordPath, json::serialize(record));

  runtime_ = newRuntime();
  auto s = status(sb, c);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, ContainerState::Exited);
  EXPECT_EQ(s->exitCode, 255);
  EXPECT_EQ(s->reason, "Unknown");
  EXPECT_TRUE(s->finishedAt);
}

TEST_F(CrunRuntimeTest, RemoveLeavesNothingBehind) {
  std::string sb = runPod(pod("gone"));
  std::string uid = "uid-gone-" + suffix_;
  std::string running = run(sb, R"({"name":"running","command":["sleep","1000"]})");
  std::string exited = run(sb, R"({"name":"exited","command":["true"]})");
  waitExited(sb, exited);
  std::string veth = network::BridgePodNetwork::hostInterfaceName(sb);
  ASSERT_TRUE(fs::exists("/sys/class/net/" + veth));
  ASSERT_TRUE(network::NetworkNamespace::exists(network::kDefaultNetnsDir, sb));
  ASSERT_FALSE(mountsUnder(options_.root).empty());
  ASSERT_FALSE(cgroupDirs(options_.cgroupRoot + "/pod" + uid).empty());
  std::string logDir = options_.root + "/pods/team_gone_" + uid;
  ASSERT_TRUE(fs::exists(logDir));
  std::string ip = runtime_->listSandboxes().at(0).ip;
  ASSERT_TRUE(fs::exists(tmp_ / ("ipam/" + ip)));

  runtime_->removeSandbox(sb);
  EXPECT_TRUE(runtime_->listSandboxes().empty());
  EXPECT_TRUE(runtime_->listContainers(sb).empty());
  EXPECT_EQ(mountsUnder(options_.root), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists("/sys/class/net/" + veth));
  EXPECT_FALSE(fs::exists(std::string(network::kDefaultNetnsDir) + "/" + sb));
  EXPECT_EQ(cgroupDirs(options_.cgroupRoot + "/pod" + uid), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(logDir));
  EXPECT_TRUE(fs::is_empty(options_.root + "/sandboxes"));
  EXPECT_TRUE(fs::is_empty(options_.root + "/containers"));
  EXPECT_TRUE(fs::is_empty(options_.root + "/crun"));
  EXPECT_FALSE(fs::exists(tmp_ / ("ipam/" + ip))) << "the pod's address is released";
  // Unknown ids are fine.
  runtime_->removeSandbox(sb);
  runtime_->removeContainer(running);
}

// A stop that arrives while crun is still starting the container is not lost: the container
// ends either way (never started, or killed).
TEST_F(CrunRuntimeTest, AStopDuringTheStartIsNotLost) {
  std::string sb = runPod(pod("race"));
  for (int i = 0; i < 5; ++i) {
    std::string c = runtime_->createContainer(
        sb, container(R"({"name":"main","command":["sleep","1000"]})", i));
    std::thread starter([&] {
      try {
        runtime_->startContainer(c);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    });
    runtime_->stopContainer(c, seconds(0));
    starter.join();
    ContainerStatus s = waitExited(sb, c);
    EXPECT_TRUE(s.exitCode == 137 || (s.exitCode == 0 && !s.startedAt))
        << s.exitCode << " " << s.reason;
  }
}

// Pods run from several threads at once keep their own addresses and exit codes.
TEST_F(CrunRuntimeTest, PodsFromSeveralThreadsKeepTheirExitCodes) {
  constexpr int kThreads = 4;
  std::mutex mu;
  std::vector<std::string> errors;
  std::set<std::string> ips;
  std::vector<std::thread> threads;
  std::vector<std::string> sandboxes(kThreads);
  for (int t = 0; t < kThreads; ++t) sandboxes[t] = runPod(pod("par" + std::to_string(t)));
  for (const auto& s : runtime_->listSandboxes()) ips.insert(s.ip);
  EXPECT_EQ(ips.size(), size_t{kThreads});
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        int code = 20 + t;
        std::string c = run(sandboxes[t], R"({"name":"main","command":["sh","-c","exit )" +
                                              std::to_string(code) + R"("]})");
        ContainerStatus s = waitExited(sandboxes[t], c);
        if (s.exitCode != code) {
          std::lock_guard lock(mu);
          errors.push_back(c + ": " + std::to_string(s.exitCode));
        }
        runtime_->removeSandbox(sandboxes[t]);
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        errors.push_back(e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  EXPECT_TRUE(runtime_->listSandboxes().empty());
}

TEST_F(CrunRuntimeTest, AHostNetworkPodKeepsTheNodesNetworkAndName) {
  bj::object p = pod("hostnet", R"({"hostNetwork":true})");
  SandboxConfig config;
  config.podUid = "uid-hostnet-" + suffix_;
  config.podNamespace = "team";
  config.podName = "hostnet";
  config.ip = "192.0.2.10";  // the agent's choice: the node's address
  config.pod = std::make_shared<bj::object>(p);
  std::string sb = runtime_->runSandbox(config);
  sandboxIds_.push_back(sb);
  EXPECT_EQ(runtime_->listSandboxes().at(0).ip, "192.0.2.10");
  EXPECT_FALSE(network::NetworkNamespace::exists(network::kDefaultNetnsDir, sb));
  std::string c = run(sb, R"({"name":"main","command":["sh","-c",
      "hostname; readlink /proc/self/ns/net"]})");
  ContainerStatus s = waitExited(sb, c);
  EXPECT_EQ(s.exitCode, 0);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(logText(s.logPath),
            std::string(host) + "\n" + fs::read_symlink("/proc/self/ns/net").string() + "\n");
}

// A pod's whole life through the runtime, one after another: sandbox (network, namespaces,
// files), a container running `true` created, started, its exit seen, and everything removed.
// Printed per phase (p50), never asserted.
TEST_F(CrunRuntimeTest, MeasurePodLifecycle) {
  constexpr int kRuns = 20;
  enum Phase { kSandbox, kCreate, kStart, kExit, kRemove, kTotal, kPhases };
  std::vector<std::vector<double>> ms(kPhases);
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point& t) {
    auto now = Clock::now();
    double d = std::chrono::duration<double, std::milli>(now - t).count();
    t = now;
    return d;
  };
  for (int i = 0; i < kRuns; ++i) {
    auto start = Clock::now(), t = start;
    std::string sb = runPod(pod("m" + std::to_string(i)));
    ms[kSandbox].push_back(since(t));
    std::string c =
        runtime_->createContainer(sb, container(R"({"name":"main","command":["true"]})"));
    ms[kCreate].push_back(since(t));
    runtime_->startContainer(c);
    ms[kStart].push_back(since(t));
    ASSERT_EQ(waitExited(sb, c).exitCode, 0);
    ms[kExit].push_back(since(t));
    runtime_->removeSandbox(sb);
    ms[kRemove].push_back(since(t));
    ms[kTotal].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  for (auto& v : ms) std::sort(v.begin(), v.end());
  auto p50 = [&](Phase ph) { return ms[ph][kRuns / 2]; };
  std::printf(
      "[ pod lifecycle ] %d pods, one container (`true`) each, p50: total %.1f ms = runSandbox "
      "%.1f, createContainer %.1f, startContainer %.1f, exit seen %.1f, removeSandbox %.1f; total "
      "min %.1f, max %.1f\n",
      kRuns, p50(kTotal), p50(kSandbox), p50(kCreate), p50(kStart), p50(kExit), p50(kRemove),
      ms[kTotal].front(), ms[kTotal].back());
}

}  // namespace
}  // namespace cube::runtime::crun
