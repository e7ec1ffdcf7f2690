// networking.k8s.io/v1 IngressClass: controller name required and immutable, parameters scope.
#include "api/kinds/networking/networking_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::networking {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

void validateParameters(const json::object& params, Causes& out) {
  const std::string base = "spec.parameters";
  if (v::getString(params, "kind").value_or("").empty()) {
    out.push_back(v::required(base + ".kind"));
  }
  if (v::getString(params, "name").value_or("").empty()) {
    out.push_back(v::required(base + ".name"));
  }
  auto scope = v::getString(params, "scope");
  auto ns = v::getString(params, "namespace");
  if (!scope) {
    if (ns) out.push_back(v::required(base + ".scope", "must be set if namespace is set"));
    return;
  }
  if (*scope == "Namespace") {
    if (!ns) {
      out.push_back(v::required(base + ".namespace", "`parameters.scope` is set to 'Namespace'"));
    }
  } else if (*scope == "Cluster") {
    if (ns) {
      out.push_back(v::forbidden(base + ".namespace", "`parameters.scope` is set to 'Cluster'"));
    }
  } else {
    out.push_back(v::notSupported(base + ".scope", json::value(*scope), {"Cluster", "Namespace"}));
  }
}

Causes validateIngressClass(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, false, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(obj, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  auto controller = v::getString(spec, "controller").value_or("");
  if (controller.empty()) {
    out.push_back(v::required("spec.controller"));
  } else if (controller.size() > 250) {
    out.push_back(v::tooLong("spec.controller", 250));
  }
  if (const auto* params = v::getObject(spec, "parameters")) validateParameters(*params, out);
  if (old) {
    const auto* oldSpec = v::getObject(*old, "spec");
    v::append(out, v::validateImmutableField(spec.if_contains("controller"),
                                             oldSpec ? oldSpec->if_contains("controller") : nullptr,
                                             "spec.controller"));
  }
  return out;
}

}  // namespace

KindStrategy ingressClassStrategy() {
  KindStrategy s;
  s.validate = validateIngressClass;
  return s;
}

}  // namespace cube::api::kinds::networking
