#include "apiserver/handlers/media_type.h"

#include "common/api_error.h"

#include <algorithm>
#include <map>
#include <vector>

namespace cube::apiserver {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(trim(s.substr(start, pos - start)));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

struct MediaRange {
  std::string type;
  std::map<std::string, std::string> params;
};

MediaRange parseRange(const std::string& text) {
  MediaRange r;
  auto parts = split(text, ';');
  r.type = parts.empty() ? "" : parts[0];
  std::transform(r.type.begin(), r.type.end(), r.type.begin(), ::tolower);
  for (size_t i = 1; i < parts.size(); ++i) {
    auto eq = parts[i].find('=');
    if (eq == std::string::npos) continue;
    r.params[trim(parts[i].substr(0, eq))] = trim(parts[i].substr(eq + 1));
  }
  return r;
}

}  // namespace

Negotiated negotiate(const std::string& accept, bool discovery) {
  if (trim(accept).empty()) return {};
  for (const auto& item : split(accept, ',')) {
    MediaRange r = parseRange(item);
    bool jsonLike = r.type == "application/json" || r.type == "*/*" || r.type == "application/*" ||
                    r.type == "application/yaml";
    if (!jsonLike) continue;
    auto as = r.params.find("as");
    if (as == r.params.end()) return {};
    std::string g = r.params.count("g") ? r.params["g"] : "";
    std::string v = r.params.count("v") ? r.params["v"] : "";
    if (g == "meta.k8s.io" && (v == "v1" || v == "v1beta1")) {
      if (as->second == "Table") return {Representation::Table, v};
      if (as->second == "PartialObjectMetadata" || as->second == "PartialObjectMetadataList") {
        return {Representation::PartialObjectMetadata, v};
      }
    }
    if (discovery && g == "apidiscovery.k8s.io" && as->second == "APIGroupDiscoveryList") {
      if (v == "v2") return {Representation::AggregatedDiscovery, "v2"};
      if (v == "v2beta1") return {Representation::AggregatedDiscoveryBeta1, "v2beta1"};
    }
  }
  throw ApiError::notAcceptable(
      "only the following media types are accepted: application/json, "
      "application/yaml");
}

BodyFormat bodyFormat(const std::string& contentType) {
  std::string t = parseRange(contentType).type;
  if (t.empty() || t == "application/json") return BodyFormat::Json;
  if (t == "application/yaml" || t == "application/x-yaml" || t == "text/yaml") {
    return BodyFormat::Yaml;
  }
  if (t == "application/vnd.kubernetes.protobuf") return BodyFormat::Protobuf;
  if (t == "application/json-patch+json") return BodyFormat::JsonPatch;
  if (t == "application/merge-patch+json") return BodyFormat::MergePatch;
  if (t == "application/strategic-merge-patch+json") return BodyFormat::StrategicMergePatch;
  if (t == "application/apply-patch+yaml" || t == "application/apply-patch+cbor") {
    return BodyFormat::ApplyPatch;
  }
  return BodyFormat::Unknown;
}

}  // namespace cube::apiserver
