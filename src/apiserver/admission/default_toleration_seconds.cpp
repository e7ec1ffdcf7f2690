#include "apiserver/admission/default_toleration_seconds.h"

#include "common/json_util.h"

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

// Whether `toleration` covers a NoExecute taint with `key` whatever its value: Kubernetes counts
// a toleration of the key (or of every key) with the NoExecute effect or every effect.
bool coversNoExecute(const bj::value& toleration, const std::string& key) {
  if (!toleration.is_object()) return false;
  const auto& t = toleration.as_object();
  std::string tKey = json::getString(t, "key");
  std::string effect = json::getString(t, "effect");
  return (tKey.empty() || tKey == key) && (effect.empty() || effect == "NoExecute");
}

bj::object defaultToleration(const std::string& key, int64_t seconds) {
  return bj::object{{"key", key},
                    {"operator", "Exists"},
                    {"effect", "NoExecute"},
                    {"tolerationSeconds", seconds}};
}

}  // namespace

DefaultTolerationSeconds::DefaultTolerationSeconds(DefaultTolerationSecondsOptions options)
    : options_(options) {}

void DefaultTolerationSeconds::admit(AdmissionRequest& request) {
  const auto& r = *request.resource;
  if (!r.group.empty() || r.kind != "Pod" || !request.subresource.empty()) return;
  if (request.operation != AdmissionOperation::Create || !request.object) return;
  auto& spec = json::ensureObject(*request.object, "spec");
  bj::value* existing = spec.if_contains("tolerations");
  if (existing && !existing->is_array()) return;  // validation reports the bad type
  bool notReady = false, unreachable = false;
  if (existing) {
    for (const auto& t : existing->as_array()) {
      notReady = notReady || coversNoExecute(t, kNotReadyTaint);
      unreachable = unreachable || coversNoExecute(t, kUnreachableTaint);
    }
  }
  if (notReady && unreachable) return;
  if (!existing) existing = &(spec["tolerations"] = bj::array());
  auto& tolerations = existing->as_array();
  if (!notReady) tolerations.push_back(defaultToleration(kNotReadyTaint, options_.notReadySeconds));
  if (!unreachable)
    tolerations.push_back(defaultToleration(kUnreachableTaint, options_.unreachableSeconds));
}

}  // namespace cube::apiserver
