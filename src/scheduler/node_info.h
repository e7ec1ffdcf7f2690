#pragma once
// NodeInfo: one node as the scheduler sees it — the parsed Node (labels, taints, allocatable,
// readiness) plus running totals of what the pods on it (bound or assumed) use. The totals are
// kept incrementally as pods come and go, so a filter reads them in O(1).

#include "client/informer.h"
#include "scheduler/host_ports.h"
#include "scheduler/node_affinity.h"
#include "scheduler/pod_info.h"
#include "scheduler/resources.h"
#include "scheduler/taints.h"

#include <memory>
#include <string>
#include <vector>

namespace cube::scheduler {

// The parts of a Node object that decide placement.
struct NodeSpecInfo {
  std::string name;
  Labels labels;
  std::vector<Taint> taints;
  Allocatable allocatable;
  bool ready = false;
  bool unschedulable = false;

  bool operator==(const NodeSpecInfo&) const = default;
};

NodeSpecInfo parseNodeSpecInfo(const boost::json::object& node);

struct NodeInfo {
  NodeSpecInfo spec;

  // Totals over the pods on this node (bound and assumed).
  Resources requested;
  Resources nonZeroRequested;
  int64_t podCount = 0;
  HostPortSet hostPorts;

  const std::string& name() const { return spec.name; }
  void addPod(const PodInfo& pod);
  void removePod(const PodInfo& pod);
};

}  // namespace cube::scheduler
