#pragma once
// Kubernetes label selectors: the string syntax of `?labelSelector=` / `kubectl -l`
// (`a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3`) and metav1.LabelSelector objects
// (matchLabels + matchExpressions) that controllers use. Parsing and error messages follow
// apimachinery's labels.Parse and metav1.LabelSelectorAsSelector.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cube::json {

enum class LabelOperator {
  In,
  NotIn,
  Equals,        // =
  DoubleEquals,  // ==
  NotEquals,     // !=
  Exists,
  DoesNotExist,
  GreaterThan,  // > (integer label values)
  LessThan,     // <
};

struct LabelRequirement {
  std::string key;
  LabelOperator op = LabelOperator::Exists;
  std::vector<std::string> values;  // sorted, without duplicates

  // `value` is the label's value, nullptr when the label is absent.
  bool matches(const std::string* value) const;
  std::string toString() const;
};

class LabelSelector {
 public:
  // Matches everything (the empty selector).
  LabelSelector() = default;

  // Parses the string syntax; an empty string matches everything. Throws
  // ApiError::badRequest with labels.Parse's message on error.
  static LabelSelector parse(std::string_view text);

  // From a metav1.LabelSelector JSON object. A null selector matches nothing, an empty one
  // everything. Throws ApiError::badRequest on invalid keys, values or operators.
  static LabelSelector fromLabelSelector(const boost::json::value& selector);

  static LabelSelector nothing();

  bool matches(const std::map<std::string, std::string>& labels) const;
  // `labels` is an object of string values (metadata.labels); null means no labels.
  bool matches(const boost::json::object* labels) const;

  bool matchesEverything() const { return !nothing_ && requirements_.empty(); }
  bool matchesNothing() const { return nothing_; }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // Canonical string form, requirements sorted by key (as labels.Selector.String()).
  std::string toString() const;

 private:
  std::vector<LabelRequirement> requirements_;  // sorted by key
  bool nothing_ = false;
};

}  // namespace cube::json
