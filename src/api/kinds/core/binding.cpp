// Binding: posted to pods/binding (or bindings) to assign a pod to a node; only Node targets.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

KindStrategy bindingStrategy() {
  KindStrategy s;
  s.validate = [](const json::object& b, const json::object* old) {
    v::Causes out = v::validateMeta(b, old, true, v::nameIsDnsSubdomain);
    static const json::object kEmpty;
    const auto* t = v::getObject(b, "target");
    const auto& target = t ? *t : kEmpty;
    auto kind = v::getString(target, "kind").value_or("");
    if (!kind.empty() && kind != "Node")
      out.push_back(v::notSupported("target.kind", json::value(kind), {"Node", "<empty>"}));
    if (v::getString(target, "name").value_or("").empty())
      out.push_back(v::required("target.name"));
    return out;
  };
  return s;
}

}  // namespace cube::api::kinds::core
