#pragma once
// ExitWatcher: one thread that follows many processes through their pidfds (poll(2) tells when a
// process ends, whether or not it is this process's child) and fires per-process deadlines (the
// end of a stop's grace period). It only tells; reaping, signalling and recording are the
// caller's, done in the callbacks, which run on the watcher's thread and never under its lock.
//
// Thread-safe. Lock order: a caller may hold its own lock while calling in; the callbacks are
// called with no watcher lock held, so they may take the caller's.

#include "runtime/images/file_util.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace cube::runtime::crun {

class ExitWatcher {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using Callback = std::function<void(const std::string& id)>;

  // `onExit(id)`: the process ended (it is no longer watched). `onDeadline(id)`: its deadline
  // passed (the deadline is cleared; the process is still watched).
  ExitWatcher(Callback onExit, Callback onDeadline);
  // Stops the thread; the processes are left alone.
  ~ExitWatcher();
  ExitWatcher(const ExitWatcher&) = delete;
  ExitWatcher& operator=(const ExitWatcher&) = delete;

  // Follows the process of `pidfd` (duplicated: the caller keeps its own) as `id`, replacing
  // what `id` was.
  void watch(const std::string& id, int pidfd);
  void unwatch(const std::string& id);
  // Fires onDeadline at `when`; an earlier deadline already set is kept.
  void setDeadline(const std::string& id, SteadyTime when);

 private:
  struct Entry {
    std::shared_ptr<images::UniqueFd> pidfd;  // shared with a poll in progress
    std::optional<SteadyTime> deadline;
    uint64_t generation = 0;
  };
  void loop();
  void wake();

  Callback onExit_, onDeadline_;
  images::UniqueFd wakeFd_;  // eventfd: a change of entries_ or stopping_
  std::mutex mutex_;         // guards entries_, nextGeneration_, stopping_
  std::map<std::string, Entry> entries_;
  uint64_t nextGeneration_ = 1;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above is ready
};

}  // namespace cube::runtime::crun
