#pragma once
// The runtime of a real node (`cube agent --runtime=crun`): a CrunRuntime under
// <dataDir>/agent/crun-runtime, the node's image store at <dataDir>/agent/images-store (the one
// `cube image import --data-dir` writes), the archives of <dataDir>/agent/images imported at
// start (air-gapped nodes, as k3s does), and a bridge pod network that exists once the node's
// podCIDR is known (DeferredPodNetwork; IPAM files under <dataDir>/agent/ipam).

#include "agent/deferred_pod_network.h"
#include "runtime/runtime.h"

#include <memory>
#include <optional>
#include <string>

namespace cube::agent {

struct CrunNodeOptions {
  std::string dataDir;
  std::string bridgeName = "cube0";
  std::string crunPath = "crun";
  std::string cgroupRoot = "/cube";
};

struct CrunNode {
  runtime::RuntimePtr runtime;
  std::shared_ptr<DeferredPodNetwork> network;  // give it the podCIDR when the Node has one
};

// Why this host cannot run the crun runtime (not root, no crun), or nullopt.
std::optional<std::string> crunUnavailableReason(const CrunNodeOptions& options);

// Throws std::runtime_error when the runtime cannot be built.
CrunNode makeCrunNode(const CrunNodeOptions& options);

std::string imageStoreDirOf(const std::string& dataDir);  // <dataDir>/agent/images-store
std::string imagesDirOf(const std::string& dataDir);      // <dataDir>/agent/images
std::string podsDirOf(const std::string& dataDir);        // <dataDir>/agent/pods (volumes)

}  // namespace cube::agent
