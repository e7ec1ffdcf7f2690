#pragma once
// Node taints and pod tolerations. NoSchedule and NoExecute taints keep pods that do not
// tolerate them off a node (a filter); PreferNoSchedule only lowers the node's score.

#include <boost/json/array.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cube::scheduler {

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
  bool operator==(const Taint&) const = default;
};

struct Toleration {
  std::string key;  // "" with Exists: tolerates every taint
  std::string op;   // Equal (default) or Exists
  std::string value;
  std::string effect;  // "" matches every effect
  bool tolerates(const Taint& taint) const;
};

std::vector<Taint> parseTaints(const boost::json::array* taints);
std::vector<Toleration> parseTolerations(const boost::json::array* tolerations);

bool tolerated(const Taint& taint, const std::vector<Toleration>& tolerations);

// The first NoSchedule/NoExecute taint no toleration covers, or nullptr.
const Taint* firstUntoleratedTaint(const std::vector<Taint>& taints,
                                   const std::vector<Toleration>& tolerations);

// PreferNoSchedule taints no toleration (with effect PreferNoSchedule or "") covers.
int countIntolerablePreferNoSchedule(const std::vector<Taint>& taints,
                                     const std::vector<Toleration>& tolerations);

// Taints the node controller and kubectl cordon use, with the key Kubernetes gives them.
inline constexpr const char* kTaintUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr const char* kTaintNotReady = "node.kubernetes.io/not-ready";

}  // namespace cube::scheduler
