#include "client/leader_election.h"

#include "common/log.h"

#include <stdexcept>

namespace cube::client {

namespace json = boost::json;

namespace {

std::string stringField(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

int64_t intField(const json::object& o, const char* name) {
  const json::value* v = o.if_contains(name);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return 0;
}

// 409 is both Conflict (stale resourceVersion) and AlreadyExists (a concurrent create won).
bool isConflict(const ApiError& e) {
  return e.code() == 409;
}

}  // namespace

const Resource& LeaderElector::leaseResource() {
  static const Resource lease{"coordination.k8s.io", "v1", "leases", true};
  return lease;
}

LeaderElector::LeaderElector(ApiClientPtr api, LeaseConfig config, LeaderCallbacks callbacks,
                             ClockPtr clock)
    : api_(std::move(api)),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      clock_(std::move(clock)) {
  // The leader must give up before its lease can expire, and retry at least once before that.
  if (config_.identity.empty() || config_.name.empty() ||
      config_.renewDeadline >= config_.leaseDuration ||
      config_.retryPeriod >= config_.renewDeadline || config_.retryPeriod.count() <= 0) {
    throw std::invalid_argument(
        "leader election: need an identity and a name, and 0 < retryPeriod < renewDeadline < "
        "leaseDuration");
  }
}

LeaderElector::~LeaderElector() {
  stop();
}

LeaseAttempt LeaderElector::tryAcquireOrRenew() {
  const TimePoint now = clock_->now();
  const std::string nowText = formatRfc3339Micro(now);
  const int64_t durationSeconds = config_.leaseDuration.count();
  json::object lease;
  try {
    lease = api_->get(leaseResource(), config_.namespace_, config_.name);
  } catch (const ApiError& e) {
    if (e.code() != 404) {
      CUBE_LOG(Warn) << "leader election: reading lease " << config_.namespace_ << "/"
                     << config_.name << ": " << e.what();
      return LeaseAttempt::Failed;
    }
    json::object created{{"apiVersion", "coordination.k8s.io/v1"},
                         {"kind", "Lease"},
                         {"metadata", {{"name", config_.name}, {"namespace", config_.namespace_}}},
                         {"spec",
                          {{"holderIdentity", config_.identity},
                           {"leaseDurationSeconds", durationSeconds},
                           {"acquireTime", nowText},
                           {"renewTime", nowText},
                           {"leaseTransitions", 0}}}};
    try {
      api_->create(leaseResource(), config_.namespace_, created);
      return LeaseAttempt::Acquired;
    } catch (const ApiError& e) {
      if (isConflict(e)) return LeaseAttempt::Conflict;
      CUBE_LOG(Warn) << "leader election: creating lease: " << e.what();
      return LeaseAttempt::Failed;
    } catch (const std::exception& e) {
      CUBE_LOG(Warn) << "leader election: creating lease: " << e.what();
      return LeaseAttempt::Failed;
    }
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "leader election: reading lease: " << e.what();
    return LeaseAttempt::Failed;
  }

  json::value& specValue = lease["spec"];
  if (!specValue.is_object()) specValue = json::object();
  json::object& spec = specValue.get_object();
  const std::string holder = stringField(spec, "holderIdentity");
  const bool mine = holder == config_.identity;
  if (!holder.empty() && !mine) {
    const auto renewed = parseRfc3339(stringField(spec, "renewTime"));
    const bool expired =
        !renewed || *renewed + std::chrono::seconds(intField(spec, "leaseDurationSeconds")) < now;
    if (!expired) return LeaseAttempt::HeldByOther;
  }
  if (!mine) {
    spec["holderIdentity"] = config_.identity;
    spec["acquireTime"] = nowText;
    spec["leaseTransitions"] = intField(spec, "leaseTransitions") + 1;
  } else if (!spec.contains("acquireTime")) {
    spec["acquireTime"] = nowText;
  }
  spec["renewTime"] = nowText;
  spec["leaseDurationSeconds"] = durationSeconds;
  // metadata.resourceVersion is still the one we read: the update succeeds only if nobody wrote
  // the lease in between.
  try {
    api_->update(leaseResource(), config_.namespace_, config_.name, lease);
    return LeaseAttempt::Acquired;
  } catch (const ApiError& e) {
    if (isConflict(e)) return LeaseAttempt::Conflict;
    CUBE_LOG(Warn) << "leader election: updating lease: " << e.what();
    return LeaseAttempt::Failed;
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "leader election: updating lease: " << e.what();
    return LeaseAttempt::Failed;
  }
}

void LeaderElector::release() {
  try {
    json::object lease = api_->get(leaseResource(), config_.namespace_, config_.name);
    json::value* specValue = lease.if_contains("spec");
    if (!specValue || !specValue->is_object()) return;
    json::object& spec = specValue->get_object();
    if (stringField(spec, "holderIdentity") != config_.identity) return;
    const std::string nowText = formatRfc3339Micro(clock_->now());
    spec.erase("holderIdentity");
    spec["leaseDurationSeconds"] = 1;
    spec["acquireTime"] = nowText;
    spec["renewTime"] = nowText;
    api_->update(leaseResource(), config_.namespace_, config_.name, lease);
  } catch (const std::exception& e) {
    // The lease then simply expires.
    CUBE_LOG(Warn) << "leader election: releasing lease: " << e.what();
  }
}

void LeaderElector::run() {
  std::unique_lock lock(mutex_);
  bool everHeld = false;
  while (!stopped_) {
    lock.unlock();
    const LeaseAttempt attempt = tryAcquireOrRenew();
    lock.lock();
    if (attempt == LeaseAttempt::Acquired) {
      everHeld = true;
      if (stopped_) break;
      lead(lock);
      continue;
    }
    unsafeWait(lock, config_.retryPeriod);
  }
  const bool releaseLease = config_.releaseOnStop && everHeld;
  lock.unlock();
  // Also covers a lease acquired just as stop() was called.
  if (releaseLease) release();
}

void LeaderElector::lead(std::unique_lock<std::mutex>& lock) {
  TimePoint lastRenew = clock_->now();
  leading_ = true;
  CUBE_LOG(Info) << "leader election: " << config_.identity << " leads " << config_.namespace_
                 << "/" << config_.name;
  lock.unlock();
  if (callbacks_.onStartedLeading) callbacks_.onStartedLeading();
  lock.lock();
  while (unsafeWait(lock, config_.retryPeriod)) {
    const TimePoint attemptAt = clock_->now();
    lock.unlock();
    const LeaseAttempt attempt = tryAcquireOrRenew();
    lock.lock();
    if (attempt == LeaseAttempt::Acquired) {
      lastRenew = attemptAt;
      continue;
    }
    // Someone else wrote the lease: we cannot know we still hold it, so stop at once.
    if (attempt == LeaseAttempt::HeldByOther || attempt == LeaseAttempt::Conflict) break;
    // Transient failures: keep trying until renewDeadline, which ends before the lease expires.
    if (clock_->now() - lastRenew >= config_.renewDeadline) break;
  }
  lock.unlock();
  CUBE_LOG(Info) << "leader election: " << config_.identity << " stopped leading";
  leading_ = false;
  // Our components stop before run() may release the lease to a successor.
  if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
  lock.lock();
}

bool LeaderElector::unsafeWait(std::unique_lock<std::mutex>& lock, std::chrono::nanoseconds d) {
  const bool stopped = clock_->waitUntil(lock, cv_, clock_->now() + d, [&] { return stopped_; });
  return !stopped;
}

void LeaderElector::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  cv_.notify_all();
}

}  // namespace cube::client
