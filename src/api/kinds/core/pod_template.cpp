// PodTemplate: a stored PodTemplateSpec; defaulted and validated like a controller's template.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/pod_spec.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

KindStrategy podTemplateStrategy() {
  KindStrategy s;
  s.applyDefaults = [](json::object& pt) {
    auto* tmpl = pt.if_contains("template");
    if (!tmpl || !tmpl->is_object()) return;
    if (auto* spec = tmpl->as_object().if_contains("spec"); spec && spec->is_object())
      v::defaultPodSpec(spec->as_object());
  };
  s.normalize = [](json::object& pt) {
    auto* tmpl = pt.if_contains("template");
    if (!tmpl || !tmpl->is_object()) return;
    if (auto* spec = tmpl->as_object().if_contains("spec"); spec && spec->is_object())
      v::normalizePodSpec(spec->as_object());
  };
  s.validate = [](const json::object& pt, const json::object* old) {
    v::Causes out = v::validateMeta(pt, old, true, v::nameIsDnsSubdomain);
    v::append(out, v::validatePodTemplateSpec(pt.if_contains("template"), "template"));
    return out;
  };
  return s;
}

}  // namespace cube::api::kinds::core
