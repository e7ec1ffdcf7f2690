#include "client/event_recorder.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"

#include <cstdio>

namespace cube::client {

namespace bj = boost::json;

namespace {

const Resource kEvents{"", "v1", "events", true};

// Events about cluster-scoped objects (nodes) live in "default", as Kubernetes puts them.
std::string eventNamespace(const ObjectReference& about) {
  return about.namespace_.empty() ? "default" : about.namespace_;
}

}  // namespace

ObjectReference ObjectReference::of(const bj::object& obj, std::string apiVersion,
                                    std::string kind) {
  ObjectReference ref;
  ref.apiVersion = std::move(apiVersion);
  ref.kind = std::move(kind);
  if (const auto* meta = json::getObject(obj, "metadata")) {
    ref.namespace_ = json::getString(*meta, "namespace");
    ref.name = json::getString(*meta, "name");
    ref.uid = json::getString(*meta, "uid");
    ref.resourceVersion = json::getString(*meta, "resourceVersion");
  }
  return ref;
}

bj::object ObjectReference::toJson() const {
  bj::object out{{"kind", kind}, {"name", name}};
  if (!apiVersion.empty()) out["apiVersion"] = apiVersion;
  if (!namespace_.empty()) out["namespace"] = namespace_;
  if (!uid.empty()) out["uid"] = uid;
  if (!resourceVersion.empty()) out["resourceVersion"] = resourceVersion;
  if (!fieldPath.empty()) out["fieldPath"] = fieldPath;
  return out;
}

bj::object makeEvent(const ObjectReference& about, const EventSource& source,
                     const std::string& type, const std::string& reason, const std::string& message,
                     TimePoint now, const std::string& name) {
  std::string time = formatRfc3339(now);
  bj::object src{{"component", source.component}};
  if (!source.host.empty()) src["host"] = source.host;
  bj::object ev{{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", bj::object{{"name", name}, {"namespace", eventNamespace(about)}}},
                {"involvedObject", about.toJson()},
                {"reason", reason},
                {"message", message},
                {"type", type},
                {"source", std::move(src)},
                {"reportingComponent", source.component},
                {"firstTimestamp", time},
                {"lastTimestamp", time},
                {"count", 1}};
  // The instance is the host, as client-go's recorder reports it (absent when there is none).
  if (!source.host.empty()) ev["reportingInstance"] = source.host;
  return ev;
}

// --- EventBroadcaster ---

EventBroadcaster::EventBroadcaster(ApiClientPtr client, cube::ClockPtr clock,
                                   EventBroadcasterOptions options)
    : client_(std::move(client)),
      clock_(std::move(clock)),
      options_(options),
      correlator_(options.correlator),
      writtenEvents_(options.maxAggregates) {
  thread_ = std::thread([this] { run(); });
}

EventBroadcaster::~EventBroadcaster() {
  stop();
}

bool EventBroadcaster::post(const ObjectReference& about, const EventSource& source,
                            const std::string& type, const std::string& reason,
                            const std::string& message) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.maxQueued) {
      ++dropped_;
      return false;
    }
    queue_.push_back({about, source, type, reason, message, clock_->now()});
  }
  wake_.notify_one();
  return true;
}

void EventBroadcaster::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
}

void EventBroadcaster::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      dropped_ += queue_.size();
      queue_.clear();
    }
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  idle_.notify_all();
}

void EventBroadcaster::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      write(p);
    } catch (const std::exception& e) {
      // Events are advisory: losing one must not fail the decision it describes.
      CUBE_LOG(Debug) << p.source.component << ": event " << p.reason << " on " << p.about.name
                      << " not written: " << e.what();
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  busy_ = false;
  idle_.notify_all();
}

void EventBroadcaster::write(const Pending& p) {
  CorrelatedEvent c = correlator_.correlate(p.about, p.source, p.type, p.reason, p.message, p.time);
  if (c.skip) {
    ++filtered_;
    return;
  }
  std::string time = formatRfc3339(p.time);
  if (Written* seen = writtenEvents_.find(c.key)) {
    // A repeat: bump the Event already written (a combined one also takes the latest message).
    ++seen->count;
    bj::object patch{{"count", seen->count}, {"lastTimestamp", time}, {"message", c.message}};
    try {
      client_->patch(kEvents, seen->ns, seen->name, PatchKind::Merge, json::serialize(patch));
      ++written_;
      return;
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
      // Expired (events have a TTL) or its first write failed: write it whole again below.
    }
    bj::object ev = makeEvent(p.about, p.source, p.type, p.reason, c.message, p.time, seen->name);
    ev["count"] = seen->count;
    ev["firstTimestamp"] = seen->firstTimestamp;
    client_->create(kEvents, seen->ns, ev);
    ++written_;
    return;
  }

  // Kubernetes names events <object>.<hex nanoseconds>; the sequence keeps two events of the
  // same nanosecond (or under a fake clock) apart.
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(p.time.time_since_epoch());
  char hex[20];
  std::snprintf(hex, sizeof hex, "%llx",
                static_cast<unsigned long long>(nanos.count()) + sequence_++);
  // Remembered before the write: a failed create is retried whole by the next repeat.
  const Written& fresh =
      writtenEvents_.put(c.key, {eventNamespace(p.about), p.about.name + "." + hex, 1, time});
  bj::object ev = makeEvent(p.about, p.source, p.type, p.reason, c.message, p.time, fresh.name);
  try {
    client_->create(kEvents, fresh.ns, ev);
  } catch (const ApiError& e) {
    if (e.code() != 409) throw;  // 409: the name is taken, by an earlier write of ours
  }
  ++written_;
}

// --- ApiEventRecorder ---

ApiEventRecorder::ApiEventRecorder(ApiClientPtr client, EventSource source, cube::ClockPtr clock,
                                   EventBroadcasterOptions options)
    : broadcaster_(
          std::make_shared<EventBroadcaster>(std::move(client), std::move(clock), options)),
      source_(std::move(source)) {}

ApiEventRecorder::ApiEventRecorder(std::shared_ptr<EventBroadcaster> broadcaster,
                                   EventSource source)
    : broadcaster_(std::move(broadcaster)), source_(std::move(source)) {}

void ApiEventRecorder::event(const ObjectReference& about, const std::string& type,
                             const std::string& reason, const std::string& message) {
  broadcaster_->post(about, source_, type, reason, message);
}

// --- RecordingEventRecorder ---

void RecordingEventRecorder::event(const ObjectReference& about, const std::string& type,
                                   const std::string& reason, const std::string& message) {
  std::lock_guard lock(mutex_);
  events_.push_back({about, type, reason, message});
}

std::vector<RecordingEventRecorder::Recorded> RecordingEventRecorder::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

size_t RecordingEventRecorder::count(const std::string& reason) const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& e : events_) n += e.reason == reason;
  return n;
}

}  // namespace cube::client
