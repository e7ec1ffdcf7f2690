#include "agent/streaming/pod_locator.h"

#include <algorithm>
#include <vector>

namespace cube::agent::streaming {

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
  size_t index = previous ? 1 : 0;
  if (instances.size() <= index) return std::nullopt;
  return instances[index];
}

}  // namespace cube::agent::streaming
