#pragma once
// WatchHub: the fan-out of committed events to watchers, shared by the store backends.
//
// A backend publishes every committed event exactly once, in revision order. Each watcher keeps the
// next revision it expects; published events below it are skipped, which is how a backend makes
// "replay history, then continue live" gap-free and duplicate-free: it reads history up to some
// revision S while holding the lock that orders publish() calls, and registers the watcher with
// next = S + 1 and the history as its replay.
//
// Callbacks run on the hub's single dispatcher thread (never one thread per watch), one watcher at
// a time, each watcher's events in revision order. Publishing only appends to per-watcher queues,
// so a slow callback delays other watchers' delivery but never blocks writers; the cost is memory
// for the events queued behind it.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace cube::store {

class WatchHub {
 public:
  WatchHub();
  // Stops the dispatcher; undelivered events are dropped. Handles may outlive the hub.
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Registers a watcher for keys starting with `prefix`: `replay` (already filtered, in revision
  // order) is delivered first, then published events with revision >= `nextRevision`.
  WatchHandlePtr add(std::string prefix, std::vector<Event> replay, Revision nextRevision,
                     WatchCallback cb);

  // Hands over committed events, in revision order and after every earlier publish().
  void publish(const std::vector<Event>& events);

 private:
  struct Watcher;
  struct Shared;
  class Handle;

  static void run(const std::shared_ptr<Shared>& shared);

  std::shared_ptr<Shared> shared_;  // also owned by every handle, so handles may outlive the hub
  std::thread dispatcher_;
};

}  // namespace cube::store
