#pragma once
// Kubernetes field selectors (`?fieldSelector=metadata.name=foo,status.phase!=Running`): terms
// joined by commas, operators `=`, `==`, `!=`, values escaped with `\` (`\,` `\=` `\\`).
// Matching is against the flat field set the API server supplies for each kind
// (metadata.name, metadata.namespace, spec.nodeName, status.phase, ...). Parsing and messages
// follow apimachinery's fields.ParseSelector.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cube::json {

struct FieldRequirement {
  std::string field;
  bool equal = true;  // "=" / "==" when true, "!=" when false
  std::string value;  // unescaped
};

class FieldSelector {
 public:
  FieldSelector() = default;  // matches everything

  // Throws ApiError::badRequest with Kubernetes' message on a malformed selector.
  static FieldSelector parse(std::string_view text);

  // A missing field compares as "" (as Kubernetes' fields.Set does).
  bool matches(const std::map<std::string, std::string>& fields) const;

  // Throws ApiError::badRequest when a term names a field outside `allowed`, with the message
  // the API server gives: for kinds that only support the default fields (allowed is exactly
  // metadata.name and metadata.namespace)
  //   "spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"
  // and for kinds with their own field set "field label not supported: spec.foo".
  void requireKnownFields(const std::vector<std::string>& allowed) const;

  // The value required for `field` by an equality term, if any (e.g. spec.nodeName for the
  // agent's watch, metadata.name for single-object watches).
  const std::string* requiredValue(std::string_view field) const;

  bool empty() const { return requirements_.empty(); }
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  std::string toString() const;

 private:
  std::vector<FieldRequirement> requirements_;  // in sorted term order, as Kubernetes keeps them
};

// Escapes a value for use in a field selector (`\` `,` `=` get a backslash).
std::string escapeFieldValue(std::string_view value);

}  // namespace cube::json
