// apps/v1 ControllerRevision: revision non-negative, data immutable once written.
#include "api/kinds/apps/apps_strategies.h"
#include "api/kinds/apps/workload_validation.h"

namespace cube::api::kinds::apps {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

Causes validateControllerRevision(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  if (!obj.contains("data") || obj.at("data").is_null()) out.push_back(v::required("data"));
  v::append(out, v::validateNonnegative(obj, "revision", ""));
  if (old) {
    const json::value* now = obj.if_contains("data");
    const json::value* before = old->if_contains("data");
    v::append(out, v::validateImmutableField(now, before, "data"));
  }
  return out;
}

}  // namespace

KindStrategy controllerRevisionStrategy() {
  KindStrategy s;
  s.validate = validateControllerRevision;
  return s;
}

}  // namespace cube::api::kinds::apps
