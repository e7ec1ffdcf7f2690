// ServiceAccount: names are DNS subdomains; referenced secrets need names.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

KindStrategy serviceAccountStrategy() {
  KindStrategy s;
  s.validate = [](const json::object& sa, const json::object* old) {
    return v::validateMeta(sa, old, true, v::nameIsDnsSubdomain);
  };
  return s;
}

}  // namespace cube::api::kinds::core
