// cluster_bench: the whole control plane end to end. Starts a real `cube server` (SQLite store,
// temp dir, free port) and ONE `cube agent --runtime=fake --count N` process hosting N hollow
// nodes, then measures:
//   A "deployment": with N nodes Ready, a Deployment of R replicas: time from the create until
//     every pod exists, is scheduled, is Running, and the Deployment reports R available.
//   B "growth": at each size (nodes x pods) a fresh cluster is brought to the size, left to
//     settle, then watched for a window: server and agent RSS (VmRSS, VmHWM) and CPU (utime +
//     stime over the window), and the writes/s the server took, split by resource (a watch per
//     resource from the window's start revision; the store revision counts every write).
// The bench process itself holds a few watches (pods, leases, nodes, events): a small extra load.
// Prints figures; asserts nothing. Children are stopped by PID and the temp dirs removed on exit,
// failure or SIGINT (a second SIGINT kills the children at once).
//
//   cluster_bench --cube build/cube [--replicas 10000] [--deploy-nodes 100]
//                 [--sizes 100x3000,300x9000,1000x30000] [--window 60]
//                 [--scenarios deployment,growth] [--ramp 2000] [--settle-max 300]
//                 [--agent-threads 4] [--timeout 1200] [--keep]

#include "client/http_api_client.h"
#include "client/informer.h"
#include "common/json_util.h"
#include "support/bench_process.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace bj = boost::json;
using namespace cube::bench;
using cube::client::ApiClientPtr;
using cube::client::Resource;

namespace {

const Resource kPods{"", "v1", "pods", true};
const Resource kNodes{"", "v1", "nodes", false};
const Resource kEvents{"", "v1", "events", true};
const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};
const Resource kDeployments{"apps", "v1", "deployments", true};
const char* kAppLabel = "app=cluster-bench";

struct Size {
  int nodes = 0;
  int pods = 0;
};

struct Options {
  std::string cube = "build/cube";
  int replicas = 10000;
  int deployNodes = 100;
  std::vector<Size> sizes = {{100, 3000}, {300, 9000}, {1000, 30000}};
  int window = 60;
  bool deployment = true;
  bool growth = true;
  int agentThreads = 4;
  int timeout = 1200;   // seconds allowed for nodes Ready and for a deployment to complete
  int ramp = 0;         // > 0: grow Deployments in steps of this many replicas
  int settleMax = 300;  // seconds to wait for the writes to fall to the heartbeat rate
  bool keep = false;    // keep temp dirs (logs, store) for a post-mortem
};

// ---- the cluster ----------------------------------------------------------------------------

// A cube server plus one hollow-node agent process, in a temp dir; stopped and removed on
// destruction.
class Cluster {
 public:
  Cluster(const Options& o, int nodes, int capacityPods) : keep_(o.keep) {
    char tmpl[] = "/tmp/cube-cluster-bench.XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp");
    dir = tmpl;
    try {
      start(o, nodes, capacityPods);
    } catch (...) {
      stop();  // a throwing constructor gets no destructor call
      throw;
    }
  }

  ~Cluster() { stop(); }

  [[noreturn]] void fail(const std::string& why) {
    throw std::runtime_error(why + "\n  server.log:\n" + tail(dir + "/server.log", 15) +
                             "  agent.log:\n" + tail(dir + "/agent.log", 15));
  }

  std::string dir;
  std::string url;
  pid_t server = -1;
  pid_t agent = -1;
  ApiClientPtr client;
  double nodesReadySeconds = 0;

 private:
  void start(const Options& o, int nodes, int capacityPods) {
    auto started = startServer(o.cube, dir, {"--disable-agent", "--log-level", "warn"});
    server = started.pid;
    url = started.url;
    client = cube::client::HttpApiClient::fromUrl(url);

    auto start = Clock::now();
    agent = spawn({o.cube, "agent", "--runtime=fake", "--count", std::to_string(nodes),
                   "--node-name-prefix", "hollow-", "--kubeconfig", dir + "/kubeconfig",
                   "--capacity-pods", std::to_string(capacityPods), "--threads",
                   std::to_string(o.agentThreads), "--log-level", "warn"},
                  dir + "/agent.log", nullptr);
    int ready = 0;
    auto lastPrint = Clock::now();
    while ((ready = readyNodes()) < nodes) {
      if (!alive(agent)) fail("the agent exited");
      if (!alive(server)) fail("the server exited");
      if (secondsSince(start) > o.timeout) fail("nodes not Ready in time");
      if (secondsSince(lastPrint) >= 10) {
        std::printf("    %5.0f s: %d/%d nodes Ready\n", secondsSince(start), ready, nodes);
        std::fflush(stdout);
        lastPrint = Clock::now();
      }
      sleepFor(std::chrono::milliseconds(250));
    }
    nodesReadySeconds = secondsSince(start);
  }

  void stop() {
    stopChild(agent, "agent");
    stopChild(server, "server");
    if (keep_) {
      std::printf("  kept %s\n", dir.c_str());
    } else {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }

 public:
  int readyNodes() {
    int ready = 0;
    for (const auto& n : client->list(kNodes, "").items) {
      const auto* status = cube::json::getObject(*n, "status");
      const auto* conditions = status ? cube::json::getArray(*status, "conditions") : nullptr;
      if (!conditions) continue;
      for (const auto& c : *conditions) {
        if (!c.is_object()) continue;
        const auto& co = c.as_object();
        if (cube::json::getString(co, "type") == "Ready" &&
            cube::json::getString(co, "status") == "True") {
          ++ready;
        }
      }
    }
    return ready;
  }

  // The store's revision: every write anywhere bumps it.
  int64_t revision() {
    cube::client::ListOptions one;
    one.limit = 1;
    return std::stoll(client->list(kNodes, "", one).resourceVersion);
  }

 private:
  bool keep_;
};

// ---- watching ---------------------------------------------------------------------------------

// Runs one watch (re-watching where it ended; relisting via `onRelist` after a 410) on a thread
// and hands every event to `onEvent`.
class WatchLoop {
 public:
  using OnEvent = std::function<void(const cube::client::WatchEvent&, int64_t revision)>;

  WatchLoop(ApiClientPtr client, Resource resource, std::string labelSelector,
            std::string fromRevision, OnEvent onEvent,
            std::function<std::string()> onRelist = nullptr)
      : client_(std::move(client)),
        resource_(std::move(resource)),
        selector_(std::move(labelSelector)),
        onEvent_(std::move(onEvent)),
        onRelist_(std::move(onRelist)) {
    thread_ = std::thread([this, rv = std::move(fromRevision)] { run(rv); });
  }

  ~WatchLoop() {
    stopping_ = true;
    {
      std::lock_guard lock(mutex_);
      if (stream_) stream_->close();
    }
    thread_.join();
  }

  // LISTs after the first (each one a 410: the watch fell out of the server's history).
  int relists() const { return std::max(0, relists_ - 1); }
  bool failed() const { return failed_; }

 private:
  void run(std::string rv) {
    while (!stopping_) {
      try {
        if (rv.empty()) {
          if (!onRelist_) {
            failed_ = true;  // a counter cannot recover the events it missed
            return;
          }
          ++relists_;
          rv = onRelist_();
        }
        cube::client::WatchOptions options;
        options.labelSelector = selector_;
        options.resourceVersion = rv;
        auto stream = client_->watch(resource_, "", options);
        cube::client::WatchStream* s = stream.get();
        {
          std::lock_guard lock(mutex_);
          if (stopping_) return;
          stream_ = std::move(stream);
        }
        cube::client::WatchEvent event;
        while (!stopping_ && s->next(event)) {
          if (event.type == "ERROR") {
            rv.clear();
            break;
          }
          std::string eventRv;
          if (const auto* meta = cube::json::getObject(*event.object, "metadata")) {
            eventRv = cube::json::getString(*meta, "resourceVersion");
          }
          if (!eventRv.empty()) rv = eventRv;
          if (event.type != "BOOKMARK") onEvent_(event, eventRv.empty() ? 0 : std::stoll(eventRv));
        }
        std::lock_guard lock(mutex_);
        stream_.reset();
      } catch (const std::exception& e) {
        if (stopping_) return;
        auto* api = dynamic_cast<const cube::ApiError*>(&e);
        if (api && api->code() == 410) rv.clear();  // history gone: relist (or give up)
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
  }

  ApiClientPtr client_;
  Resource resource_;
  std::string selector_;
  OnEvent onEvent_;
  std::function<std::string()> onRelist_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> relists_{0};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;  // guards stream_
  std::unique_ptr<cube::client::WatchStream> stream_;
  std::thread thread_;
};

// Follows the bench's pods: how many exist, are scheduled and are Running, and when each count
// first reached the target.
class PodTracker {
 public:
  PodTracker(ApiClientPtr client, int target) : client_(client), target_(target) {
    loop_ = std::make_unique<WatchLoop>(
        client, kPods, kAppLabel, "",
        [this](const cube::client::WatchEvent& e, int64_t) { observe(e.type, *e.object); },
        [this] { return relist(); });
  }

  struct Counts {
    int created = 0, scheduled = 0, running = 0;
    double allCreated = -1, allScheduled = -1, allRunning = -1;  // seconds after `origin`
    double sinceLastEvent = 0;
  };

  // The moment the times are measured from (the Deployment's create).
  void setOrigin(Clock::time_point t) {
    std::lock_guard lock(mutex_);
    origin_ = t;
  }

  Counts counts() {
    std::lock_guard lock(mutex_);
    Counts c = counts_;
    c.sinceLastEvent = secondsSince(lastEvent_);
    return c;
  }
  int relists() const { return loop_->relists(); }

 private:
  enum : uint8_t { kScheduled = 1, kRunning = 2 };

  std::string relist() {
    cube::client::ListOptions selector;
    selector.labelSelector = kAppLabel;
    auto list = client_->list(kPods, "", selector);
    std::lock_guard lock(mutex_);
    state_.clear();
    counts_.created = counts_.scheduled = counts_.running = 0;
    for (const auto& pod : list.items) unsafeObserve("ADDED", *pod);
    return list.resourceVersion;
  }

  void observe(const std::string& type, const bj::object& pod) {
    std::lock_guard lock(mutex_);
    unsafeObserve(type, pod);
  }

  void unsafeObserve(const std::string& type, const bj::object& pod) {
    lastEvent_ = Clock::now();
    const auto* meta = cube::json::getObject(pod, "metadata");
    std::string name = meta ? cube::json::getString(*meta, "name") : "";
    uint8_t now = 0;
    if (const auto* spec = cube::json::getObject(pod, "spec")) {
      if (!cube::json::getString(*spec, "nodeName").empty()) now |= kScheduled;
    }
    if (const auto* status = cube::json::getObject(pod, "status")) {
      if (cube::json::getString(*status, "phase") == "Running") now |= kRunning;
    }
    auto it = state_.find(name);
    uint8_t before = it == state_.end() ? 0 : it->second;
    bool existed = it != state_.end();
    if (type == "DELETED") {
      if (existed) state_.erase(it);
      counts_.created -= existed;
      now = 0;
    } else {
      state_[name] = now;
      counts_.created += !existed;
    }
    counts_.scheduled += ((now & kScheduled) != 0) - ((before & kScheduled) != 0);
    counts_.running += ((now & kRunning) != 0) - ((before & kRunning) != 0);
    double t = std::chrono::duration<double>(lastEvent_ - origin_).count();
    if (counts_.allCreated < 0 && counts_.created >= target_) counts_.allCreated = t;
    if (counts_.allScheduled < 0 && counts_.scheduled >= target_) counts_.allScheduled = t;
    if (counts_.allRunning < 0 && counts_.running >= target_) counts_.allRunning = t;
  }

  ApiClientPtr client_;
  int target_;
  std::mutex mutex_;  // guards state_, counts_, origin_, lastEvent_
  std::unordered_map<std::string, uint8_t> state_;
  Counts counts_;
  Clock::time_point origin_ = Clock::now();
  Clock::time_point lastEvent_ = Clock::now();
  std::unique_ptr<WatchLoop> loop_;  // last: stopped before the state it feeds is destroyed
};

// Counts the writes to one resource with revisions in (from, until].
class WriteCounter {
 public:
  WriteCounter(ApiClientPtr client, Resource resource, int64_t from)
      : loop_(std::move(client), std::move(resource), "", std::to_string(from),
              [this](const cube::client::WatchEvent&, int64_t rv) {
                if (rv <= until_) ++count_;
              }) {}
  void setUntil(int64_t rv) { until_ = rv; }
  // -1 when the watch failed (e.g. the window's start fell out of the watch history).
  long count() const { return loop_.failed() ? -1 : count_.load(); }

 private:
  std::atomic<int64_t> until_{std::numeric_limits<int64_t>::max()};
  std::atomic<long> count_{0};
  WatchLoop loop_;
};

// ---- scenarios ----------------------------------------------------------------------------------

bj::object deploymentJson(int replicas) {
  bj::object labels{{"app", "cluster-bench"}};
  bj::object container{{"name", "web"}, {"image", "nginx:1.25"}};
  return bj::object{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", bj::object{{"name", "cluster-bench"}, {"namespace", "default"}}},
      {"spec",
       bj::object{
           {"replicas", replicas},
           {"selector", bj::object{{"matchLabels", labels}}},
           {"template", bj::object{{"metadata", bj::object{{"labels", labels}}},
                                   {"spec", bj::object{{"containers", bj::array{container}}}}}}}}};
}

struct DeployResult {
  PodTracker::Counts pods;
  double available = -1;  // seconds from the create until status.availableReplicas == replicas
  double serverCpu = 0, agentCpu = 0;  // CPU seconds spent from the create until available
  ProcSample server, agent;            // at the end (VmHWM = peak so far)
  int relists = 0;                     // of the bench's own pod watch (410s seen)
  int minReady = -1;                   // fewest nodes Ready seen on the way (sampled every 5 s)
};

// Creates the Deployment and waits until every pod is Running and the Deployment available.
// With `ramp` > 0 the Deployment starts at `ramp` replicas and is scaled up by `ramp` each time
// all its pods run.
DeployResult deploy(Cluster& cluster, PodTracker& tracker, int replicas, const Options& o) {
  DeployResult r;
  ProcSample server0 = sample(cluster.server), agent0 = sample(cluster.agent);
  auto start = Clock::now();
  tracker.setOrigin(start);
  int scale = o.ramp > 0 ? std::min(o.ramp, replicas) : replicas;
  cluster.client->create(kDeployments, "default", deploymentJson(scale));
  auto lastPrint = Clock::now(), lastReadyCheck = Clock::now() - std::chrono::seconds(10);
  while (true) {
    auto c = tracker.counts();
    if (scale < replicas && c.running >= scale) {
      scale = std::min(scale + o.ramp, replicas);
      cluster.client->patch(kDeployments, "default", "cluster-bench",
                            cube::client::PatchKind::Merge,
                            R"({"spec":{"replicas":)" + std::to_string(scale) + "}}");
    }
    if (secondsSince(lastReadyCheck) >= 5) {
      int ready = cluster.readyNodes();
      r.minReady = r.minReady < 0 ? ready : std::min(r.minReady, ready);
      lastReadyCheck = Clock::now();
    }
    if (r.available < 0) {
      auto d = cluster.client->get(kDeployments, "default", "cluster-bench");
      const auto* status = cube::json::getObject(d, "status");
      if (status && cube::json::getInt(*status, "availableReplicas") >= replicas) {
        r.available = secondsSince(start);
      }
    }
    if (r.available >= 0 && c.allRunning >= 0) break;
    if (!alive(cluster.agent)) cluster.fail("the agent exited");
    if (!alive(cluster.server)) cluster.fail("the server exited");
    if (secondsSince(start) > o.timeout) cluster.fail("the deployment did not complete in time");
    if (secondsSince(lastPrint) >= 10) {
      auto s = sample(cluster.server);
      std::printf(
          "    %5.0f s: %d created, %d scheduled, %d Running; server RSS %.0f MB; fewest nodes "
          "Ready so far %d\n",
          secondsSince(start), c.created, c.scheduled, c.running, s.rssMB, r.minReady);
      std::fflush(stdout);
      lastPrint = Clock::now();
    }
    sleepFor(std::chrono::milliseconds(200));
  }
  r.pods = tracker.counts();
  r.server = sample(cluster.server);
  r.agent = sample(cluster.agent);
  r.serverCpu = r.server.cpuSeconds - server0.cpuSeconds;
  r.agentCpu = r.agent.cpuSeconds - agent0.cpuSeconds;
  r.relists = tracker.relists();
  return r;
}

int capacityFor(int nodes, int pods) {
  int perNode = (pods + nodes - 1) / nodes;
  return std::max(110, 2 * perNode);
}

void runDeployment(const Options& o) {
  std::printf("\n== A: Deployment of %d replicas on %d hollow nodes ==\n", o.replicas,
              o.deployNodes);
  std::fflush(stdout);
  Cluster cluster(o, o.deployNodes, capacityFor(o.deployNodes, o.replicas));
  std::printf("  %d nodes Ready after %.1f s\n", o.deployNodes, cluster.nodesReadySeconds);
  PodTracker tracker(cluster.client, o.replicas);
  auto r = deploy(cluster, tracker, o.replicas, o);
  std::printf(
      "\n  | replicas | nodes | all created | all scheduled | all Running | available |"
      " server CPU | agent CPU | server peak RSS | agent peak RSS | fewest nodes Ready |\n");
  std::printf("  | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  std::printf(
      "  | %d | %d | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.0f MB |"
      " %.0f MB | %d |\n",
      o.replicas, o.deployNodes, r.pods.allCreated, r.pods.allScheduled, r.pods.allRunning,
      r.available, r.serverCpu, r.agentCpu, r.server.hwmMB, r.agent.hwmMB, r.minReady);
  if (r.relists) std::printf("  (the bench's pod watch relisted %d times)\n", r.relists);
  std::fflush(stdout);
}

struct GrowthRow {
  Size size;
  double nodesReady = 0;
  DeployResult deploy;
  double settle = 0;
  ProcSample server0, server1, agent0, agent1;
  double window = 0;
  int64_t writes = 0;
  long leases = 0, nodes = 0, pods = 0, events = 0;
  double podInformerMB = 0, podInformerSync = 0;
  int readyAtEnd = 0;
};

GrowthRow runSize(const Options& o, Size size) {
  std::printf("\n== B: %d nodes, %d pods ==\n", size.nodes, size.pods);
  std::fflush(stdout);
  GrowthRow row;
  row.size = size;
  Cluster cluster(o, size.nodes, capacityFor(size.nodes, size.pods));
  row.nodesReady = cluster.nodesReadySeconds;
  std::printf("  %d nodes Ready after %.1f s\n", size.nodes, row.nodesReady);
  PodTracker tracker(cluster.client, size.pods);
  row.deploy = deploy(cluster, tracker, size.pods, o);
  std::printf("  %d pods Running after %.1f s, Deployment available after %.1f s\n", size.pods,
              row.deploy.pods.allRunning, row.deploy.available);
  std::fflush(stdout);

  // Settled: no pod changed for 5 s and the store takes no more writes than the heartbeats
  // (a Lease every 10 s and a status every 60 s per node, ~1/s of leader election), so e.g. a
  // backlog of Events has drained. At least 10 s; at most --settle-max.
  double heartbeats = size.nodes / 10.0 + size.nodes / 60.0 + 1;
  auto settleStart = Clock::now();
  sleepFor(std::chrono::seconds(10));
  int64_t rev = cluster.revision();
  auto revAt = Clock::now();
  while (secondsSince(settleStart) < o.settleMax) {
    sleepFor(std::chrono::seconds(5));
    int64_t now = cluster.revision();
    double rate = (now - rev) / secondsSince(revAt);
    rev = now;
    revAt = Clock::now();
    if (tracker.counts().sinceLastEvent >= 5 && rate <= heartbeats * 1.2 + 1) break;
  }
  row.settle = secondsSince(settleStart);

  int64_t rev0 = cluster.revision();
  row.server0 = sample(cluster.server);
  row.agent0 = sample(cluster.agent);
  auto windowStart = Clock::now();
  WriteCounter leases(cluster.client, kLeases, rev0), nodes(cluster.client, kNodes, rev0),
      pods(cluster.client, kPods, rev0), events(cluster.client, kEvents, rev0);
  sleepFor(std::chrono::seconds(o.window));
  row.server1 = sample(cluster.server);
  row.agent1 = sample(cluster.agent);
  row.window = secondsSince(windowStart);
  int64_t rev1 = cluster.revision();
  for (auto* c : {&leases, &nodes, &pods, &events}) c->setUntil(rev1);
  sleepFor(std::chrono::seconds(2));  // let the counting watches catch up to rev1
  row.writes = rev1 - rev0;
  row.leases = leases.count();
  row.nodes = nodes.count();
  row.pods = pods.count();
  row.events = events.count();
  row.readyAtEnd = cluster.readyNodes();

  // What one more copy of every pod costs a client: the server process holds such informer
  // caches (controller manager, scheduler) beside its watch cache.
  malloc_trim(0);  // so the delta is not hidden by heap freed earlier
  double before = sample(getpid()).rssMB;
  {
    auto syncStart = Clock::now();
    cube::client::Informer probe(cluster.client, kPods);
    probe.start();
    probe.waitForSync(std::chrono::seconds(120));
    row.podInformerSync = secondsSince(syncStart);
    row.podInformerMB = sample(getpid()).rssMB - before;
    probe.stop();
  }
  malloc_trim(0);
  return row;
}

void printGrowth(const std::vector<GrowthRow>& rows) {
  std::printf(
      "\nReaching the size (fresh cluster each; times from the agent's start and from "
      "the Deployment's create):\n\n");
  std::printf(
      "| nodes | pods | nodes Ready | pods scheduled | pods Running | available |"
      " server CPU | agent CPU | server peak RSS | agent peak RSS | fewest nodes Ready |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const auto& r : rows) {
    std::printf(
        "| %d | %d | %.1f s | %.1f s | %.1f s | %.1f s | %.0f s | %.0f s | %.0f MB |"
        " %.0f MB | %d |\n",
        r.size.nodes, r.size.pods, r.nodesReady, r.deploy.pods.allScheduled,
        r.deploy.pods.allRunning, r.deploy.available, r.deploy.serverCpu, r.deploy.agentCpu,
        r.deploy.server.hwmMB, r.deploy.agent.hwmMB, r.deploy.minReady);
  }
  std::printf("\nSteady state (after settling; CPU in %% of one core over the window):\n\n");
  std::printf(
      "| nodes (Ready) | pods | window | server RSS | server HWM | server CPU | agent RSS |"
      " agent HWM | agent CPU | writes/s | leases/s | nodes/s | pods/s | events/s |"
      " other/s |\n");
  std::printf(
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      " ---: | ---: | ---: | ---: |\n");
  for (const auto& r : rows) {
    double w = r.window;
    auto cpu = [w](const ProcSample& a, const ProcSample& b) {
      return 100 * (b.cpuSeconds - a.cpuSeconds) / w;
    };
    auto rate = [w](long n) { return n < 0 ? -1.0 : n / w; };
    long known = r.leases + r.nodes + r.pods + r.events;
    bool allKnown = r.leases >= 0 && r.nodes >= 0 && r.pods >= 0 && r.events >= 0;
    std::printf(
        "| %d (%d) | %d | %.0f s | %.0f MB | %.0f MB | %.1f %% | %.0f MB | %.0f MB | %.1f %% |"
        " %.1f | %.1f | %.2f | %.2f | %.2f | %.2f |\n",
        r.size.nodes, r.readyAtEnd, r.size.pods, w, r.server1.rssMB, r.server1.hwmMB,
        cpu(r.server0, r.server1), r.agent1.rssMB, r.agent1.hwmMB, cpu(r.agent0, r.agent1),
        r.writes / w, rate(r.leases), rate(r.nodes), rate(r.pods), rate(r.events),
        allKnown ? (r.writes - known) / w : -1.0);
  }
  std::printf(
      "(-1: that resource's watch could not be followed; settling (until pods are quiet and "
      "the writes are down to the heartbeats) took");
  for (const auto& r : rows) std::printf(" %.0f s", r.settle);
  std::printf(")\n");
  std::printf(
      "\nOne more informer over all pods (LIST + WATCH, cached as the server's own "
      "informers cache them), in the bench process:\n\n");
  std::printf("| pods | sync time | RSS added |\n| ---: | ---: | ---: |\n");
  for (const auto& r : rows) {
    std::printf("| %d | %.2f s | %.0f MB |\n", r.size.pods, r.podInformerSync, r.podInformerMB);
  }
  std::fflush(stdout);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--keep") {
      o.keep = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument("flag " + k + " needs a value");
    std::string v = argv[++i];
    if (k == "--cube") {
      o.cube = v;
    } else if (k == "--replicas") {
      o.replicas = std::stoi(v);
    } else if (k == "--deploy-nodes") {
      o.deployNodes = std::stoi(v);
    } else if (k == "--window") {
      o.window = std::stoi(v);
    } else if (k == "--agent-threads") {
      o.agentThreads = std::stoi(v);
    } else if (k == "--settle-max") {
      o.settleMax = std::stoi(v);
    } else if (k == "--ramp") {
      o.ramp = std::stoi(v);
    } else if (k == "--timeout") {
      o.timeout = std::stoi(v);
    } else if (k == "--scenarios") {
      o.deployment = v.find("deployment") != std::string::npos;
      o.growth = v.find("growth") != std::string::npos;
    } else if (k == "--sizes") {
      o.sizes.clear();
      std::stringstream ss(v);
      std::string part;
      while (std::getline(ss, part, ',')) {
        auto x = part.find('x');
        if (x == std::string::npos) throw std::invalid_argument("--sizes wants NODESxPODS,...");
        o.sizes.push_back({std::stoi(part.substr(0, x)), std::stoi(part.substr(x + 1))});
      }
    } else {
      throw std::invalid_argument("unknown flag " + k);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cluster_bench: %s\n", e.what());
    return 2;
  }
  installProcessHandling();

  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("cluster_bench: %s, %ld cores, load average %.2f %.2f %.2f at start\n",
              o.cube.c_str(), sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
  std::fflush(stdout);
  try {
    int failures = 0;
    // A failed scenario or size is reported and the next one still runs.
    auto attempt = [&failures](const std::string& what, const std::function<void()>& fn) {
      try {
        fn();
      } catch (const Interrupted&) {
        throw;
      } catch (const std::exception& e) {
        ++failures;
        std::printf("\n%s failed: %s\n", what.c_str(), e.what());
        std::fflush(stdout);
      }
    };
    if (o.deployment) attempt("the deployment scenario", [&] { runDeployment(o); });
    if (o.growth) {
      std::vector<GrowthRow> rows;
      for (const auto& size : o.sizes) {
        attempt("size " + std::to_string(size.nodes) + "x" + std::to_string(size.pods), [&] {
          rows.push_back(runSize(o, size));
          printGrowth({rows.back()});  // now, in case a later size fails or hangs
        });
      }
      if (rows.size() > 1) {
        std::printf("\n== all sizes ==\n");
        printGrowth(rows);
      }
    }
    if (failures) return 1;
  } catch (const Interrupted&) {
    std::printf("\ninterrupted: children stopped, temp dirs removed\n");
    return 130;
  }
  getloadavg(load, 3);
  std::printf("load average %.2f %.2f %.2f at the end\n", load[0], load[1], load[2]);
  return 0;
}
