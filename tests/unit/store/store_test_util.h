#pragma once
// Helpers shared by the store tests: a temporary directory and a watch event collector.

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

namespace cube::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cube-store-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Collects watch events; waits (bounded, for liveness only) until a count is reached.
class Collector {
 public:
  WatchCallback callback() {
    return [this](const std::vector<Event>& events) {
      std::lock_guard lock(mutex_);
      events_.insert(events_.end(), events.begin(), events.end());
      changed_.notify_all();
    };
  }
  std::vector<Event> waitFor(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(30), [&] { return events_.size() >= count; });
    return events_;
  }
  std::vector<Event> snapshot() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Event> events_;
};

}  // namespace cube::store::testing
