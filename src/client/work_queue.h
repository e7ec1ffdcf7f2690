#pragma once
// WorkQueue: the queue between a controller's event handlers and its workers. Handlers add
// `namespace/name` keys; workers get() a key, reconcile it and call done(). The queue guarantees:
//  - a key waiting in the queue is there once, however often it is added (events coalesce);
//  - a key is handed to one worker at a time: added while being processed, it is marked dirty and
//    queued again when that worker calls done(), so no event is lost and no two workers race;
//  - failed keys come back later (addRateLimited) with a per-key exponential backoff bounded by
//    an overall token bucket; forget() after a success resets the key's backoff.
// The rate limiters live here because they exist only to feed this queue.

#include "client/fake_clock.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cube::client {

// How long a key must wait before its next retry. Implementations are thread-safe.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Records one more failure of `key` and returns how long to wait before retrying it.
  virtual Duration when(const std::string& key) = 0;
  // The key succeeded: its failures are forgotten.
  virtual void forget(const std::string& key) = 0;
  // Failures recorded for `key` since the last forget().
  virtual int numRequeues(const std::string& key) const = 0;
};
using RateLimiterPtr = std::unique_ptr<RateLimiter>;

// base * 2^failures, capped at `max`: 5ms, 10ms, 20ms, ... for the default base.
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Duration base, Duration max);
  Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int numRequeues(const std::string& key) const override;

 private:
  const Duration base_;
  const Duration max_;
  mutable std::mutex mutex_;                       // guards failures_
  std::unordered_map<std::string, int> failures_;  // key -> failures since forget
};

// One bucket for all keys: `burst` tokens, refilled at `qps`. Each when() takes a token; when
// the bucket is empty the caller waits for the token it reserved (tokens may go negative, so
// later callers queue behind earlier ones). Protects the API server from a storm of retries.
class TokenBucketRateLimiter : public RateLimiter {
 public:
  TokenBucketRateLimiter(double qps, int burst, cube::ClockPtr clock);
  Duration when(const std::string& key) override;
  void forget(const std::string& key) override {}
  int numRequeues(const std::string& key) const override { return 0; }

 private:
  const double qps_;
  const double burst_;
  const cube::ClockPtr clock_;
  std::mutex mutex_;  // guards tokens_ and last_
  double tokens_;
  TimePoint last_;
};

// The longest delay any of its limiters asks for.
class MaxOfRateLimiter : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<RateLimiterPtr> limiters);
  Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int numRequeues(const std::string& key) const override;

 private:
  const std::vector<RateLimiterPtr> limiters_;  // immutable; each is thread-safe
};

// Per-key backoff 5ms .. 1000s combined with a 10 qps, burst 100 bucket.
RateLimiterPtr defaultControllerRateLimiter(cube::ClockPtr clock);

class WorkQueue {
 public:
  // `limiter` defaults to defaultControllerRateLimiter(clock). Starts the timer thread that
  // moves delayed keys into the queue when their time comes.
  explicit WorkQueue(ClockPtr clock = realClock(), RateLimiterPtr limiter = nullptr);
  // Shuts down and joins the timer thread. Workers must have returned from get() first.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is already queued; if a worker holds it, it is queued again on done().
  // Ignored after shutDown().
  void add(const std::string& key);
  // Blocks until a key is available and hands it to the caller, who must call done(key) when
  // finished. nullopt once shutDown() was called: workers stop at once and keys still queued are
  // dropped (reconciles are level-triggered; the next start lists everything again).
  std::optional<std::string> get();
  // The worker finished `key`; if it was added meanwhile it is queued again.
  void done(const std::string& key);
  // Keys ready to be handed out (not counting those being processed or waiting for a delay).
  size_t len() const;
  // Wakes every get() and the timer; later adds are ignored.
  void shutDown();
  bool shuttingDown() const;

  // Adds `key` once `delay` has passed on the clock (at once if delay <= 0). A key already
  // waiting keeps the earlier of its two ready times.
  void addAfter(const std::string& key, Duration delay);
  // addAfter(key, limiter.when(key)): for a reconcile that failed.
  void addRateLimited(const std::string& key);
  // The key's reconcile succeeded: reset its backoff. Does not remove it from the queue.
  void forget(const std::string& key);
  int numRequeues(const std::string& key) const;

 private:
  void unsafeAdd(const std::string& key);
  void timerLoop();

  const ClockPtr clock_;
  const RateLimiterPtr limiter_;  // thread-safe on its own; never called with mutex_ held

  // Guards everything below. Lock order: mutex_ is a leaf (the clock's lock, when a fake clock
  // wakes the timer, is taken before it, never after).
  mutable std::mutex mutex_;
  std::condition_variable ready_;  // workers: queue_ non-empty or shutting down
  std::condition_variable timer_;  // timer thread: an earlier deadline or shutting down
  std::deque<std::string> queue_;  // keys to hand out, FIFO; each at most once
  // Keys that need processing: every key in queue_, plus keys added while processing.
  std::unordered_set<std::string> dirty_;
  std::unordered_set<std::string> processing_;  // keys held by a worker (get() without done())
  bool shuttingDown_ = false;
  // Delayed keys ordered by ready time, then arrival; waitingAt_ finds a key's entry.
  using WaitingEntry = std::tuple<TimePoint, uint64_t, std::string>;
  std::set<WaitingEntry> waiting_;
  std::unordered_map<std::string, std::pair<TimePoint, uint64_t>> waitingAt_;
  uint64_t waitingSeq_ = 0;

  std::thread timerThread_;  // last: starts after every member above exists
};

}  // namespace cube::client
