#include "agent/downward_api.h"

#include "api/validation/validation.h"
#include "common/json_util.h"
#include "common/quantity.h"

#include <cmath>
#include <map>
#include <optional>

namespace cube::agent {

namespace bj = boost::json;

namespace {

// "metadata.labels['app']" → "app" for the prefix "metadata.labels"; nullopt otherwise.
std::optional<std::string> subscript(const std::string& path, const std::string& prefix) {
  if (path.rfind(prefix + "['", 0) != 0 || path.size() < prefix.size() + 4) return std::nullopt;
  if (path.compare(path.size() - 2, 2, "']") != 0) return std::nullopt;
  return path.substr(prefix.size() + 2, path.size() - prefix.size() - 4);
}

// A whole labels/annotations map as the kubelet writes it: `k="v"` lines sorted by key.
std::string formatMap(const bj::object* m) {
  std::map<std::string, std::string> sorted;
  if (m) {
    for (const auto& [k, v] : *m) {
      if (v.is_string()) sorted[std::string(k)] = std::string(v.as_string());
    }
  }
  std::string out;
  for (const auto& [k, v] : sorted) {
    if (!out.empty()) out += "\n";
    out += k + "=" + api::validation::goQuote(v);
  }
  return out;
}

// ceil(value / divisor), the kubelet's rounding; a zero divisor counts as 1 (of the unit).
std::string divideRoundingUp(int64_t value, int64_t divisor, int64_t one) {
  if (divisor == 0) divisor = one;
  return std::to_string(
      static_cast<int64_t>(std::ceil(static_cast<double>(value) / static_cast<double>(divisor))));
}

}  // namespace

std::string resolveFieldRef(const bj::object& pod, const DownwardApiContext& context,
                            const std::string& path) {
  static const bj::object kEmpty;
  const auto* metaPtr = json::getObject(pod, "metadata");
  const auto& meta = metaPtr ? *metaPtr : kEmpty;
  const auto* specPtr = json::getObject(pod, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  if (path == "metadata.name") return json::getString(meta, "name");
  if (path == "metadata.namespace") return json::getString(meta, "namespace");
  if (path == "metadata.uid") return json::getString(meta, "uid");
  if (path == "spec.nodeName") return json::getString(spec, "nodeName");
  if (path == "spec.serviceAccountName") return json::getString(spec, "serviceAccountName");
  if (path == "status.hostIP" || path == "status.hostIPs") return context.hostIP;
  if (path == "status.podIP" || path == "status.podIPs") return context.podIP;
  for (const char* map : {"labels", "annotations"}) {
    std::string field = std::string("metadata.") + map;
    if (path == field) return formatMap(json::getObject(meta, map));
    if (auto key = subscript(path, field)) {
      const auto* m = json::getObject(meta, map);
      return m ? json::getString(*m, *key) : "";
    }
  }
  throw DownwardApiError("unsupported fieldPath: " + path);
}

std::string resolveResourceFieldRef(const bj::object& container, const DownwardApiContext& context,
                                    const std::string& resource, const std::string& divisorText) {
  auto unsupported = [&] {
    return DownwardApiError("unsupported container resource : " + resource);
  };
  auto dot = resource.find('.');
  if (dot == std::string::npos) throw unsupported();
  std::string section = resource.substr(0, dot);  // limits or requests
  std::string name = resource.substr(dot + 1);
  if (section != "limits" && section != "requests") throw unsupported();
  bool cpu = name == "cpu";
  if (!cpu && name != "memory" && name != "ephemeral-storage" && name.rfind("hugepages-", 0) != 0) {
    throw unsupported();
  }
  std::string quantity;
  if (const auto* res = json::getObject(container, "resources")) {
    if (const auto* s = json::getObject(*res, section)) quantity = json::getString(*s, name);
  }
  if (quantity.empty() && section == "limits") {
    // The kubelet merges the node's allocatable into unset limits.
    if (cpu) quantity = context.nodeCpu;
    if (name == "memory") quantity = context.nodeMemory;
    if (name == "ephemeral-storage") quantity = context.nodeEphemeralStorage;
  }
  if (quantity.empty()) quantity = "0";
  std::string divisor = divisorText.empty() ? "1" : divisorText;
  if (cpu) {
    auto v = quantityMilliValue(quantity);
    auto d = quantityMilliValue(divisor);
    if (!v || !d) throw DownwardApiError("invalid cpu quantity or divisor");
    return divideRoundingUp(*v, *d, 1000);
  }
  auto v = quantityValue(quantity);
  auto d = quantityValue(divisor);
  if (!v || !d) throw DownwardApiError("invalid quantity or divisor of " + name);
  return divideRoundingUp(*v, *d, 1);
}

std::string divisorOf(const bj::object& ref) {
  const auto* d = ref.if_contains("divisor");
  if (!d) return "";
  if (d->is_string()) return std::string(d->as_string());
  if (d->is_int64()) return std::to_string(d->as_int64());
  if (d->is_uint64()) return std::to_string(d->as_uint64());
  return "";
}

}  // namespace cube::agent
