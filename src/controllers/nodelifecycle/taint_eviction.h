#pragma once
// When a pod must leave a node because of the node's NoExecute taints (Kubernetes' taint
// manager): at once when it does not tolerate one of them, never when it tolerates them all
// without a limit, otherwise `tolerationSeconds` (the smallest that applies) after the taint was
// added. Pure functions over the JSON of a pod's tolerations and a node's taints.

#include "common/clock.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cube::controllers::nodelifecycle {

struct NodeTaint {
  std::string key;
  std::string value;
  std::string effect;
  std::optional<TimePoint> timeAdded;
};

// The node's taints with effect NoExecute.
std::vector<NodeTaint> noExecuteTaints(const boost::json::object& node);

// Whether one toleration (JSON) covers `taint` (operator Equal by default; Exists with an empty
// key covers every taint; an empty effect covers every effect).
bool toleratesTaint(const boost::json::object& toleration, const NodeTaint& taint);

struct EvictionDecision {
  enum class Kind { Never, Now, At } kind = Kind::Never;
  TimePoint at{};  // Kind::At: when
};

// `taints` are NoExecute taints; a taint without timeAdded counts from `now`.
EvictionDecision evictionFor(const boost::json::object& pod, const std::vector<NodeTaint>& taints,
                             TimePoint now);

}  // namespace cube::controllers::nodelifecycle
