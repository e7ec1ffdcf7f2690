#include "controllers/nodelifecycle/node_state.h"

#include "common/json_util.h"

#include <vector>

namespace cube::controllers::nodelifecycle {

namespace bj = boost::json;

namespace {

const bj::object* readyCondition(const bj::object& node) {
  const auto* status = json::getObject(node, "status");
  const auto* conditions = status ? json::getArray(*status, "conditions") : nullptr;
  if (!conditions) return nullptr;
  for (const auto& c : *conditions) {
    if (c.is_object() && json::getString(c.as_object(), "type") == "Ready") return &c.as_object();
  }
  return nullptr;
}

bool isLifecycleTaint(const bj::object& taint) {
  std::string key = json::getString(taint, "key");
  std::string effect = json::getString(taint, "effect");
  return (key == kUnreachableTaintKey || key == kNotReadyTaintKey) &&
         (effect == "NoExecute" || effect == "NoSchedule");
}

}  // namespace

std::string nodeReadyStatus(const bj::object& node) {
  const auto* c = readyCondition(node);
  return c ? json::getString(*c, "status") : "";
}

std::string nodeReadyHeartbeat(const bj::object& node) {
  const auto* c = readyCondition(node);
  return c ? json::getString(*c, "lastHeartbeatTime") : "";
}

bool markNodeStatusUnknown(bj::object& node, TimePoint now) {
  std::string stamp = formatRfc3339(now);
  auto& status = json::ensureObject(node, "status");
  bj::value& conditionsValue = status["conditions"];
  if (!conditionsValue.is_array()) conditionsValue = bj::array();
  auto& conditions = conditionsValue.as_array();
  bool changed = false;
  bool sawReady = false;
  for (auto& c : conditions) {
    if (!c.is_object()) continue;
    auto& o = c.as_object();
    if (json::getString(o, "type") == "Ready") sawReady = true;
    if (json::getString(o, "status") == "Unknown") continue;
    o["status"] = "Unknown";
    o["reason"] = "NodeStatusUnknown";
    o["message"] = "Kubelet stopped posting node status.";
    o["lastTransitionTime"] = stamp;
    changed = true;
  }
  if (!sawReady) {
    conditions.push_back(bj::object{{"type", "Ready"},
                                    {"status", "Unknown"},
                                    {"reason", "NodeStatusNeverUpdated"},
                                    {"message", "Kubelet never posted node status."},
                                    {"lastHeartbeatTime", nullptr},
                                    {"lastTransitionTime", stamp}});
    changed = true;
  }
  return changed;
}

bool reconcileLifecycleTaints(bj::object& node, const std::string& readyStatus, TimePoint now) {
  if (readyStatus.empty()) return false;
  std::string wantedKey;
  if (readyStatus == "Unknown") wantedKey = kUnreachableTaintKey;
  if (readyStatus == "False") wantedKey = kNotReadyTaintKey;

  auto& spec = json::ensureObject(node, "spec");
  bj::array current;
  if (const auto* t = json::getArray(spec, "taints")) current = *t;
  bj::array next;
  bool haveNoExecute = false, haveNoSchedule = false;
  bool changed = false;
  for (const auto& t : current) {
    if (!t.is_object() || !isLifecycleTaint(t.as_object())) {
      next.push_back(t);
      continue;
    }
    const auto& o = t.as_object();
    if (json::getString(o, "key") != wantedKey) {
      changed = true;  // the other lifecycle taint, or one whose condition has recovered
      continue;
    }
    bool noExecute = json::getString(o, "effect") == "NoExecute";
    bool& have = noExecute ? haveNoExecute : haveNoSchedule;
    if (have) {
      changed = true;  // a duplicate
      continue;
    }
    have = true;
    next.push_back(t);
  }
  if (!wantedKey.empty()) {
    if (!haveNoSchedule) {
      next.push_back(bj::object{{"key", wantedKey}, {"effect", "NoSchedule"}});
      changed = true;
    }
    if (!haveNoExecute) {
      next.push_back(bj::object{
          {"key", wantedKey}, {"effect", "NoExecute"}, {"timeAdded", formatRfc3339(now)}});
      changed = true;
    }
  }
  if (!changed) return false;
  if (next.empty()) {
    spec.erase("taints");
  } else {
    spec["taints"] = std::move(next);
  }
  return true;
}

bool markPodNotReady(bj::object& pod, TimePoint now) {
  auto* status = json::getObject(pod, "status");
  if (!status) return false;
  bj::value* conditions = status->if_contains("conditions");
  if (!conditions || !conditions->is_array()) return false;
  for (auto& c : conditions->as_array()) {
    if (!c.is_object()) continue;
    auto& o = c.as_object();
    if (json::getString(o, "type") != "Ready") continue;
    if (json::getString(o, "status") == "False") return false;
    o["status"] = "False";
    o["reason"] = "NodeNotReady";
    o["message"] = "Node is not ready";
    o["lastTransitionTime"] = formatRfc3339(now);
    return true;
  }
  return false;
}

}  // namespace cube::controllers::nodelifecycle
