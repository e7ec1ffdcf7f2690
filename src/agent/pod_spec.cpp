#include "agent/pod_spec.h"

#include "common/json_util.h"

#include <algorithm>

namespace cube::agent {

namespace bj = boost::json;

std::chrono::seconds podGrace(const bj::object& pod) {
  const auto* spec = json::getObject(pod, "spec");
  int64_t grace = spec ? json::getInt(*spec, "terminationGracePeriodSeconds", 30) : 30;
  return std::chrono::seconds(std::max<int64_t>(grace, 0));
}

const bj::object* findContainerSpec(const bj::object& pod, const std::string& name) {
  const auto* spec = json::getObject(pod, "spec");
  if (!spec) return nullptr;
  for (const char* field : {"containers", "initContainers"}) {
    if (const auto* list = json::getArray(*spec, field)) {
      for (const auto& c : *list) {
        if (c.is_object() && json::getString(c.as_object(), "name") == name) return &c.as_object();
      }
    }
  }
  return nullptr;
}

bool isInitContainer(const bj::object& pod, const std::string& name) {
  const auto* spec = json::getObject(pod, "spec");
  const auto* inits = spec ? json::getArray(*spec, "initContainers") : nullptr;
  if (!inits) return false;
  return std::any_of(inits->begin(), inits->end(), [&](const bj::value& c) {
    return c.is_object() && json::getString(c.as_object(), "name") == name;
  });
}

std::string podDescription(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  if (!meta) return "";
  return json::getString(*meta, "name") + "_" + json::getString(*meta, "namespace") + "(" +
         json::getString(*meta, "uid") + ")";
}

}  // namespace cube::agent
