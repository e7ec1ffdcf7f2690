#include "agent/conditions.h"

#include "common/json_util.h"

namespace cube::agent {

std::string transitionTime(const boost::json::array* old, const std::string& type,
                           const std::string& status, const std::string& now) {
  std::string transition = now;
  if (!old) return transition;
  for (const auto& v : *old) {
    if (!v.is_object()) continue;
    const auto& c = v.as_object();
    if (json::getString(c, "type") == type && json::getString(c, "status") == status) {
      std::string t = json::getString(c, "lastTransitionTime");
      if (!t.empty()) transition = t;
    }
  }
  return transition;
}

}  // namespace cube::agent
