#pragma once
// Checks and defaults shared by the kinds that own pods through a template and a label selector
// (apps/v1 workloads and batch/v1 Job), plus Go-style printing of the few structured values that
// Kubernetes puts into their error messages. Paths and messages follow pkg/apis/apps/validation.

#include "api/validation/validation.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace cube::api::kinds {

using validation::Causes;

// Go's %#v of a metav1.LabelSelector, as Kubernetes prints it in "Invalid value" messages:
// v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1...(nil)}.
std::string goPrintLabelSelector(const boost::json::value& selector);
// Go's %#v of an intstr.IntOrString: intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}.
std::string goPrintIntOrString(const boost::json::value& v);

// spec.selector present, valid and non-empty ("empty selector is invalid for <kindWord>").
// `spec` may be null. Returns whether a usable selector exists.
bool validateWorkloadSelector(const boost::json::object* spec, std::string_view specPath,
                              std::string_view kindWord, Causes& out);
// template.metadata.labels must satisfy the selector: "`selector` does not match template
// `labels`" at <template>.metadata.labels.
void validateSelectorMatchesTemplate(const boost::json::object& spec, std::string_view specPath,
                                     Causes& out);
// The pod template (core validation) plus the restartPolicy restriction: the policy (absent
// means Always, the core default) must be one of `allowed`.
void validateTemplateRestartPolicy(const boost::json::object& spec, std::string_view specPath,
                                   const std::vector<std::string>& allowed, Causes& out);
// ReplicaSet-style template rules: restartPolicy Always and no activeDeadlineSeconds
// (`activeDeadlineSeconds in <Kind> is not Supported`); `forbidDeadline` picks Forbidden vs
// Invalid as Kubernetes does per kind.
void validateReplicaTemplate(const boost::json::object& spec, std::string_view specPath,
                             std::string_view kindName, bool deadlineAsInvalid, Causes& out);

// Int-or-percent checks of rolling update parameters.
void validatePositiveIntOrPercent(const boost::json::value& v, const std::string& path,
                                  Causes& out);
void validateNotMoreThan100Percent(const boost::json::value& v, const std::string& path,
                                   Causes& out);
// Numeric value of an int-or-percent (percent as its number); 0 when unparsable.
int64_t intOrPercentValue(const boost::json::value& v);

// Runs the core engineer's conditional pod defaults on spec.template.spec (if present).
void defaultTemplatePodSpec(boost::json::object& spec);
// Sets `obj[key] = value` when the key is absent.
void setDefault(boost::json::object& obj, std::string_view key, boost::json::value value);

// The selector immutability rule of apps/v1 (and apps/v1beta2): `spec.selector: Invalid value:
// v1.LabelSelector{...}: field is immutable`.
void validateSelectorImmutable(const boost::json::object& obj, const boost::json::object& old,
                               Causes& out);

// Labels/values helpers.
const boost::json::object* specOf(const boost::json::object& obj);
const boost::json::value* templateLabels(const boost::json::object& spec);

}  // namespace cube::api::kinds
