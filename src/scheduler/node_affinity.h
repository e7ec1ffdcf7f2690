#pragma once
// Node selection rules of a pod: spec.nodeSelector and spec.affinity.nodeAffinity. Parsed once
// per pod so that matching against thousands of nodes does no JSON work.

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cube::scheduler {

using Labels = std::map<std::string, std::string>;

// One NodeSelectorRequirement (In, NotIn, Exists, DoesNotExist, Gt, Lt).
struct NodeRequirement {
  enum class Op { In, NotIn, Exists, DoesNotExist, Gt, Lt, Invalid };
  std::string key;
  Op op = Op::Invalid;
  std::vector<std::string> values;
  int64_t number = 0;  // Gt/Lt operand

  // `value`: the label (or field) value, nullptr when absent.
  bool matches(const std::string* value) const;
};

// A NodeSelectorTerm: every matchExpression on labels and every matchField (metadata.name is
// the only field Kubernetes supports) must hold. A term with no requirements matches nothing.
struct NodeSelectorTerm {
  std::vector<NodeRequirement> expressions;
  std::vector<NodeRequirement> fields;
  bool matches(const Labels& labels, const std::string& nodeName) const;
};

// Terms are ORed.
struct NodeSelector {
  std::vector<NodeSelectorTerm> terms;
  bool matches(const Labels& labels, const std::string& nodeName) const;
};

struct PreferredNodeTerm {
  int64_t weight = 0;
  NodeSelectorTerm term;
};

struct NodeAffinity {
  Labels nodeSelector;                   // spec.nodeSelector: every pair must be a label
  std::optional<NodeSelector> required;  // requiredDuringSchedulingIgnoredDuringExecution
  std::vector<PreferredNodeTerm> preferred;

  bool empty() const { return nodeSelector.empty() && !required && preferred.empty(); }
  // The filter: nodeSelector and the required terms.
  bool matches(const Labels& labels, const std::string& nodeName) const;
  // The score input: the sum of the weights of the preferred terms the node matches.
  int64_t preferredWeight(const Labels& labels, const std::string& nodeName) const;
};

NodeAffinity parseNodeAffinity(const boost::json::object& podSpec);
NodeSelectorTerm parseNodeSelectorTerm(const boost::json::object& term);

}  // namespace cube::scheduler
