// Throughput of the SQLite store's group commit and latency of its reads.
//
//   store_bench [seconds-per-run]   (default 3)
//
// For 1, 8, 32 and 64 writer threads, each thread creates keys with ~1 KB values for a fixed time
// on a fresh database in a temporary directory; prints acknowledged creates/s. Then times single
// gets of random existing keys (p50/p99), on an idle store and while 32 writers run. The temporary
// directory is removed at the end.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using cube::store::Error;
using cube::store::StorePtr;

const std::string kValue(1024, 'x');

std::string keyOf(int thread, int64_t i) {
  return "/registry/configmaps/bench/t" + std::to_string(thread) + "-" + std::to_string(i);
}

struct WriteRun {
  int64_t creates = 0;
  double seconds = 0;
  std::vector<int64_t> perThread;
};

// Each of `threads` writers creates keys until `stop`; returns what was acknowledged.
WriteRun runWriters(const StorePtr& store, int threads, double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  WriteRun run;
  run.perThread.assign(threads, 0);
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        if (store->create(keyOf(t, i), kValue).error != Error::None) {
          failed = true;
          return;
        }
        ++run.perThread[t];
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (int64_t n : run.perThread) run.creates += n;
  if (failed) std::fprintf(stderr, "a create failed\n");
  return run;
}

struct Latency {
  double p50us = 0, p99us = 0;
};

Latency timeGets(const StorePtr& store, const WriteRun& written, int samples) {
  std::mt19937_64 rng(42);
  std::vector<double> us;
  us.reserve(samples);
  int threads = static_cast<int>(written.perThread.size());
  for (int s = 0; s < samples; ++s) {
    int t = static_cast<int>(rng() % threads);
    if (written.perThread[t] == 0) continue;
    int64_t i = static_cast<int64_t>(rng() % written.perThread[t]);
    auto start = Clock::now();
    auto r = store->get(keyOf(t, i));
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (r.error != Error::None) std::fprintf(stderr, "get failed: %s\n", errorName(r.error));
  }
  std::sort(us.begin(), us.end());
  if (us.empty()) return {};
  return Latency{us[us.size() / 2], us[us.size() * 99 / 100]};
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  std::string tmpl = (std::filesystem::temp_directory_path() / "cube-store-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("mkdtemp");
    return 1;
  }
  std::filesystem::path dir = tmpl;
  std::printf("SQLite store, WAL + synchronous=FULL, %zu-byte values, %.1f s per run\n",
              kValue.size(), seconds);
  std::printf("%8s %12s %12s\n", "writers", "creates", "creates/s");
  StorePtr keep;
  WriteRun keepRun;
  for (int threads : {1, 8, 32, 64}) {
    std::filesystem::path path = dir / ("w" + std::to_string(threads) + ".sqlite");
    StorePtr store = cube::store::makeSqliteStore(path.string());
    WriteRun run = runWriters(store, threads, seconds);
    std::printf("%8d %12lld %12.0f\n", threads, static_cast<long long>(run.creates),
                run.creates / run.seconds);
    std::fflush(stdout);
    if (threads == 32) {
      keep = store;
      keepRun = run;
    }
  }

  Latency idle = timeGets(keep, keepRun, 20000);
  std::printf("get, idle store (%lld keys): p50 %.1f us, p99 %.1f us\n",
              static_cast<long long>(keepRun.creates), idle.p50us, idle.p99us);

  // Gets while 32 writers keep committing into a second key space of the same store.
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 32; ++t) {
    writers.emplace_back([&, t] {
      for (int64_t i = 0; !stop; ++i) keep->create(keyOf(1000 + t, i), kValue);
    });
  }
  Latency busy = timeGets(keep, keepRun, 20000);
  stop = true;
  for (auto& w : writers) w.join();
  std::printf("get, during 32 writers:      p50 %.1f us, p99 %.1f us\n", busy.p50us, busy.p99us);

  keep.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
