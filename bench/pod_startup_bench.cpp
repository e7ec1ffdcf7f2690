// pod_startup_bench: pod start-up on one real node. In a network namespace of its own (made by
// unshare at start, gone when the bench ends), starts `cube server --disable-agent` and one
// `cube agent --runtime=crun` node with the busybox test image already imported, then:
//   "sequential": N pods one after another, each created only when the previous one is Running:
//     latency from the create request to the Running phase seen by a watch (p50/p90/p99/max).
//   "burst": N pods created back to back: the same latency per pod, the time until all are
//     Running, the agent's RSS with N pods running, and the time until all are deleted.
// Needs root and crun. Prints figures; asserts nothing. Children are stopped by PID.
//
//   pod_startup_bench --cube build/cube [--pods 100] [--images-script tests/images/build.sh]
//                     [--keep]

#include "client/http_api_client.h"
#include "common/json_util.h"
#include "support/bench_process.h"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace bj = boost::json;
using namespace cube::bench;
using cube::client::Resource;

namespace {

const Resource kPods{"", "v1", "pods", true};
const Resource kNodes{"", "v1", "nodes", false};
const char* kNode = "bench-node";

struct Options {
  std::string cube = "build/cube";
  std::string imagesScript = "tests/images/build.sh";
  int pods = 100;
  bool keep = false;
};

// The bench and its children get a network namespace of their own with loopback up: the node's
// bridge and pod routes never touch the host.
void enterOwnNetworkNamespace() {
  if (unshare(CLONE_NEWNET) != 0) throw std::runtime_error("unshare(CLONE_NEWNET) failed");
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "lo");
  if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) throw std::runtime_error("lo: no flags");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) throw std::runtime_error("lo: cannot bring it up");
  close(fd);
}

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

bj::object podJson(const std::string& name) {
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", bj::object{{"name", name}, {"labels", bj::object{{"app", "startup-bench"}}}}},
      {"spec",
       bj::object{{"terminationGracePeriodSeconds", 1},
                  {"containers", bj::array{bj::object{{"name", "main"},
                                                      {"image", "cube-test/busybox:1"},
                                                      {"imagePullPolicy", "IfNotPresent"},
                                                      {"command", bj::array{"sleep", "3600"}}}}}}}};
}

// Follows the pods' watch and remembers when each was first seen bound to the node and Running,
// and which exist.
class PodWatcher {
 public:
  explicit PodWatcher(cube::client::ApiClientPtr client) : client_(std::move(client)) {
    auto list = client_->list(kPods, "default");
    cube::client::WatchOptions options;
    options.resourceVersion = list.resourceVersion;
    stream_ = client_->watch(kPods, "default", options);
    thread_ = std::thread([this] { follow(); });
  }
  ~PodWatcher() {
    stream_->close();
    thread_.join();
  }

  // Waits until `name` was seen Running; returns when.
  Clock::time_point waitRunning(const std::string& name, double timeoutSeconds) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, std::chrono::duration<double>(timeoutSeconds),
                           [&] { return running_.count(name) > 0; })) {
      throw std::runtime_error("pod " + name + " not Running in time");
    }
    return running_.at(name);
  }
  // When `name` was first seen with spec.nodeName (the scheduler's binding); after waitRunning.
  Clock::time_point boundAt(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = bound_.find(name);
    return it == bound_.end() ? running_.at(name) : it->second;
  }
  void waitNone(double timeoutSeconds) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, std::chrono::duration<double>(timeoutSeconds),
                           [&] { return existing_.empty(); })) {
      throw std::runtime_error(std::to_string(existing_.size()) + " pods not deleted in time");
    }
  }
  void forget() {
    std::lock_guard lock(mutex_);
    running_.clear();
    bound_.clear();
  }

 private:
  void follow() {
    cube::client::WatchEvent event;
    while (stream_->next(event)) {
      const auto* meta = cube::json::getObject(*event.object, "metadata");
      const auto* status = cube::json::getObject(*event.object, "status");
      if (!meta) continue;
      std::string name = cube::json::getString(*meta, "name");
      auto now = Clock::now();
      std::lock_guard lock(mutex_);
      if (event.type == "DELETED") {
        existing_.erase(name);
      } else if (event.type == "ADDED" || event.type == "MODIFIED") {
        existing_.insert(name);
        const auto* spec = cube::json::getObject(*event.object, "spec");
        if (spec && !cube::json::getString(*spec, "nodeName").empty()) bound_.emplace(name, now);
        if (status && cube::json::getString(*status, "phase") == "Running") {
          running_.emplace(name, now);
        }
      }
      changed_.notify_all();
    }
  }

  cube::client::ApiClientPtr client_;
  std::unique_ptr<cube::client::WatchStream> stream_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Clock::time_point> running_;
  std::map<std::string, Clock::time_point> bound_;
  std::set<std::string> existing_;
  std::thread thread_;
};

void printLatencies(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&ms](double q) { return ms[static_cast<size_t>(q * (ms.size() - 1) + 0.5)]; };
  std::printf("| %s | %zu | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms |\n", what, ms.size(),
              ms.front(), at(0.5), at(0.9), at(0.99), ms.back());
}

void deleteAll(cube::client::ApiClientPtr client, PodWatcher& watcher, int pods,
               const char* prefix) {
  for (int i = 0; i < pods; ++i) {
    client->remove(kPods, "default", prefix + std::to_string(i));
  }
  watcher.waitNone(120);
}

// Waits until the crun runtime's sandbox records under `dir` are gone.
void waitForNoSandboxes(const std::string& dir, double timeoutSeconds) {
  auto start = Clock::now();
  for (;;) {
    std::error_code ec;
    if (std::filesystem::is_empty(dir, ec) || ec) return;
    if (secondsSince(start) > timeoutSeconds) {
      throw std::runtime_error("the node still has sandboxes in " + dir);
    }
    sleepFor(std::chrono::milliseconds(100));
  }
}

void runBench(const Options& o, const std::string& dir) {
  const std::string node = dir + "/node";
  std::printf("building and importing the busybox test image...\n");
  run("bash " + o.imagesScript + " " + dir + "/images >/dev/null");
  run(o.cube + " image import --data-dir " + node + " " + dir +
      "/images/busybox-oci.tar >/dev/null");

  ServerProcess server = startServer(o.cube, dir, {"--disable-agent", "--log-level", "warn"});
  pid_t serverPid = server.pid;
  pid_t agent = -1;
  try {
    agent = spawn({o.cube, "agent", "--runtime=crun", "--node-name", kNode, "--kubeconfig",
                   dir + "/kubeconfig", "--data-dir", node, "--bridge-name",
                   "cubeb" + std::to_string(getpid() % 100000), "--log-level", "warn"},
                  dir + "/agent.log", nullptr);
    auto client = cube::client::HttpApiClient::fromUrl(server.url);
    auto start = Clock::now();
    for (;;) {
      checkInterrupted();
      if (!alive(agent))
        throw std::runtime_error("the agent exited:\n" + tail(dir + "/agent.log", 10));
      try {
        auto n = client->get(kNodes, "", kNode);
        const auto* spec = cube::json::getObject(n, "spec");
        if (spec && !cube::json::getString(*spec, "podCIDR").empty()) break;
      } catch (const std::exception&) {
      }
      if (secondsSince(start) > 60) throw std::runtime_error("the node did not register");
      sleepFor(std::chrono::milliseconds(100));
    }
    ProcSample idle = sample(agent);
    PodWatcher watcher(client);

    std::printf("\n| scenario | pods | min | p50 | p90 | p99 | max |\n");
    std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    std::fflush(stdout);
    std::vector<double> sequential, scheduling, onNode;
    auto ms = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    for (int i = 0; i < o.pods; ++i) {
      std::string name = "seq-" + std::to_string(i);
      auto t0 = Clock::now();
      client->create(kPods, "default", podJson(name));
      auto t1 = watcher.waitRunning(name, 60);
      auto bound = watcher.boundAt(name);
      sequential.push_back(ms(t0, t1));
      scheduling.push_back(ms(t0, bound));
      onNode.push_back(ms(bound, t1));
    }
    printLatencies("sequential: create → Running (watch)", sequential);
    printLatencies("sequential, of which create → bound (scheduler)", scheduling);
    printLatencies("sequential, of which bound → Running (node)", onNode);
    std::fflush(stdout);
    deleteAll(client, watcher, o.pods, "seq-");
    waitForNoSandboxes(node + "/agent/crun-runtime/sandboxes", 60);
    watcher.forget();

    std::vector<Clock::time_point> created;
    ProcSample beforeBurst = sample(agent);
    auto burstStart = Clock::now();
    for (int i = 0; i < o.pods; ++i) {
      created.push_back(Clock::now());
      client->create(kPods, "default", podJson("burst-" + std::to_string(i)));
    }
    std::vector<double> burst;
    Clock::time_point last = burstStart;
    for (int i = 0; i < o.pods; ++i) {
      auto t1 = watcher.waitRunning("burst-" + std::to_string(i), 300);
      last = std::max(last, t1);
      burst.push_back(std::chrono::duration<double, std::milli>(t1 - created[i]).count());
    }
    double allRunning = std::chrono::duration<double>(last - burstStart).count();
    printLatencies("burst: create → Running (watch)", burst);
    ProcSample loaded = sample(agent);
    // The steady state with the pods running: the allocator hands pages freed during the burst
    // back after its decay time (5 s), and the node has done a housekeeping round (10 s).
    sleepFor(std::chrono::seconds(12));
    ProcSample settled = sample(agent);
    auto deleteStart = Clock::now();
    deleteAll(client, watcher, o.pods, "burst-");
    double allDeleted = secondsSince(deleteStart);
    ProcSample after = sample(agent);
    // The node removes a sandbox (namespaces, mounts, cgroups) just after its pod has left the
    // API: stopping the agent before then would leave them on the host.
    waitForNoSandboxes(node + "/agent/crun-runtime/sandboxes", 60);
    ProcSample cleaned = sample(agent);

    std::printf(
        "\n%d pods created back to back: all Running after %.2f s; all deleted (grace 1 s) "
        "%.2f s after the deletes began\n",
        o.pods, allRunning, allDeleted);
    std::printf(
        "agent RSS: %.1f MB idle, %.1f MB with %d pods running (%.1f MB right after the burst), "
        "%.1f MB after they went (peak %.1f MB); agent CPU %.1f s in all\n",
        idle.rssMB, settled.rssMB, o.pods, loaded.rssMB, after.rssMB, after.hwmMB,
        after.cpuSeconds);
    std::printf(
        "agent with %d pods: %.1f MB anonymous + %.1f MB file-backed, %d threads (idle: %.1f + "
        "%.1f MB, %d threads)\n",
        o.pods, settled.anonMB, settled.fileMB, settled.threads, idle.anonMB, idle.fileMB,
        idle.threads);
    double agentCpu = cleaned.cpuSeconds - beforeBurst.cpuSeconds;
    double childCpu = cleaned.childrenCpuSeconds - beforeBurst.childrenCpuSeconds;
    std::printf(
        "node CPU per pod of the burst, create to delete: %.0f ms (the agent %.0f ms; crun and "
        "the log shims %.0f ms)\n",
        1000 * (agentCpu + childCpu) / o.pods, 1000 * agentCpu / o.pods, 1000 * childCpu / o.pods);
  } catch (...) {
    std::printf("agent.log:\n%s", tail(dir + "/agent.log", 15).c_str());
    stopChild(agent, "agent");
    stopChild(serverPid, "server");
    throw;
  }
  stopChild(agent, "agent");
  stopChild(serverPid, "server");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--keep") {
      o.keep = true;
    } else if (i + 1 < argc && k == "--cube") {
      o.cube = argv[++i];
    } else if (i + 1 < argc && k == "--pods") {
      o.pods = std::stoi(argv[++i]);
    } else if (i + 1 < argc && k == "--images-script") {
      o.imagesScript = argv[++i];
    } else {
      std::fprintf(stderr, "pod_startup_bench: unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (getuid() != 0 || std::system("command -v crun >/dev/null") != 0) {
    std::fprintf(stderr, "pod_startup_bench: needs root and crun\n");
    return 2;
  }
  installProcessHandling();
  char tmpl[] = "/tmp/cube-pod-bench.XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  std::string dir = tmpl;
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("pod_startup_bench: %s, %d pods, %ld cores, load average %.2f %.2f %.2f\n",
              o.cube.c_str(), o.pods, sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
  int rc = 0;
  try {
    enterOwnNetworkNamespace();
    runBench(o, dir);
  } catch (const Interrupted&) {
    std::printf("\ninterrupted: children stopped\n");
    rc = 130;
  } catch (const std::exception& e) {
    std::printf("\nfailed: %s\n", e.what());
    rc = 1;
  }
  if (o.keep) {
    std::printf("kept %s\n", dir.c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  getloadavg(load, 3);
  std::printf("load average %.2f %.2f %.2f at the end\n", load[0], load[1], load[2]);
  return rc;
}
