#include "agent/streaming/pod_locator.h"

#include "common/json_util.h"

#include <algorithm>
#include <vector>

namespace cube::agent::streaming {

namespace {

// The containerID of `state` (running or terminated) in the pod's status entry for `name`.
std::string statusContainerId(const boost::json::object& pod, const std::string& name,
                              const char* stateField) {
  const auto* status = json::getObject(pod, "status");
  if (!status) return "";
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const auto* items = json::getArray(*status, list);
    if (!items) continue;
    for (const auto& item : *items) {
      if (!item.is_object() || json::getString(item.as_object(), "name") != name) continue;
      const auto* state = json::getObject(item.as_object(), stateField);
      if (!state) return "";
      // A running state carries no containerID: the entry's own is the running container's.
      if (json::getObject(*state, "running"))
        return json::getString(item.as_object(), "containerID");
      if (const auto* terminated = json::getObject(*state, "terminated")) {
        return json::getString(*terminated, "containerID");
      }
    }
  }
  return "";
}

}  // namespace

std::optional<runtime::ContainerStatus> findContainer(const LocatedPod& pod,
                                                      const std::string& name, bool previous) {
  std::vector<runtime::ContainerStatus> instances;
  for (const auto& sandbox : pod.runtime->listSandboxes()) {
    if (sandbox.podUid != pod.uid) continue;
    for (auto& c : pod.runtime->listContainers(sandbox.id)) {
      if (c.name == name) instances.push_back(std::move(c));
    }
  }
  std::sort(instances.begin(), instances.end(),
            [](const auto& a, const auto& b) { return a.attempt > b.attempt; });
  // As the kubelet: --previous is the pod status' lastState.terminated; the current one is the
  // state's container, or while it waits to restart, again lastState's.
  std::string id;
  if (pod.pod) {
    std::string current = statusContainerId(*pod.pod, name, "state");
    std::string last = statusContainerId(*pod.pod, name, "lastState");
    id = previous ? last : (current.empty() ? last : current);
  }
  for (const auto& c : instances) {
    if (!id.empty() && c.id == id) return c;
  }
  size_t index = previous ? 1 : 0;  // the status does not say (yet): by attempt
  if (instances.size() <= index) return std::nullopt;
  return instances[index];
}

}  // namespace cube::agent::streaming
