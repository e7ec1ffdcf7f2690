#include "api/kinds/apps/workload_validation.h"

#include "api/validation/pod_spec.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <map>

namespace cube::api::kinds {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

std::string goStringMap(const json::object* m) {
  if (!m) return "map[string]string(nil)";
  std::map<std::string, std::string> sorted;
  for (const auto& kv : *m) {
    sorted[std::string(kv.key())] =
        kv.value().is_string() ? std::string(kv.value().as_string()) : json::serialize(kv.value());
  }
  std::string s = "map[string]string{";
  bool first = true;
  for (const auto& [k, val] : sorted) {
    if (!first) s += ", ";
    first = false;
    s += v::goQuote(k) + ":" + v::goQuote(val);
  }
  return s + "}";
}

std::string goStringSlice(const json::array* a) {
  if (!a) return "[]string(nil)";
  std::string s = "[]string{";
  for (size_t i = 0; i < a->size(); ++i) {
    if (i) s += ", ";
    const auto& e = (*a)[i];
    s += v::goQuote(e.is_string() ? std::string_view(e.as_string()) : std::string_view());
  }
  return s + "}";
}

}  // namespace

std::string goPrintLabelSelector(const json::value& selector) {
  if (!selector.is_object()) return "null";
  const auto& sel = selector.as_object();
  std::string s = "v1.LabelSelector{MatchLabels:" + goStringMap(v::getObject(sel, "matchLabels"));
  s += ", MatchExpressions:";
  const auto* exprs = v::getArray(sel, "matchExpressions");
  if (!exprs) return s + "[]v1.LabelSelectorRequirement(nil)}";
  s += "[]v1.LabelSelectorRequirement{";
  for (size_t i = 0; i < exprs->size(); ++i) {
    if (i) s += ", ";
    static const json::object kEmpty;
    const auto& e = (*exprs)[i].is_object() ? (*exprs)[i].as_object() : kEmpty;
    s += "v1.LabelSelectorRequirement{Key:" + v::goQuote(v::getString(e, "key").value_or(""));
    s += ", Operator:" + v::goQuote(v::getString(e, "operator").value_or(""));
    s += ", Values:" + goStringSlice(v::getArray(e, "values")) + "}";
  }
  return s + "}}";
}

std::string goPrintIntOrString(const json::value& val) {
  if (val.is_string()) {
    return "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + v::goQuote(val.as_string()) + "}";
  }
  int64_t n = val.is_int64() ? val.as_int64() : val.is_uint64() ? int64_t(val.as_uint64()) : 0;
  return "intstr.IntOrString{Type:0, IntVal:" + std::to_string(n) + ", StrVal:\"\"}";
}

const json::object* specOf(const json::object& obj) {
  return v::getObject(obj, "spec");
}

const json::value* templateLabels(const json::object& spec) {
  const auto* tmpl = v::getObject(spec, "template");
  if (!tmpl) return nullptr;
  const auto* meta = v::getObject(*tmpl, "metadata");
  if (!meta) return nullptr;
  return meta->if_contains("labels");
}

bool validateWorkloadSelector(const json::object* spec, std::string_view specPath,
                              std::string_view kindWord, Causes& out) {
  std::string path = v::child(specPath, "selector");
  const json::value* sel = spec ? spec->if_contains("selector") : nullptr;
  if (!sel || sel->is_null()) {
    out.push_back(v::required(path));
    return false;
  }
  v::append(out, v::validateLabelSelector(sel, path));
  if (!sel->is_object()) return false;
  const auto* ml = v::getObject(sel->as_object(), "matchLabels");
  const auto* me = v::getArray(sel->as_object(), "matchExpressions");
  if ((ml ? ml->size() : 0) + (me ? me->size() : 0) == 0) {
    out.push_back(v::invalidPrinted(path, goPrintLabelSelector(*sel),
                                    "empty selector is invalid for " + std::string(kindWord)));
    return false;
  }
  return true;
}

void validateSelectorMatchesTemplate(const json::object& spec, std::string_view specPath,
                                     Causes& out) {
  const json::value* sel = spec.if_contains("selector");
  const json::value* labels = templateLabels(spec);
  if (v::labelSelectorMatches(sel, labels)) return;
  static const json::value kNull;
  const json::value& printed = labels ? *labels : kNull;
  std::string where = v::child(v::child(v::child(specPath, "template"), "metadata"), "labels");
  out.push_back(
      v::invalidPrinted(where, printed.is_null() ? "map[string]string(nil)" : v::goPrint(printed),
                        "`selector` does not match template `labels`"));
}

void validateTemplateRestartPolicy(const json::object& spec, std::string_view specPath,
                                   const std::vector<std::string>& allowed, Causes& out) {
  std::string tmplPath = v::child(specPath, "template");
  v::append(out, v::validatePodTemplateSpec(spec.if_contains("template"), tmplPath));
  const auto* tmpl = v::getObject(spec, "template");
  if (!tmpl) return;
  const auto* podSpec = v::getObject(*tmpl, "spec");
  std::string policy = "Always";  // the core default when absent
  if (podSpec) policy = std::string(v::getString(*podSpec, "restartPolicy").value_or("Always"));
  if (std::find(allowed.begin(), allowed.end(), policy) == allowed.end()) {
    out.push_back(v::notSupported(v::child(v::child(tmplPath, "spec"), "restartPolicy"),
                                  json::value(policy), allowed));
  }
}

void validateReplicaTemplate(const json::object& spec, std::string_view specPath,
                             std::string_view kindName, bool deadlineAsInvalid, Causes& out) {
  validateTemplateRestartPolicy(spec, specPath, {"Always"}, out);
  const auto* tmpl = v::getObject(spec, "template");
  const auto* podSpec = tmpl ? v::getObject(*tmpl, "spec") : nullptr;
  if (!podSpec) return;
  const json::value* ads = podSpec->if_contains("activeDeadlineSeconds");
  if (!ads || ads->is_null()) return;
  std::string path = v::child(specPath, "template.spec.activeDeadlineSeconds");
  std::string msg = "activeDeadlineSeconds in " + std::string(kindName) + " is not Supported";
  out.push_back(deadlineAsInvalid ? v::invalid(path, *ads, msg) : v::forbidden(path, msg));
}

namespace {
// A percent string "N%" as N; nullopt when not of that form.
std::optional<int64_t> percentOf(const json::value& val) {
  if (!val.is_string()) return std::nullopt;
  std::string_view s = val.as_string();
  if (s.size() < 2 || s.back() != '%') return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size() - 1, n);
  if (ec != std::errc() || p != s.data() + s.size() - 1) return std::nullopt;
  return n;
}
}  // namespace

int64_t intOrPercentValue(const json::value& val) {
  if (val.is_int64()) return val.as_int64();
  if (val.is_uint64()) return int64_t(val.as_uint64());
  return percentOf(val).value_or(0);
}

void validatePositiveIntOrPercent(const json::value& val, const std::string& path, Causes& out) {
  if (val.is_string()) {
    for (auto& msg : v::isValidPercent(val.as_string())) {
      out.push_back(v::invalidPrinted(path, goPrintIntOrString(val), msg));
    }
  } else if (val.is_int64() || val.is_uint64()) {
    v::append(out, v::validateNonnegativeValue(intOrPercentValue(val), path));
  } else {
    out.push_back(
        v::invalidPrinted(path, v::goPrint(val), "must be an integer or percentage (e.g '5%')"));
  }
}

void validateNotMoreThan100Percent(const json::value& val, const std::string& path, Causes& out) {
  auto pct = percentOf(val);
  if (!pct || *pct <= 100) return;
  out.push_back(v::invalidPrinted(path, goPrintIntOrString(val), "must not be greater than 100%"));
}

void defaultTemplatePodSpec(json::object& spec) {
  auto* tmpl = spec.if_contains("template");
  if (!tmpl || !tmpl->is_object()) return;
  auto* podSpec = tmpl->as_object().if_contains("spec");
  if (!podSpec || !podSpec->is_object()) return;
  v::defaultPodSpec(podSpec->as_object());
}

void setDefault(json::object& obj, std::string_view key, json::value value) {
  if (!obj.contains(key)) obj[key] = std::move(value);
}

void validateSelectorImmutable(const json::object& obj, const json::object& old, Causes& out) {
  const auto* spec = specOf(obj);
  const auto* oldSpec = specOf(old);
  static const json::value kNull;
  const json::value* now = spec ? spec->if_contains("selector") : nullptr;
  const json::value* before = oldSpec ? oldSpec->if_contains("selector") : nullptr;
  const json::value& a = now ? *now : kNull;
  const json::value& b = before ? *before : kNull;
  if (a == b) return;
  out.push_back(v::invalidPrinted("spec.selector", goPrintLabelSelector(a), "field is immutable"));
}

}  // namespace cube::api::kinds
