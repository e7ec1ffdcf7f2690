// Policy rule and binding checks shared by the RBAC kinds (Kubernetes'
// pkg/apis/rbac/validation), and the apiGroup defaults of roleRef and subjects.
#include "api/kinds/rbac/rbac_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::rbac {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

constexpr const char* kGroup = "rbac.authorization.k8s.io";

size_t sizeOf(const json::object& o, const char* k) {
  const auto* a = v::getArray(o, k);
  return a ? a->size() : 0;
}

void validateRule(const json::object& rule, bool namespaced, const std::string& path, Causes& out) {
  if (sizeOf(rule, "verbs") == 0) {
    out.push_back(v::required(v::child(path, "verbs"), "verbs must contain at least one value"));
  }
  if (sizeOf(rule, "nonResourceURLs") > 0) {
    static const json::value kNull;
    const json::value* urls = rule.if_contains("nonResourceURLs");
    if (namespaced) {
      out.push_back(v::invalid(v::child(path, "nonResourceURLs"), urls ? *urls : kNull,
                               "namespaced rules cannot apply to non-resource URLs"));
    }
    if (sizeOf(rule, "apiGroups") > 0 || sizeOf(rule, "resources") > 0 ||
        sizeOf(rule, "resourceNames") > 0) {
      out.push_back(v::invalid(v::child(path, "nonResourceURLs"), urls ? *urls : kNull,
                               "rules cannot apply to both regular resources and non-resource "
                               "URLs"));
    }
    return;
  }
  if (sizeOf(rule, "apiGroups") == 0) {
    out.push_back(v::required(v::child(path, "apiGroups"),
                              "resource rules must supply at least one api group"));
  }
  if (sizeOf(rule, "resources") == 0) {
    out.push_back(v::required(v::child(path, "resources"),
                              "resource rules must supply at least one resource"));
  }
}

void validateSubject(const json::object& subject, bool namespaced, const std::string& path,
                     Causes& out) {
  auto name = v::getString(subject, "name").value_or("");
  if (name.empty()) out.push_back(v::required(v::child(path, "name")));
  auto kind = v::getString(subject, "kind").value_or("");
  auto apiGroup = v::getString(subject, "apiGroup").value_or("");
  if (kind == "ServiceAccount") {
    if (!name.empty()) {
      for (auto& m : v::nameIsDnsSubdomain(name, false)) {
        out.push_back(v::invalid(v::child(path, "name"), json::value(name), m));
      }
    }
    if (!apiGroup.empty()) {
      out.push_back(v::notSupported(v::child(path, "apiGroup"), json::value(apiGroup), {""}));
    }
    if (!namespaced && v::getString(subject, "namespace").value_or("").empty()) {
      out.push_back(v::required(v::child(path, "namespace")));
    }
  } else if (kind == "User" || kind == "Group") {
    if (apiGroup != kGroup) {
      out.push_back(v::notSupported(v::child(path, "apiGroup"), json::value(apiGroup), {kGroup}));
    }
  } else {
    out.push_back(v::notSupported(v::child(path, "kind"), json::value(kind),
                                  {"ServiceAccount", "User", "Group"}));
  }
}

// Go's %#v of rbac.RoleRef, as "cannot change roleRef" prints it.
std::string goPrintRoleRef(const json::object* ref) {
  static const json::object kEmpty;
  const auto& r = ref ? *ref : kEmpty;
  return "rbac.RoleRef{APIGroup:" + v::goQuote(v::getString(r, "apiGroup").value_or("")) +
         ", Kind:" + v::goQuote(v::getString(r, "kind").value_or("")) +
         ", Name:" + v::goQuote(v::getString(r, "name").value_or("")) + "}";
}

}  // namespace

void validatePolicyRules(const json::object& obj, bool namespaced, Causes& out) {
  const auto* rules = v::getArray(obj, "rules");
  if (!rules) return;
  for (size_t i = 0; i < rules->size(); ++i) {
    static const json::object kEmpty;
    const auto& rule = (*rules)[i].is_object() ? (*rules)[i].as_object() : kEmpty;
    validateRule(rule, namespaced, v::index("rules", i), out);
  }
}

void defaultBinding(json::object& obj) {
  if (auto* ref = obj.if_contains("roleRef"); ref && ref->is_object()) {
    if (v::getString(ref->as_object(), "apiGroup").value_or("").empty()) {
      ref->as_object()["apiGroup"] = kGroup;
    }
  }
  if (auto* subjects = obj.if_contains("subjects"); subjects && subjects->is_array()) {
    for (auto& s : subjects->as_array()) {
      if (!s.is_object()) continue;
      auto& subject = s.as_object();
      if (!v::getString(subject, "apiGroup").value_or("").empty()) continue;
      auto kind = v::getString(subject, "kind").value_or("");
      if (kind == "ServiceAccount") {
        subject["apiGroup"] = "";
      } else if (kind == "User" || kind == "Group") {
        subject["apiGroup"] = kGroup;
      }
    }
  }
}

void validateBinding(const json::object& obj, const json::object* old, bool namespaced,
                     Causes& out) {
  static const json::object kEmpty;
  const auto* refPtr = v::getObject(obj, "roleRef");
  const auto& ref = refPtr ? *refPtr : kEmpty;
  auto apiGroup = v::getString(ref, "apiGroup").value_or("");
  if (apiGroup != kGroup) {
    out.push_back(v::notSupported("roleRef.apiGroup", json::value(apiGroup), {kGroup}));
  }
  auto kind = v::getString(ref, "kind").value_or("");
  if (namespaced) {
    if (kind != "Role" && kind != "ClusterRole") {
      out.push_back(v::notSupported("roleRef.kind", json::value(kind), {"Role", "ClusterRole"}));
    }
  } else if (kind != "ClusterRole") {
    out.push_back(v::notSupported("roleRef.kind", json::value(kind), {"ClusterRole"}));
  }
  auto name = v::getString(ref, "name").value_or("");
  if (name.empty()) {
    out.push_back(v::required("roleRef.name"));
  } else {
    for (auto& m : v::nameIsPathSegment(name, false)) {
      out.push_back(v::invalid("roleRef.name", json::value(name), m));
    }
  }
  if (const auto* subjects = v::getArray(obj, "subjects")) {
    for (size_t i = 0; i < subjects->size(); ++i) {
      const auto& s = (*subjects)[i].is_object() ? (*subjects)[i].as_object() : kEmpty;
      validateSubject(s, namespaced, v::index("subjects", i), out);
    }
  }
  if (old) {
    const auto* oldRef = v::getObject(*old, "roleRef");
    static const json::object kNone;
    if ((refPtr ? *refPtr : kNone) != (oldRef ? *oldRef : kNone)) {
      out.push_back(v::invalidPrinted("roleRef", goPrintRoleRef(refPtr), "cannot change roleRef"));
    }
  }
}

}  // namespace cube::api::kinds::rbac
