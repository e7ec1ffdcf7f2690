#include "apiserver/rest/continue_token.h"

#include "common/api_error.h"
#include "common/json_util.h"

#include <boost/beast/core/detail/base64.hpp>

namespace cube::apiserver {

namespace b64 = boost::beast::detail::base64;

std::string encodeContinueToken(const ContinueToken& token) {
  boost::json::object o;
  o["v"] = "meta.k8s.io/v1";
  o["rv"] = token.revision;
  o["start"] = token.startAfter;
  std::string raw = json::serialize(o);
  std::string out(b64::encoded_size(raw.size()), '\0');
  out.resize(b64::encode(out.data(), raw.data(), raw.size()));
  return out;
}

ContinueToken decodeContinueToken(const std::string& token) {
  auto invalid = [] {
    return ApiError::badRequest(
        "continue key is not valid: incorrect encoded start resourceVersion "
        "(version meta.k8s.io/v1)");
  };
  if (token.size() > 8192) throw invalid();
  std::string raw(b64::decoded_size(token.size()), '\0');
  auto [written, read] = b64::decode(raw.data(), token.data(), token.size());
  raw.resize(written);
  ContinueToken t;
  try {
    boost::json::value v = json::parse(raw);
    if (!v.is_object()) throw invalid();
    const auto& o = v.get_object();
    if (json::getString(o, "v") != "meta.k8s.io/v1") throw invalid();
    t.revision = json::getInt(o, "rv");
    t.startAfter = json::getString(o, "start");
  } catch (const ApiError&) {
    throw invalid();
  }
  if (t.startAfter.empty()) throw invalid();
  return t;
}

}  // namespace cube::apiserver
