#include "controllers/nodelifecycle/taint_eviction.h"

#include "common/json_util.h"

#include <algorithm>

namespace cube::controllers::nodelifecycle {

namespace bj = boost::json;

std::vector<NodeTaint> noExecuteTaints(const bj::object& node) {
  std::vector<NodeTaint> out;
  const auto* spec = json::getObject(node, "spec");
  const auto* taints = spec ? json::getArray(*spec, "taints") : nullptr;
  if (!taints) return out;
  for (const auto& t : *taints) {
    if (!t.is_object()) continue;
    const auto& o = t.as_object();
    if (json::getString(o, "effect") != "NoExecute") continue;
    NodeTaint taint{json::getString(o, "key"), json::getString(o, "value"), "NoExecute",
                    std::nullopt};
    std::string added = json::getString(o, "timeAdded");
    if (!added.empty()) taint.timeAdded = parseRfc3339(added);
    out.push_back(std::move(taint));
  }
  return out;
}

bool toleratesTaint(const bj::object& toleration, const NodeTaint& taint) {
  std::string effect = json::getString(toleration, "effect");
  if (!effect.empty() && effect != taint.effect) return false;
  std::string key = json::getString(toleration, "key");
  std::string op = json::getString(toleration, "operator", "Equal");
  if (key.empty()) return op == "Exists";
  if (key != taint.key) return false;
  if (op == "Exists") return true;
  return op == "Equal" && json::getString(toleration, "value") == taint.value;
}

EvictionDecision evictionFor(const bj::object& pod, const std::vector<NodeTaint>& taints,
                             TimePoint now) {
  EvictionDecision decision;
  const auto* spec = json::getObject(pod, "spec");
  const auto* tolerations = spec ? json::getArray(*spec, "tolerations") : nullptr;
  std::optional<TimePoint> earliest;
  for (const auto& taint : taints) {
    // The tightest limit among the tolerations that cover this taint; none: tolerated forever.
    bool covered = false;
    std::optional<int64_t> seconds;
    if (tolerations) {
      for (const auto& t : *tolerations) {
        if (!t.is_object() || !toleratesTaint(t.as_object(), taint)) continue;
        covered = true;
        const auto* limit = t.as_object().if_contains("tolerationSeconds");
        if (limit && limit->is_int64()) {
          seconds = seconds ? std::min(*seconds, limit->as_int64()) : limit->as_int64();
        }
      }
    }
    if (!covered) return {EvictionDecision::Kind::Now, now};
    // Kubernetes takes the smallest tolerationSeconds of the matching tolerations, so a limited
    // toleration wins over an unlimited one.
    if (!seconds) continue;
    TimePoint start = taint.timeAdded.value_or(now);
    TimePoint at = start + std::chrono::seconds(std::max<int64_t>(*seconds, 0));
    if (!earliest || at < *earliest) earliest = at;
  }
  if (!earliest) return decision;
  if (*earliest <= now) return {EvictionDecision::Kind::Now, now};
  return {EvictionDecision::Kind::At, *earliest};
}

}  // namespace cube::controllers::nodelifecycle
