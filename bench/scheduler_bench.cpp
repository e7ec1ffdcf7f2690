// scheduler_bench: scheduler throughput against an in-process API server on the memory store.
// For each node count: N Node objects (32 cpu, 64Gi, 110 pods, Ready), M pending pods (100m,
// 128Mi, 10 ReplicaSet owners), then the Scheduler starts; the figure is pods bound per second
// from start() until the API has accepted every binding (the informers' initial LIST included).
// Afterwards it checks through the API that no pod is left unbound and no node is overcommitted.
// Prints figures; asserts nothing.
//
//   scheduler_bench [--nodes 1000,5000] [--pods 10000] [--bind-threads 16] [--no-events]

#include "apiserver/api_server.h"
#include "client/http_api_client.h"
#include "common/json_util.h"
#include "common/log.h"
#include "scheduler/scheduler.h"
#include "store/memory/memory_store.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bj = boost::json;
using SteadyClock = std::chrono::steady_clock;
using cube::client::Resource;

namespace {

const Resource kPods{"", "v1", "pods", true};
const Resource kNodes{"", "v1", "nodes", false};

struct Options {
  std::vector<int> nodes = {1000, 5000};
  int pods = 10000;
  size_t bindThreads = 16;
  bool events = true;
  int writers = 16;
};

std::vector<int> parseList(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoi(item));
  return out;
}

double seconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

bj::object node(int i) {
  std::string name = "hollow-" + std::to_string(i);
  bj::object resources{{"cpu", "32"}, {"memory", "64Gi"}, {"pods", "110"}};
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       bj::object{{"name", name}, {"labels", bj::object{{"kubernetes.io/hostname", name}}}}},
      {"status",
       bj::object{{"allocatable", resources},
                  {"capacity", resources},
                  {"conditions", bj::array{bj::object{{"type", "Ready"}, {"status", "True"}}}}}}};
}

bj::object pod(int i) {
  std::string owner = "rs-" + std::to_string(i % 10);
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", bj::object{{"name", "pod-" + std::to_string(i)},
                              {"namespace", "default"},
                              {"labels", bj::object{{"app", owner}}},
                              {"ownerReferences", bj::array{bj::object{{"apiVersion", "apps/v1"},
                                                                       {"kind", "ReplicaSet"},
                                                                       {"name", owner},
                                                                       {"uid", owner + "-uid"},
                                                                       {"controller", true}}}}}},
      {"spec",
       bj::object{
           {"containers",
            bj::array{bj::object{
                {"name", "c"},
                {"image", "busybox"},
                {"resources",
                 bj::object{{"requests", bj::object{{"cpu", "100m"}, {"memory", "128Mi"}}}}}}}}}}};
}

// Creates objects [0, count) with `writers` threads.
void createAll(cube::client::ApiClient& client, const Resource& r, const std::string& ns, int count,
               int writers, bj::object (*make)(int)) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) client.create(r, ns, make(i));
    });
  }
  for (auto& t : threads) t.join();
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void run(int nodes, const Options& o) {
  cube::apiserver::ApiServerOptions serverOptions;
  serverOptions.port = 0;
  serverOptions.workerThreads = 8;
  auto server = cube::apiserver::makeApiServer(serverOptions, cube::store::makeMemoryStore());
  server->start();
  auto client = std::make_shared<cube::client::HttpApiClient>("127.0.0.1", server->port());

  auto t0 = SteadyClock::now();
  createAll(*client, kNodes, "", nodes, o.writers, node);
  createAll(*client, kPods, "default", o.pods, o.writers, pod);
  double setup = seconds(SteadyClock::now() - t0);

  cube::scheduler::SchedulerOptions so;
  so.bindThreads = o.bindThreads;
  so.recordScheduledEvents = o.events;
  cube::scheduler::Scheduler scheduler(client, so);
  double cpu0 = cpuSeconds();
  auto start = SteadyClock::now();
  scheduler.start();
  scheduler.waitForSync(std::chrono::minutes(5));
  auto synced = SteadyClock::now();
  while (scheduler.stats().bound + scheduler.stats().bindFailures < static_cast<uint64_t>(o.pods)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (SteadyClock::now() - start > std::chrono::minutes(5)) break;
  }
  auto end = SteadyClock::now();
  double cpu = cpuSeconds() - cpu0;
  auto stats = scheduler.stats();
  scheduler.stop();

  // Check through the API: everything bound, no node over its 110 pods / 32 cpu.
  std::map<std::string, int> perNode;
  int unbound = 0;
  for (const auto& p : client->list(kPods, "default").items) {
    std::string n = cube::json::getString(*cube::json::getObject(*p, "spec"), "nodeName");
    if (n.empty())
      ++unbound;
    else
      ++perNode[n];
  }
  int maxPerNode = 0;
  for (auto& [n, c] : perNode) maxPerNode = std::max(maxPerNode, c);
  server->stop();

  double total = seconds(end - start);
  double afterSync = seconds(end - synced);
  std::printf(
      "| %d | %d | %.2f s | %.0f | %.0f | %.2f s | %llu | %d | %zu | %d | %.1f s | %llu |\n", nodes,
      o.pods, total, stats.bound / total, stats.bound / std::max(afterSync, 1e-9),
      seconds(synced - start), static_cast<unsigned long long>(stats.bindFailures), unbound,
      perNode.size(), maxPerNode, cpu, static_cast<unsigned long long>(stats.eventsDropped));
  std::fflush(stdout);
  (void)setup;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--nodes")
      o.nodes = parseList(value());
    else if (a == "--pods")
      o.pods = std::stoi(value());
    else if (a == "--bind-threads")
      o.bindThreads = std::stoul(value());
    else if (a == "--no-events")
      o.events = false;
    else {
      std::fprintf(stderr,
                   "usage: scheduler_bench [--nodes 1000,5000] [--pods 10000] "
                   "[--bind-threads 16] [--no-events]\n");
      return 2;
    }
  }
  cube::log::setLevel(cube::log::Level::Warn);
  std::printf("scheduler_bench: %d pods, %zu bind threads, Scheduled events %s\n\n", o.pods,
              o.bindThreads, o.events ? "on" : "off");
  std::printf(
      "| nodes | pods | start -> all bound | pods/s (incl. sync) | pods/s (after sync) | "
      "informer sync | bind failures | unbound | nodes used | max pods/node | process CPU | "
      "events dropped |\n");
  std::printf(
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (int n : o.nodes) run(n, o);
  return 0;
}
