#include "controllers/pod_util.h"

#include "common/json_util.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace cube::controllers {

namespace bj = boost::json;

namespace {

const bj::object* readyCondition(const bj::object& pod) {
  const auto* status = json::getObject(pod, "status");
  const auto* conditions = status ? json::getArray(*status, "conditions") : nullptr;
  if (!conditions) return nullptr;
  for (const auto& c : *conditions) {
    if (c.is_object() && json::getString(c.as_object(), "type") == "Ready") return &c.as_object();
  }
  return nullptr;
}

}  // namespace

bool setPodCondition(bj::object& status, const bj::object& condition, TimePoint now) {
  auto& slot = status["conditions"];
  if (!slot.is_array()) slot = bj::array{};
  auto& conditions = slot.as_array();
  std::string type = json::getString(condition, "type");
  for (auto& c : conditions) {
    if (!c.is_object() || json::getString(c.as_object(), "type") != type) continue;
    auto& existing = c.as_object();
    bool same = true;
    for (const char* field : {"status", "reason", "message"}) {
      same = same && json::getString(existing, field) == json::getString(condition, field);
    }
    if (same) return false;
    std::string transition = json::getString(existing, "lastTransitionTime");
    bool moved = json::getString(existing, "status") != json::getString(condition, "status");
    existing = condition;
    existing["lastProbeTime"] = nullptr;
    existing["lastTransitionTime"] = moved || transition.empty() ? formatRfc3339(now) : transition;
    return true;
  }
  bj::object added = condition;
  added["lastProbeTime"] = nullptr;
  added["lastTransitionTime"] = formatRfc3339(now);
  conditions.push_back(std::move(added));
  return true;
}

bj::object statusWithConditionsOf(const bj::object& pod) {
  bj::object status;
  const auto* current = json::getObject(pod, "status");
  if (const auto* conditions = current ? current->if_contains("conditions") : nullptr) {
    status["conditions"] = *conditions;
  }
  return status;
}

std::string podStatusPatch(const std::string& uid, bj::object status) {
  return json::serialize(
      bj::object{{"metadata", bj::object{{"uid", uid}}}, {"status", std::move(status)}});
}

bj::object disruptionTarget(const std::string& reason, const std::string& message) {
  return {
      {"type", "DisruptionTarget"}, {"status", "True"}, {"reason", reason}, {"message", message}};
}

std::string podPhase(const bj::object& pod) {
  const auto* status = json::getObject(pod, "status");
  return status ? json::getString(*status, "phase") : "";
}

std::string podNodeName(const bj::object& pod) {
  const auto* spec = json::getObject(pod, "spec");
  return spec ? json::getString(*spec, "nodeName") : "";
}

bool isPodTerminal(const bj::object& pod) {
  std::string phase = podPhase(pod);
  return phase == "Succeeded" || phase == "Failed";
}

bool isPodActive(const bj::object& pod) {
  if (isPodTerminal(pod)) return false;
  const auto* meta = json::getObject(pod, "metadata");
  return !(meta && meta->contains("deletionTimestamp") && !meta->at("deletionTimestamp").is_null());
}

bool isPodReady(const bj::object& pod) {
  const auto* c = readyCondition(pod);
  return c && json::getString(*c, "status") == "True";
}

std::optional<TimePoint> podReadySince(const bj::object& pod) {
  const auto* c = readyCondition(pod);
  if (!c || json::getString(*c, "status") != "True") return std::nullopt;
  return parseRfc3339(json::getString(*c, "lastTransitionTime"));
}

bool isPodAvailable(const bj::object& pod, int64_t minReadySeconds, TimePoint now) {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  auto since = podReadySince(pod);
  // Ready without a transition time: Kubernetes cannot tell how long, and neither can we.
  if (!since) return false;
  return *since + std::chrono::seconds(minReadySeconds) <= now;
}

int64_t maxContainerRestarts(const bj::object& pod) {
  const auto* status = json::getObject(pod, "status");
  const auto* statuses = status ? json::getArray(*status, "containerStatuses") : nullptr;
  int64_t most = 0;
  if (!statuses) return most;
  for (const auto& s : *statuses) {
    if (s.is_object()) most = std::max(most, json::getInt(s.as_object(), "restartCount"));
  }
  return most;
}

std::optional<TimePoint> creationTime(const bj::object& obj) {
  const auto* meta = json::getObject(obj, "metadata");
  if (!meta) return std::nullopt;
  return parseRfc3339(json::getString(*meta, "creationTimestamp"));
}

int32_t podDeletionCost(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  const auto* annotations = meta ? json::getObject(*meta, "annotations") : nullptr;
  if (!annotations) return 0;
  std::string text = json::getString(*annotations, "controller.kubernetes.io/pod-deletion-cost");
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() ||
      value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max())
    return 0;
  return static_cast<int32_t>(value);
}

}  // namespace cube::controllers
