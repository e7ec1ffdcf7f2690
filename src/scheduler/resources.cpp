#include "scheduler/resources.h"

#include "common/json_util.h"
#include "common/quantity.h"

#include <algorithm>

namespace cube::scheduler {

namespace bj = boost::json;

int64_t Resources::scalar(const std::string& name) const {
  for (const auto& [n, v] : scalars) {
    if (n == name) return v;
  }
  return 0;
}

void Resources::addScalar(const std::string& name, int64_t amount) {
  for (auto& [n, v] : scalars) {
    if (n == name) {
      v += amount;
      return;
    }
  }
  scalars.emplace_back(name, amount);
}

void Resources::add(const Resources& other) {
  milliCpu += other.milliCpu;
  memory += other.memory;
  for (const auto& [n, v] : other.scalars) addScalar(n, v);
}

void Resources::subtract(const Resources& other) {
  milliCpu -= other.milliCpu;
  memory -= other.memory;
  for (const auto& [n, v] : other.scalars) addScalar(n, -v);
  // Drop the names that fell back to zero so a node's vector does not grow forever.
  std::erase_if(scalars, [](const auto& s) { return s.second == 0; });
}

void Resources::maxWith(const Resources& other) {
  milliCpu = std::max(milliCpu, other.milliCpu);
  memory = std::max(memory, other.memory);
  for (const auto& [n, v] : other.scalars) {
    int64_t mine = scalar(n);
    if (v > mine) addScalar(n, v - mine);
  }
}

namespace {

// Adds the named quantities of a ResourceList object (requests, allocatable, overhead).
void addResourceList(const bj::object& list, Resources& into) {
  for (const auto& [key, v] : list) {
    if (!v.is_string()) continue;
    std::string_view text = v.get_string();
    if (key == "cpu") {
      into.milliCpu += quantityMilliValue(text).value_or(0);
    } else if (key == "memory") {
      into.memory += quantityValue(text).value_or(0);
    } else if (key != "pods") {
      int64_t amount = quantityValue(text).value_or(0);
      if (amount != 0) into.addScalar(std::string(key), amount);
    }
  }
}

Resources podRequestsImpl(const bj::object& pod, bool nonZero) {
  Resources result;
  const bj::object* spec = json::getObject(pod, "spec");
  if (!spec) return result;

  Resources sum;
  if (const bj::array* containers = json::getArray(*spec, "containers")) {
    for (const bj::value& c : *containers) {
      if (c.is_object()) sum.add(containerRequests(c.get_object(), nonZero));
    }
  }
  Resources sidecars;  // restartable init containers started so far
  Resources initPeak;  // the most any moment of the init phase needs
  if (const bj::array* inits = json::getArray(*spec, "initContainers")) {
    for (const bj::value& c : *inits) {
      if (!c.is_object()) continue;
      Resources r = containerRequests(c.get_object(), nonZero);
      if (json::getString(c.get_object(), "restartPolicy") == "Always") {
        sidecars.add(r);
        initPeak.maxWith(sidecars);
      } else {
        Resources during = sidecars;
        during.add(r);
        initPeak.maxWith(during);
      }
    }
  }
  result = sum;
  result.add(sidecars);
  result.maxWith(initPeak);
  if (const bj::object* overhead = json::getObject(*spec, "overhead")) {
    addResourceList(*overhead, result);
  }
  return result;
}

}  // namespace

Resources containerRequests(const bj::object& container, bool nonZero) {
  Resources r;
  const bj::object* resources = json::getObject(container, "resources");
  const bj::object* requests = resources ? json::getObject(*resources, "requests") : nullptr;
  bool hasCpu = false;
  bool hasMemory = false;
  if (requests) {
    addResourceList(*requests, r);
    hasCpu = requests->contains("cpu");
    hasMemory = requests->contains("memory");
  }
  if (nonZero) {
    if (!hasCpu) r.milliCpu = kDefaultMilliCpuRequest;
    if (!hasMemory) r.memory = kDefaultMemoryRequest;
  }
  return r;
}

Resources podRequests(const bj::object& pod) {
  return podRequestsImpl(pod, false);
}

Resources podNonZeroRequests(const bj::object& pod) {
  return podRequestsImpl(pod, true);
}

Allocatable nodeAllocatable(const bj::object& node) {
  Allocatable a;
  const bj::object* status = json::getObject(node, "status");
  if (!status) return a;
  const bj::object* list = json::getObject(*status, "allocatable");
  if (!list || list->empty()) list = json::getObject(*status, "capacity");
  if (!list) return a;
  addResourceList(*list, a.resources);
  if (const auto it = list->find("pods"); it != list->end() && it->value().is_string()) {
    a.pods = quantityValue(it->value().get_string()).value_or(0);
  }
  return a;
}

}  // namespace cube::scheduler
