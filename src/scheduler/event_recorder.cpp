#include "scheduler/event_recorder.h"

#include "common/json_util.h"
#include "common/log.h"

#include <cstdio>

namespace cube::scheduler {

namespace bj = boost::json;

namespace {
const client::Resource kEvents{"", "v1", "events", true};
constexpr size_t kMaxAggregates = 4096;
}  // namespace

EventRecorder::EventRecorder(client::ApiClientPtr client, cube::ClockPtr clock,
                             std::string component, size_t threads, size_t maxQueued)
    : client_(std::move(client)),
      clock_(std::move(clock)),
      component_(std::move(component)),
      pool_(threads, maxQueued) {}

bj::object EventRecorder::makeEvent(const PodRef& pod, const std::string& name,
                                    const std::string& type, const std::string& reason,
                                    const std::string& message, TimePoint now) const {
  std::string ts = formatRfc3339(now);
  bj::object involved{{"kind", "Pod"},      {"namespace", pod.ns},
                      {"name", pod.name},   {"uid", pod.uid},
                      {"apiVersion", "v1"}, {"resourceVersion", pod.resourceVersion}};
  return bj::object{{"apiVersion", "v1"},
                    {"kind", "Event"},
                    {"metadata", bj::object{{"name", name}, {"namespace", pod.ns}}},
                    {"involvedObject", std::move(involved)},
                    {"reason", reason},
                    {"message", message},
                    {"source", bj::object{{"component", component_}}},
                    {"firstTimestamp", ts},
                    {"lastTimestamp", ts},
                    {"count", 1},
                    {"type", type},
                    {"reportingComponent", component_},
                    {"reportingInstance", component_}};
}

void EventRecorder::record(const PodInfo& pod, const std::string& type, const std::string& reason,
                           const std::string& message) {
  TimePoint now = clock_->now();
  std::string key =
      pod.ns + "/" + pod.name + "/" + pod.uid + "/" + type + "/" + reason + "/" + message;
  Aggregate agg;
  {
    std::lock_guard lock(mutex_);
    if (seen_.size() > kMaxAggregates) seen_.clear();
    Aggregate& a = seen_[key];
    if (a.count == 0) {
      // Kubernetes names events <object>.<hex nanoseconds>, unique enough per object.
      char suffix[32];
      auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch());
      std::snprintf(suffix, sizeof suffix, ".%llx", static_cast<unsigned long long>(nanos.count()));
      a.name = pod.name + suffix;
    }
    ++a.count;
    agg = a;
  }
  PodRef ref{pod.ns, pod.name, pod.uid, pod.resourceVersion};
  bool posted = pool_.tryPost([this, pod = std::move(ref), type, reason, message, agg, now] {
    try {
      if (agg.count > 1) {
        bj::object patch{{"count", agg.count}, {"lastTimestamp", formatRfc3339(now)}};
        try {
          client_->patch(kEvents, pod.ns, agg.name, client::PatchKind::Merge,
                         json::serialize(patch));
          return;
        } catch (const ApiError& e) {
          if (e.code() != 404) throw;
          // The first write was dropped or the event expired: write it whole.
        }
      }
      bj::object event = makeEvent(pod, agg.name, type, reason, message, now);
      event["count"] = agg.count;
      client_->create(kEvents, pod.ns, event);
    } catch (const std::exception& e) {
      CUBE_LOG(Debug) << "scheduler: event for " << pod.ns << "/" << pod.name
                      << " not written: " << e.what();
    }
  });
  if (!posted) ++dropped_;
}

}  // namespace cube::scheduler
