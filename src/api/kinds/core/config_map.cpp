// ConfigMap: keys are config keys, data + binaryData together at most 1 MiB, and an immutable
// ConfigMap cannot change its data or become mutable again.

#include "api/kinds/core/core_strategies.h"
#include "api/kinds/core/data_size.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

v::Causes validate(const json::object& cm, const json::object* old) {
  v::Causes out = v::validateMeta(cm, old, true, v::nameIsDnsSubdomain);
  const auto* data = v::getObject(cm, "data");
  const auto* binary = v::getObject(cm, "binaryData");
  int64_t total = 0;
  if (data) {
    for (const auto& kv : *data) {
      std::string k(kv.key());
      validateDataKey("data", k, out);
      if (binary && binary->contains(k))
        out.push_back(v::invalid(v::key("data", k), json::value(k),
                                 "duplicate of key present in binaryData"));
      if (kv.value().is_string()) total += static_cast<int64_t>(kv.value().as_string().size());
    }
  }
  if (binary) {
    for (const auto& kv : *binary) {
      std::string k(kv.key());
      validateDataKey("binaryData", k, out);
      if (data && data->contains(k))
        out.push_back(v::invalid(v::key("binaryData", k), json::value(k),
                                 "duplicate of key present in data"));
      if (kv.value().is_string()) total += base64DecodedSize(kv.value().as_string());
    }
  }
  if (total > kMaxDataSize) out.push_back(v::tooLong("", kMaxDataSize));
  if (old) v::append(out, validateImmutableData(cm, *old, {"data", "binaryData"}));
  return out;
}

}  // namespace

KindStrategy configMapStrategy() {
  KindStrategy s;
  s.validate = validate;
  return s;
}

}  // namespace cube::api::kinds::core
