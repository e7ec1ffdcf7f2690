#include "controllers/slow_start.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace cube::controllers {

namespace {

std::string describe(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace

BatchResult slowStartBatch(int count, int initialBatchSize, int parallelism,
                           const std::function<void()>& write) {
  BatchResult result;
  int remaining = count;
  for (int batch = std::min(remaining, std::max(1, initialBatchSize)); batch > 0;
       batch = std::min(2 * batch, remaining)) {
    std::atomic<int> next{0};
    std::atomic<int> ok{0};
    std::mutex errorMutex;  // guards result.firstError while the batch runs
    auto work = [&] {
      while (next.fetch_add(1) < batch) {
        try {
          write();
          ++ok;
        } catch (...) {
          auto error = std::current_exception();
          std::lock_guard lock(errorMutex);
          if (result.firstError.empty()) result.firstError = describe(error);
        }
      }
    };
    int threads = std::min(batch, std::max(1, parallelism));
    if (threads == 1) {
      work();
    } else {
      std::vector<std::thread> pool;
      for (int i = 0; i < threads; ++i) pool.emplace_back(work);
      for (auto& t : pool) t.join();
    }
    result.successes += ok;
    result.attempted += batch;
    remaining -= batch;
    if (ok != batch) break;
  }
  return result;
}

}  // namespace cube::controllers
