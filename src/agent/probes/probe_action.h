#pragma once
// Runs one probe or hook action against a container: exec through the runtime's execSync,
// httpGet and tcpSocket against the pod's IP (or the action's host) from the agent, as the
// kubelet connects from the node. Blocking, bounded by `timeout`.

#include "agent/probes/probe_result.h"
#include "agent/probes/probe_spec.h"
#include "runtime/runtime.h"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace cube::agent::probes {

struct ActionTarget {
  runtime::RuntimePtr runtime;
  std::string containerId;
  std::string podIP;                  // the default host
  boost::json::object containerSpec;  // for named ports
  // False on hollow nodes (the fake runtime): their pods have no network, so httpGet and
  // tcpSocket succeed without connecting (and no packet leaves for an address nobody holds).
  bool network = true;
};

// Whether pods of `runtime` can be reached over the network (all but the fake runtime).
bool runtimeHasNetwork(const runtime::Runtime& runtime);

// `hook`: a lifecycle hook's httpGet (see httpHook) rather than a probe's.
ProbeResult runAction(const ProbeAction& action, const ActionTarget& target,
                      std::chrono::milliseconds timeout, bool hook = false);

}  // namespace cube::agent::probes
