#pragma once
// The Node object a node agent registers and the status it keeps reporting: capacity (=
// allocatable), conditions (MemoryPressure/DiskPressure/PIDPressure False, Ready True) with
// heartbeat times, addresses, nodeInfo, daemonEndpoints, and the well-known labels
// (kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch, their beta twins,
// node.kubernetes.io/instance-type). Pure functions of the config and a time.

#include "agent/node_config.h"
#include "common/clock.h"

#include <boost/json/object.hpp>

#include <string>

namespace cube::agent {

inline constexpr const char* kKubeletVersion = "v1.32.0-cube";

// The whole Node for the first registration.
boost::json::object buildNode(const NodeConfig& config, const std::string& runtimeVersion,
                              TimePoint now);

// The status to report now; `old` (the node's current status, may be null) keeps each condition's
// lastTransitionTime while its status does not change.
boost::json::object buildNodeStatus(const NodeConfig& config, const std::string& runtimeVersion,
                                    TimePoint now, const boost::json::object* old);

// The labels every node of this config carries.
boost::json::object nodeLabels(const NodeConfig& config);

}  // namespace cube::agent
