#include "scheduler/node_info.h"

#include "common/json_util.h"

namespace cube::scheduler {

namespace bj = boost::json;

NodeSpecInfo parseNodeSpecInfo(const bj::object& node) {
  NodeSpecInfo n;
  if (const bj::object* meta = json::getObject(node, "metadata")) {
    n.name = json::getString(*meta, "name");
    if (const bj::object* labels = json::getObject(*meta, "labels")) {
      for (const auto& [k, v] : *labels) {
        if (v.is_string()) n.labels.emplace(std::string(k), std::string(v.get_string()));
      }
    }
  }
  if (const bj::object* spec = json::getObject(node, "spec")) {
    n.unschedulable = json::getBool(*spec, "unschedulable");
    n.taints = parseTaints(json::getArray(*spec, "taints"));
  }
  n.allocatable = nodeAllocatable(node);
  if (const bj::object* status = json::getObject(node, "status")) {
    if (const bj::array* conditions = json::getArray(*status, "conditions")) {
      for (const bj::value& c : *conditions) {
        if (c.is_object() && json::getString(c.get_object(), "type") == "Ready") {
          n.ready = json::getString(c.get_object(), "status") == "True";
        }
      }
    }
  }
  return n;
}

void NodeInfo::addPod(const PodInfo& pod) {
  requested.add(pod.requests);
  nonZeroRequested.add(pod.nonZeroRequests);
  ++podCount;
  for (const HostPort& p : pod.hostPorts) hostPorts.add(p);
}

void NodeInfo::removePod(const PodInfo& pod) {
  requested.subtract(pod.requests);
  nonZeroRequested.subtract(pod.nonZeroRequests);
  --podCount;
  for (const HostPort& p : pod.hostPorts) hostPorts.remove(p);
}

}  // namespace cube::scheduler
