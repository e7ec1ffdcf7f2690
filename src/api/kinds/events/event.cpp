// events.k8s.io/v1 Event validation: Kubernetes validates events created through this API
// strictly (reporting fields required, deprecated fields unset). Paths are the ones Kubernetes
// prints, which for a few fields are the core names (involvedObject.namespace, message).
#include "api/kinds/events/events_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::events {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

constexpr size_t kReportingInstanceLimit = 128;
constexpr size_t kActionLimit = 128;
constexpr size_t kReasonLimit = 128;
constexpr size_t kNoteLimit = 1024;

void requireAndLimit(const json::object& obj, const char* field, size_t limit, Causes& out) {
  auto value = v::getString(obj, field).value_or("");
  if (value.empty()) out.push_back(v::required(field));
  if (value.size() > limit) {
    out.push_back(v::invalid(field, json::value(""),
                             "can have at most " + std::to_string(limit) + " characters"));
  }
}

Causes validateEvent(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* metaPtr = v::getObject(obj, "metadata");
  const auto& meta = metaPtr ? *metaPtr : kEmpty;
  auto ns = v::getString(meta, "namespace").value_or("");
  const auto* regarding = v::getObject(obj, "regarding");
  auto regardingNs = regarding ? v::getString(*regarding, "namespace").value_or("") : "";
  if (regardingNs.empty() && ns != "default" && ns != "kube-system") {
    out.push_back(v::invalid("involvedObject.namespace", json::value(regardingNs),
                             "does not match event.namespace"));
  }
  auto controller = v::getString(obj, "reportingController").value_or("");
  if (controller.empty()) out.push_back(v::required("reportingController"));
  for (auto& m : v::isQualifiedName(controller)) {
    out.push_back(v::invalid("reportingController", json::value(controller), m));
  }
  requireAndLimit(obj, "reportingInstance", kReportingInstanceLimit, out);
  requireAndLimit(obj, "action", kActionLimit, out);
  requireAndLimit(obj, "reason", kReasonLimit, out);
  if (v::getString(obj, "note").value_or("").size() > kNoteLimit) {
    out.push_back(v::invalid("message", json::value(""),
                             "can have at most " + std::to_string(kNoteLimit) + " characters"));
  }
  for (auto& m : v::isDns1123Subdomain(ns)) {
    out.push_back(v::invalid("namespace", json::value(ns), m));
  }
  if (const auto* series = v::getObject(obj, "series")) {
    if (v::getInt(*series, "count").value_or(0) < 2) {
      out.push_back(v::invalid("series.count", json::value(""), "should be at least 2"));
    }
    if (v::getString(*series, "lastObservedTime").value_or("").empty()) {
      out.push_back(v::required("series.lastObservedTime"));
    }
  }
  if (v::getString(obj, "eventTime").value_or("").empty()) out.push_back(v::required("eventTime"));
  auto type = v::getString(obj, "type").value_or("");
  if (type != "Normal" && type != "Warning") {
    out.push_back(v::invalid("type", json::value(""), "has invalid value: " + std::string(type)));
  }
  for (const char* f : {"deprecatedFirstTimestamp", "deprecatedLastTimestamp"}) {
    if (!v::getString(obj, f).value_or("").empty()) {
      out.push_back(v::invalid(f, json::value(""), "needs to be unset"));
    }
  }
  if (v::getInt(obj, "deprecatedCount").value_or(0) != 0) {
    out.push_back(v::invalid("deprecatedCount", json::value(""), "needs to be unset"));
  }
  if (const auto* source = v::getObject(obj, "deprecatedSource")) {
    if (!v::getString(*source, "component").value_or("").empty() ||
        !v::getString(*source, "host").value_or("").empty()) {
      out.push_back(v::invalid("deprecatedSource", json::value(""), "needs to be unset"));
    }
  }
  if (old) {
    // Only series (and metadata) may change after an event is recorded. Kubernetes names the
    // fields by their core names.
    static const std::pair<const char*, const char*> kImmutable[] = {
        {"regarding", "involvedObject"},
        {"reason", "reason"},
        {"note", "message"},
        {"related", "related"},
        {"reportingController", "reportingController"},
        {"reportingInstance", "reportingInstance"},
        {"action", "action"},
        {"type", "type"},
        {"eventTime", "eventTime"}};
    for (const auto& [field, path] : kImmutable) {
      v::append(out,
                v::validateImmutableField(obj.if_contains(field), old->if_contains(field), path));
    }
  }
  return out;
}

}  // namespace

KindStrategy eventStrategy() {
  KindStrategy s;
  s.validate = validateEvent;
  return s;
}

}  // namespace cube::api::kinds::events
