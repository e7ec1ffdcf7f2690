// LimitRange: per-type bounds; min <= default request <= default <= max and each type once.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/pod_spec.h"

#include "common/quantity.h"

#include <set>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

constexpr std::string_view kMaps[] = {"max", "min", "default", "defaultRequest",
                                      "maxLimitRequestRatio"};

void normalize(json::object& lr) {
  auto* spec = lr.if_contains("spec");
  if (!spec || !spec->is_object()) return;
  auto* limits = spec->as_object().if_contains("limits");
  if (!limits || !limits->is_array()) return;
  for (auto& item : limits->as_array())
    if (item.is_object())
      for (auto m : kMaps) v::canonicalizeQuantityMap(item.as_object(), m);
}

std::optional<Quantity> quantityAt(const json::object* map, std::string_view name) {
  if (!map) return std::nullopt;
  const json::value* x = map->if_contains(name);
  if (!x) return std::nullopt;
  return v::quantityOf(*x);
}

int compare(const Quantity& a, const Quantity& b) {
  auto x = milliValue(a), y = milliValue(b);
  if (!x || !y) return 0;
  return *x < *y ? -1 : (*x > *y ? 1 : 0);
}

v::Causes validate(const json::object& lr, const json::object* old) {
  v::Causes out = v::validateMeta(lr, old, true, v::nameIsDnsSubdomain);
  const auto* spec = v::getObject(lr, "spec");
  const auto* limits = spec ? v::getArray(*spec, "limits") : nullptr;
  if (!limits) return out;
  std::set<std::string> types;
  for (size_t i = 0; i < limits->size(); ++i) {
    if (!(*limits)[i].is_object()) continue;
    const auto& item = (*limits)[i].as_object();
    std::string p = v::index("spec.limits", i);
    std::string type(v::getString(item, "type").value_or(""));
    if (!types.insert(type).second)
      out.push_back(v::duplicate(v::child(p, "type"), json::value(type)));
    const auto* max = v::getObject(item, "max");
    const auto* min = v::getObject(item, "min");
    const auto* def = v::getObject(item, "default");
    const auto* defReq = v::getObject(item, "defaultRequest");
    if (type == "Pod") {
      if (def && !def->empty())
        out.push_back(
            v::forbidden(v::child(p, "default"), "may not be specified when `type` is 'Pod'"));
      if (defReq && !defReq->empty())
        out.push_back(v::forbidden(v::child(p, "defaultRequest"),
                                   "may not be specified when `type` is 'Pod'"));
    }
    std::set<std::string> names;
    for (auto m : kMaps)
      if (const auto* map = v::getObject(item, m))
        for (const auto& kv : *map) names.insert(std::string(kv.key()));
    for (const auto& name : names) {
      auto qMax = quantityAt(max, name), qMin = quantityAt(min, name);
      auto qDef = quantityAt(def, name), qReq = quantityAt(defReq, name);
      if (qMin && qMax && compare(*qMin, *qMax) > 0)
        out.push_back(v::invalid(v::key(v::child(p, "min"), name),
                                 json::value(canonicalString(*qMin)),
                                 "min value " + canonicalString(*qMin) +
                                     " is greater than max value " + canonicalString(*qMax)));
      if (qReq && qMax && compare(*qReq, *qMax) > 0)
        out.push_back(v::invalid(v::key(v::child(p, "defaultRequest"), name),
                                 json::value(canonicalString(*qReq)),
                                 "default request value " + canonicalString(*qReq) +
                                     " is greater than max value " + canonicalString(*qMax)));
      if (qReq && qDef && compare(*qReq, *qDef) > 0)
        out.push_back(v::invalid(
            v::key(v::child(p, "defaultRequest"), name), json::value(canonicalString(*qReq)),
            "default request value " + canonicalString(*qReq) +
                " is greater than default limit value " + canonicalString(*qDef)));
      if (qDef && qMax && compare(*qDef, *qMax) > 0)
        out.push_back(v::invalid(v::key(v::child(p, "default"), name),
                                 json::value(canonicalString(*qDef)),
                                 "default value " + canonicalString(*qDef) +
                                     " is greater than max value " + canonicalString(*qMax)));
      if (qDef && qMin && compare(*qMin, *qDef) > 0)
        out.push_back(v::invalid(v::key(v::child(p, "default"), name),
                                 json::value(canonicalString(*qDef)),
                                 "min value " + canonicalString(*qMin) +
                                     " is greater than default value " + canonicalString(*qDef)));
    }
  }
  return out;
}

}  // namespace

KindStrategy limitRangeStrategy() {
  KindStrategy s;
  s.validate = validate;
  s.normalize = normalize;
  return s;
}

}  // namespace cube::api::kinds::core
