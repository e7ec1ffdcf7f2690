#include "scheduler/scheduling_queue.h"

namespace cube::scheduler {

SchedulingQueue::SchedulingQueue(client::ClockPtr clock, QueueOptions options)
    : clock_(std::move(clock)), options_(options) {}

void SchedulingQueue::addOrUpdate(const PodInfoPtr& pod, bool relevantChange) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  auto it = entries_.find(pod->key);
  if (it == entries_.end()) {
    Entry& e = entries_[pod->key];
    e.pod = pod;
    e.seq = nextSeq_++;
    unsafeToActive(pod->key, e);
    ++changes_;
    changed_.notify_one();
    return;
  }
  Entry& e = it->second;
  switch (e.state) {
    case State::Active:
      // Keeps its place (its order key holds the old object's creationTimestamp).
      unsafeDetach(pod->key, e);
      e.pod = pod;
      unsafeToActive(pod->key, e);
      break;
    case State::Backoff:
      e.pod = pod;  // the next attempt reads the new object
      break;
    case State::InFlight:
      e.pod = pod;
      if (relevantChange) e.changedInFlight = true;
      break;
    case State::Unschedulable:
      e.pod = pod;
      if (relevantChange) {
        unsafeDetach(pod->key, e);
        unsafeToBackoffOrActive(pod->key, e, clock_->now());
        ++changes_;
        changed_.notify_one();
      }
      break;
  }
}

void SchedulingQueue::remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  unsafeDetach(key, it->second);
  entries_.erase(it);
}

std::optional<QueuedPod> SchedulingQueue::pop() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (closed_) return std::nullopt;
    unsafeFlush(clock_->now());
    if (!active_.empty()) {
      auto first = active_.begin();
      std::string key = std::get<2>(*first);
      active_.erase(first);
      Entry& e = entries_.at(key);
      e.state = State::InFlight;
      e.cycle = ++cycle_;
      e.changedInFlight = false;
      return QueuedPod{e.pod, e.cycle, e.attempts};
    }
    TimePoint deadline = TimePoint::max();
    if (!backoff_.empty()) deadline = std::min(deadline, std::get<0>(*backoff_.begin()));
    if (!unschedulable_.empty()) {
      deadline = std::min(deadline, std::get<0>(*unschedulable_.begin()) +
                                        std::chrono::duration_cast<TimePoint::duration>(
                                            options_.maxUnschedulableStay));
    }
    // Any change may bring an earlier deadline (a pod moved to backoff), so a wake-up that
    // changed the queue ends the wait and the deadline is computed again.
    const uint64_t seen = changes_;
    clock_->waitUntil(lock, changed_, deadline, [&] {
      if (closed_ || !active_.empty() || changes_ != seen) return true;
      TimePoint now = clock_->now();
      return !backoff_.empty() && std::get<0>(*backoff_.begin()) <= now;
    });
  }
}

void SchedulingQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.state != State::InFlight) return;
  entries_.erase(it);
}

void SchedulingQueue::addUnschedulable(const QueuedPod& attempt) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(attempt.pod->key);
  // Gone (deleted, or bound by someone else) while we tried: nothing to retry.
  if (it == entries_.end() || it->second.state != State::InFlight) return;
  Entry& e = it->second;
  e.attempts++;
  e.lastFailure = clock_->now();
  if (e.changedInFlight || moveCycle_ >= attempt.cycle) {
    unsafeToBackoff(attempt.pod->key, e);
  } else {
    e.state = State::Unschedulable;
    unschedulable_.emplace(e.lastFailure, e.seq, attempt.pod->key);
  }
  ++changes_;
  changed_.notify_one();
}

void SchedulingQueue::addBackoff(const PodInfoPtr& pod) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  auto [it, added] = entries_.try_emplace(pod->key);
  Entry& e = it->second;
  if (added)
    e.seq = nextSeq_++;
  else
    unsafeDetach(pod->key, e);
  e.pod = pod;
  e.attempts++;
  e.lastFailure = clock_->now();
  unsafeToBackoff(pod->key, e);
  ++changes_;
  changed_.notify_one();
}

void SchedulingQueue::moveAllToActiveOrBackoff() {
  std::lock_guard lock(mutex_);
  moveCycle_ = cycle_;
  if (unschedulable_.empty()) return;
  TimePoint now = clock_->now();
  std::set<Order> pending;
  pending.swap(unschedulable_);
  for (const Order& o : pending) {
    const std::string& key = std::get<2>(o);
    unsafeToBackoffOrActive(key, entries_.at(key), now);
  }
  ++changes_;
  changed_.notify_one();
}

void SchedulingQueue::moveToActiveOrBackoff(const std::function<bool(const PodInfo&)>& which) {
  std::lock_guard lock(mutex_);
  moveCycle_ = cycle_;
  TimePoint now = clock_->now();
  bool moved = false;
  for (auto it = unschedulable_.begin(); it != unschedulable_.end();) {
    const std::string key = std::get<2>(*it);
    Entry& e = entries_.at(key);
    if (!which(*e.pod)) {
      ++it;
      continue;
    }
    it = unschedulable_.erase(it);
    unsafeToBackoffOrActive(key, e, now);
    moved = true;
  }
  if (moved) {
    ++changes_;
    changed_.notify_one();
  }
}

void SchedulingQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

size_t SchedulingQueue::activeCount() const {
  std::lock_guard lock(mutex_);
  return active_.size();
}

size_t SchedulingQueue::backoffCount() const {
  std::lock_guard lock(mutex_);
  return backoff_.size();
}

size_t SchedulingQueue::unschedulableCount() const {
  std::lock_guard lock(mutex_);
  return unschedulable_.size();
}

bool SchedulingQueue::contains(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return entries_.contains(key);
}

client::Duration SchedulingQueue::unsafeBackoffFor(const Entry& e) const {
  client::Duration d = options_.initialBackoff;
  for (int i = 1; i < e.attempts && d < options_.maxBackoff; ++i) d *= 2;
  return std::min(d, options_.maxBackoff);
}

void SchedulingQueue::unsafeDetach(const std::string& key, Entry& e) {
  switch (e.state) {
    case State::Active:
      active_.erase({e.pod->created, e.seq, key});
      break;
    case State::Backoff:
      backoff_.erase({e.readyAt, e.seq, key});
      break;
    case State::Unschedulable:
      unschedulable_.erase({e.lastFailure, e.seq, key});
      break;
    case State::InFlight:
      break;
  }
}

void SchedulingQueue::unsafeToActive(const std::string& key, Entry& e) {
  e.state = State::Active;
  active_.emplace(e.pod->created, e.seq, key);
}

void SchedulingQueue::unsafeToBackoff(const std::string& key, Entry& e) {
  e.state = State::Backoff;
  e.readyAt = e.lastFailure + std::chrono::duration_cast<TimePoint::duration>(unsafeBackoffFor(e));
  backoff_.emplace(e.readyAt, e.seq, key);
}

void SchedulingQueue::unsafeToBackoffOrActive(const std::string& key, Entry& e, TimePoint now) {
  TimePoint readyAt =
      e.lastFailure + std::chrono::duration_cast<TimePoint::duration>(unsafeBackoffFor(e));
  if (e.attempts > 0 && readyAt > now) {
    unsafeToBackoff(key, e);
  } else {
    unsafeToActive(key, e);
  }
}

void SchedulingQueue::unsafeFlush(TimePoint now) {
  while (!backoff_.empty() && std::get<0>(*backoff_.begin()) <= now) {
    std::string key = std::get<2>(*backoff_.begin());
    backoff_.erase(backoff_.begin());
    unsafeToActive(key, entries_.at(key));
  }
  auto stay = std::chrono::duration_cast<TimePoint::duration>(options_.maxUnschedulableStay);
  while (!unschedulable_.empty() && std::get<0>(*unschedulable_.begin()) + stay <= now) {
    std::string key = std::get<2>(*unschedulable_.begin());
    unschedulable_.erase(unschedulable_.begin());
    unsafeToActive(key, entries_.at(key));
  }
}

}  // namespace cube::scheduler
