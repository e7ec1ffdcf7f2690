#include "agent/deferred_pod_network.h"

#include "common/log.h"
#include "network/network_error.h"

#include <filesystem>

namespace cube::agent {

DeferredPodNetwork::DeferredPodNetwork(network::BridgeNetworkConfig config)
    : config_(std::move(config)) {}

bool DeferredPodNetwork::setPodCidr(const std::string& cidr) {
  std::lock_guard lock(mutex_);
  if (network_) {
    if (cidr != cidr_) {
      CUBE_LOG(Warn) << "pod network: the node's podCIDR changed from " << cidr_ << " to " << cidr
                     << "; keeping " << cidr_;
    }
    return true;
  }
  auto parsed = network::Ipv4Cidr::parse(cidr);
  if (!parsed) {
    CUBE_LOG(Warn) << "pod network: podCIDR " << cidr << " is not a usable IPv4 CIDR";
    return false;
  }
  auto config = config_;
  config.podCidr = *parsed;
  network_ = std::make_shared<network::BridgePodNetwork>(std::move(config));
  cidr_ = cidr;
  CUBE_LOG(Info) << "pod network: bridge " << config_.bridgeName << " for podCIDR " << cidr;
  return true;
}

bool DeferredPodNetwork::ready() const {
  return current() != nullptr;
}

std::shared_ptr<network::BridgePodNetwork> DeferredPodNetwork::current() const {
  std::lock_guard lock(mutex_);
  return network_;
}

network::PodNetworkStatus DeferredPodNetwork::setUp(
    const std::string& sandboxId, const std::vector<network::PortMapping>& ports) {
  auto n = current();
  if (!n) throw network::NetworkError("the node has no podCIDR yet: pod networks wait for it");
  return n->setUp(sandboxId, ports);
}

void DeferredPodNetwork::tearDown(const std::string& sandboxId) {
  // A sandbox from before an agent restart may need tearing down before the CIDR is known
  // again: fail, so the caller retries once the bridge network exists, rather than leak it.
  auto n = current();
  if (n) return n->tearDown(sandboxId);
  // No namespace: setUp never got that far (it leaves nothing behind when it fails), as for a
  // sandbox whose setUp failed here for want of a CIDR.
  std::error_code ec;
  if (!std::filesystem::exists(config_.netnsDir / sandboxId, ec)) return;
  throw network::NetworkError("the node has no podCIDR yet: cannot tear down " + sandboxId);
}

}  // namespace cube::agent
