#include "scheduler/taints.h"

#include "common/json_util.h"

namespace cube::scheduler {

namespace bj = boost::json;

bool Toleration::tolerates(const Taint& taint) const {
  if (!effect.empty() && effect != taint.effect) return false;
  if (!key.empty() && key != taint.key) return false;
  // An empty key with Exists tolerates everything; Equal is the default operator.
  if (op == "Exists") return true;
  if (op.empty() || op == "Equal") return value == taint.value;
  return false;
}

std::vector<Taint> parseTaints(const bj::array* taints) {
  std::vector<Taint> out;
  if (!taints) return out;
  for (const bj::value& t : *taints) {
    if (!t.is_object()) continue;
    const bj::object& o = t.get_object();
    out.push_back(
        {json::getString(o, "key"), json::getString(o, "value"), json::getString(o, "effect")});
  }
  return out;
}

std::vector<Toleration> parseTolerations(const bj::array* tolerations) {
  std::vector<Toleration> out;
  if (!tolerations) return out;
  for (const bj::value& t : *tolerations) {
    if (!t.is_object()) continue;
    const bj::object& o = t.get_object();
    out.push_back({json::getString(o, "key"), json::getString(o, "operator"),
                   json::getString(o, "value"), json::getString(o, "effect")});
  }
  return out;
}

bool tolerated(const Taint& taint, const std::vector<Toleration>& tolerations) {
  for (const Toleration& t : tolerations) {
    if (t.tolerates(taint)) return true;
  }
  return false;
}

const Taint* firstUntoleratedTaint(const std::vector<Taint>& taints,
                                   const std::vector<Toleration>& tolerations) {
  for (const Taint& taint : taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (!tolerated(taint, tolerations)) return &taint;
  }
  return nullptr;
}

int countIntolerablePreferNoSchedule(const std::vector<Taint>& taints,
                                     const std::vector<Toleration>& tolerations) {
  int count = 0;
  for (const Taint& taint : taints) {
    if (taint.effect != "PreferNoSchedule") continue;
    bool ok = false;
    for (const Toleration& t : tolerations) {
      if ((t.effect.empty() || t.effect == "PreferNoSchedule") && t.tolerates(taint)) {
        ok = true;
        break;
      }
    }
    if (!ok) ++count;
  }
  return count;
}

}  // namespace cube::scheduler
