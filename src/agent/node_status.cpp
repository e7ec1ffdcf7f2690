#include "agent/node_status.h"

#include "agent/conditions.h"
#include "common/json_util.h"

#include <sys/utsname.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace cube::agent {

namespace bj = boost::json;

namespace {

std::string kernelVersion() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return u.release;
}

// Stable per node name, so a re-registration reports the same machine.
std::string machineId(const std::string& nodeName, const char* salt) {
  size_t h1 = std::hash<std::string>{}(nodeName + salt);
  size_t h2 = std::hash<std::string>{}(std::string(salt) + nodeName);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016zx%016zx", h1, h2);
  return buf;
}

// The first line of a host file, or "" when it cannot be read.
std::string firstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// PRETTY_NAME of /etc/os-release, as the kubelet reports the OS image.
std::string hostOsImage() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string value = line.substr(12);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return "Linux";
}

bj::object condition(const bj::array* old, const std::string& type, const std::string& status,
                     const std::string& reason, const std::string& message, TimePoint now) {
  std::string stamp = formatRfc3339(now);
  std::string transition = transitionTime(old, type, status, stamp);
  return bj::object{{"type", type},
                    {"status", status},
                    {"lastHeartbeatTime", stamp},
                    {"lastTransitionTime", transition},
                    {"reason", reason},
                    {"message", message}};
}

}  // namespace

bj::object nodeLabels(const NodeConfig& config) {
  bj::object labels{{"kubernetes.io/hostname", config.nodeName},
                    {"kubernetes.io/os", "linux"},
                    {"kubernetes.io/arch", "amd64"},
                    {"beta.kubernetes.io/os", "linux"},
                    {"beta.kubernetes.io/arch", "amd64"}};
  if (!config.runtimeLabel.empty()) {
    labels["node.kubernetes.io/instance-type"] = "cube-" + config.runtimeLabel;
  }
  for (const auto& [k, v] : config.labels) labels[k] = v;
  return labels;
}

bj::object buildNodeStatus(const NodeConfig& config, const std::string& runtimeVersion,
                           TimePoint now, const bj::object* old) {
  const bj::array* oldConditions = old ? json::getArray(*old, "conditions") : nullptr;
  bj::object resources{{"cpu", config.cpu},
                       {"memory", config.memory},
                       {"pods", config.pods},
                       {"ephemeral-storage", config.ephemeralStorage}};
  bj::object allocatable = resources;
  if (!config.allocatableMemory.empty()) allocatable["memory"] = config.allocatableMemory;
  if (!config.allocatableEphemeralStorage.empty()) {
    allocatable["ephemeral-storage"] = config.allocatableEphemeralStorage;
  }
  bj::array conditions{
      condition(oldConditions, "MemoryPressure", "False", "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available", now),
      condition(oldConditions, "DiskPressure", "False", "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure", now),
      condition(oldConditions, "PIDPressure", "False", "KubeletHasSufficientPID",
                "kubelet has sufficient PID available", now),
      condition(oldConditions, "Ready", "True", "KubeletReady", "kubelet is posting ready status",
                now),
  };
  bool fake = runtimeVersion.rfind("fake://", 0) == 0;
  // A real node is this host, as the kubelet reports it; hollow nodes make up stable ids.
  std::string machine = fake ? "" : firstLine("/etc/machine-id");
  std::string system = fake ? "" : firstLine("/sys/class/dmi/id/product_uuid");
  std::string boot = fake ? "" : firstLine("/proc/sys/kernel/random/boot_id");
  bj::object nodeInfo{
      {"machineID", !machine.empty() ? machine : machineId(config.nodeName, "machine")},
      {"systemUUID", !system.empty() ? system : machineId(config.nodeName, "system")},
      {"bootID", !boot.empty() ? boot : machineId(config.nodeName, "boot")},
      {"kernelVersion", kernelVersion()},
      {"osImage", fake ? "cube hollow node" : hostOsImage()},
      {"containerRuntimeVersion", runtimeVersion},
      {"kubeletVersion", kKubeletVersion},
      {"kubeProxyVersion", kKubeletVersion},
      {"operatingSystem", "linux"},
      {"architecture", "amd64"}};
  return bj::object{
      {"capacity", resources},
      {"allocatable", std::move(allocatable)},
      {"conditions", std::move(conditions)},
      {"addresses", bj::array{bj::object{{"type", "InternalIP"}, {"address", config.internalIP}},
                              bj::object{{"type", "Hostname"}, {"address", config.nodeName}}}},
      {"daemonEndpoints",
       bj::object{{"kubeletEndpoint", bj::object{{"Port", std::max(0, config.kubeletPort)}}}}},
      {"nodeInfo", std::move(nodeInfo)},
  };
}

bj::object buildNode(const NodeConfig& config, const std::string& runtimeVersion, TimePoint now) {
  bj::object spec;
  if (!config.registerTaints.empty()) {
    bj::array taints;
    for (const auto& t : config.registerTaints) {
      bj::object taint{{"key", t.key}, {"effect", t.effect}};
      if (!t.value.empty()) taint["value"] = t.value;
      taints.push_back(std::move(taint));
    }
    spec["taints"] = std::move(taints);
  }
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", bj::object{{"name", config.nodeName}, {"labels", nodeLabels(config)}}},
      {"spec", std::move(spec)},
      {"status", buildNodeStatus(config, runtimeVersion, now, nullptr)},
  };
}

namespace {

std::vector<std::string> splitCommas(const std::string& spec) {
  std::vector<std::string> items;
  std::stringstream in(spec);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

}  // namespace

std::map<std::string, std::string> parseNodeLabels(const std::string& spec) {
  std::map<std::string, std::string> labels;
  for (const std::string& item : splitCommas(spec)) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw std::invalid_argument("invalid label \"" + item + "\": want key=value");
    }
    labels[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return labels;
}

std::vector<NodeTaint> parseNodeTaints(const std::string& spec) {
  std::vector<NodeTaint> taints;
  for (const std::string& item : splitCommas(spec)) {
    size_t colon = item.find(':');
    // One colon before the effect and at most one '=' in key=value, as Kubernetes parses taints.
    if (colon == std::string::npos || item.find(':', colon + 1) != std::string::npos ||
        std::count(item.begin(), item.begin() + colon, '=') > 1) {
      throw std::invalid_argument("invalid taint spec \"" + item + "\": want key=value:Effect");
    }
    NodeTaint t;
    t.effect = item.substr(colon + 1);
    std::string keyValue = item.substr(0, colon);
    size_t eq = keyValue.find('=');
    t.key = keyValue.substr(0, eq);
    if (eq != std::string::npos) t.value = keyValue.substr(eq + 1);
    if (t.key.empty()) throw std::invalid_argument("invalid taint spec \"" + item + "\": no key");
    if (t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute") {
      throw std::invalid_argument("invalid taint effect \"" + t.effect + "\" in \"" + item +
                                  "\": NoSchedule, PreferNoSchedule or NoExecute");
    }
    taints.push_back(std::move(t));
  }
  return taints;
}

}  // namespace cube::agent
