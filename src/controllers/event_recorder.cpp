#include "controllers/event_recorder.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"

#include <cstdio>

namespace cube::controllers {

namespace bj = boost::json;

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
  bj::object out{{"apiVersion", apiVersion}, {"kind", kind}, {"name", name}};
  if (!namespace_.empty()) out["namespace"] = namespace_;
  if (!uid.empty()) out["uid"] = uid;
  if (!resourceVersion.empty()) out["resourceVersion"] = resourceVersion;
  return out;
}

ApiEventRecorder::ApiEventRecorder(client::ApiClientPtr client, std::string component,
                                   cube::ClockPtr clock)
    : client_(std::move(client)), component_(std::move(component)), clock_(std::move(clock)) {}

bj::object ApiEventRecorder::makeEvent(const ObjectReference& about, const std::string& type,
                                       const std::string& reason, const std::string& message) {
  auto now = clock_->now();
  // Kubernetes names events <object>.<hex time>; the sequence number keeps two events recorded
  // in the same nanosecond (or under a fake clock) apart.
  uint64_t stamp = static_cast<uint64_t>(now.time_since_epoch().count()) + sequence_++;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(stamp));
  std::string time = formatRfc3339(now);
  bj::object meta{{"name", about.name + "." + hex}};
  meta["namespace"] = about.namespace_.empty() ? "default" : about.namespace_;
  return bj::object{{"apiVersion", "v1"},
                    {"kind", "Event"},
                    {"metadata", std::move(meta)},
                    {"involvedObject", about.toJson()},
                    {"reason", reason},
                    {"message", message},
                    {"type", type},
                    {"source", bj::object{{"component", component_}}},
                    {"reportingComponent", component_},
                    {"firstTimestamp", time},
                    {"lastTimestamp", time},
                    {"count", 1}};
}

void ApiEventRecorder::event(const ObjectReference& about, const std::string& type,
                             const std::string& reason, const std::string& message) {
  bj::object ev = makeEvent(about, type, reason, message);
  std::string ns = json::getString(ev["metadata"].as_object(), "namespace");
  try {
    client_->create({"", "v1", "events", true}, ns, ev);
  } catch (const ApiError& e) {
    // Events are advisory; losing one must not fail the decision it describes.
    CUBE_LOG(Warn) << component_ << ": event " << reason << " on " << about.name << ": "
                   << e.message();
  }
}

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

}  // namespace cube::controllers
