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

}  // namespace cube::api::kinds::core
