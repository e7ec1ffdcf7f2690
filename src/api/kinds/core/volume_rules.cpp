#include "api/kinds/core/volume_rules.h"

#include <algorithm>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

void validateAccessModes(const json::object& spec, std::string_view path,
                         std::string_view emptyMessage, v::Causes& out) {
  const auto* modes = v::getArray(spec, "accessModes");
  std::string p = v::child(path, "accessModes");
  if (!modes || modes->empty()) {
    out.push_back(v::required(p, emptyMessage));
    return;
  }
  static const std::vector<std::string> kModes = {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
                                                  "ReadWriteOncePod"};
  bool oncePod = false;
  for (const auto& m : *modes) {
    if (!m.is_string()) continue;
    std::string mode(m.as_string());
    if (std::find(kModes.begin(), kModes.end(), mode) == kModes.end())
      out.push_back(v::notSupported(p, m, kModes));
    if (mode == "ReadWriteOncePod") oncePod = true;
  }
  if (oncePod && modes->size() > 1)
    out.push_back(v::forbidden(p, "may not use ReadWriteOncePod with other access modes"));
}

void validateVolumeMode(const json::object& spec, std::string_view path, v::Causes& out) {
  if (auto mode = v::getString(spec, "volumeMode");
      mode && *mode != "Block" && *mode != "Filesystem")
    out.push_back(
        v::notSupported(v::child(path, "volumeMode"), json::value(*mode), {"Block", "Filesystem"}));
}

void validateStorageClassName(const json::object& spec, std::string_view path, v::Causes& out) {
  if (auto sc = v::getString(spec, "storageClassName"); sc && !sc->empty())
    for (auto& m : v::nameIsDnsSubdomain(*sc, false))
      out.push_back(v::invalid(v::child(path, "storageClassName"), json::value(*sc), m));
}

}  // namespace cube::api::kinds::core
