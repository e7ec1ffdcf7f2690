// Secret: `stringData` is folded into `data` (base64) before storing, type defaults to Opaque,
// typed secrets need their well-known keys, and type plus immutable data cannot change.

#include "api/kinds/core/core_strategies.h"
#include "api/kinds/core/data_size.h"
#include "api/validation/validation.h"

#include <boost/json/parse.hpp>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

void defaults(json::object& secret) {
  if (v::getString(secret, "type").value_or("").empty()) secret["type"] = "Opaque";
  // stringData is write-only: merge it into data (it wins over data) and drop it, as the
  // Kubernetes conversion does.
  auto* sd = secret.if_contains("stringData");
  if (sd && sd->is_object()) {
    auto& data = v::ensureObject(secret, "data");
    for (const auto& kv : sd->as_object())
      if (kv.value().is_string()) data[kv.key()] = base64Encode(kv.value().as_string());
  }
  if (sd) secret.erase("stringData");
}

bool hasDataKey(const json::object* data, std::string_view k) {
  return data && data->contains(k);
}

std::string decode(std::string_view b64) {
  std::string out;
  int val = 0, bits = -8;
  for (unsigned char c : b64) {
    int d;
    if (c >= 'A' && c <= 'Z')
      d = c - 'A';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      d = c - '0' + 52;
    else if (c == '+')
      d = 62;
    else if (c == '/')
      d = 63;
    else
      break;
    val = (val << 6) + d;
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((val >> bits) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

void validateDockerConfig(const json::object* data, std::string_view k, v::Causes& out) {
  if (!hasDataKey(data, k)) {
    out.push_back(v::required(v::key("data", k)));
    return;
  }
  const auto& value = data->at(k);
  if (!value.is_string()) return;
  boost::system::error_code ec;
  auto parsed = json::parse(decode(value.as_string()), ec);
  if (ec || !parsed.is_object())
    out.push_back(v::invalid(v::key("data", k), json::value("<secret contents redacted>"),
                             ec ? ec.message() : "json: cannot unmarshal into a map"));
}

v::Causes validate(const json::object& secret, const json::object* old) {
  v::Causes out = v::validateMeta(secret, old, true, v::nameIsDnsSubdomain);
  const auto* data = v::getObject(secret, "data");
  int64_t total = 0;
  if (data) {
    for (const auto& kv : *data) {
      std::string k(kv.key());
      validateDataKey("data", k, out);
      if (kv.value().is_string()) total += base64DecodedSize(kv.value().as_string());
    }
  }
  if (total > kMaxDataSize) out.push_back(v::tooLong("data", kMaxDataSize));
  std::string type(v::getString(secret, "type").value_or(""));
  if (type == "kubernetes.io/service-account-token") {
    const auto* meta = v::getObject(secret, "metadata");
    const auto* ann = meta ? v::getObject(*meta, "annotations") : nullptr;
    if (!ann || v::getString(*ann, "kubernetes.io/service-account.name").value_or("").empty())
      out.push_back(
          v::required(v::key("metadata.annotations", "kubernetes.io/service-account.name")));
  } else if (type == "kubernetes.io/dockercfg") {
    validateDockerConfig(data, ".dockercfg", out);
  } else if (type == "kubernetes.io/dockerconfigjson") {
    validateDockerConfig(data, ".dockerconfigjson", out);
  } else if (type == "kubernetes.io/basic-auth") {
    if (!hasDataKey(data, "username") && !hasDataKey(data, "password")) {
      out.push_back(v::required(v::key("data", "username")));
      out.push_back(v::required(v::key("data", "password")));
    }
  } else if (type == "kubernetes.io/ssh-auth") {
    auto pk = data ? v::getString(*data, "ssh-privatekey") : std::nullopt;
    if (!pk || pk->empty()) out.push_back(v::required(v::key("data", "ssh-privatekey")));
  } else if (type == "kubernetes.io/tls") {
    if (!hasDataKey(data, "tls.crt")) out.push_back(v::required(v::key("data", "tls.crt")));
    if (!hasDataKey(data, "tls.key")) out.push_back(v::required(v::key("data", "tls.key")));
  }
  if (old) {
    const json::value* now = secret.if_contains("type");
    const json::value* before = old->if_contains("type");
    v::append(out, v::validateImmutableField(now, before, "type"));
    v::append(out, validateImmutableData(secret, *old, {"data"}));
  }
  return out;
}

}  // namespace

KindStrategy secretStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace cube::api::kinds::core
