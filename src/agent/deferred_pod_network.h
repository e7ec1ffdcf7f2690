#pragma once
// DeferredPodNetwork: the node's BridgePodNetwork once its pod CIDR is known. The node IPAM
// controller assigns spec.podCIDR only after the Node registers, but the runtime is built before
// that; until setPodCidr() is called every setUp throws, so a pod's sandbox waits (its worker
// retries). tearDown of a sandbox that has a network namespace fails too until then (one left
// by an earlier agent run is torn down once the network exists again); without one there is
// nothing to tear down.

#include "network/bridge_pod_network.h"

#include <memory>
#include <mutex>
#include <string>

namespace cube::agent {

class DeferredPodNetwork : public network::PodNetwork {
 public:
  // `config.podCidr` is ignored: setPodCidr() gives it.
  explicit DeferredPodNetwork(network::BridgeNetworkConfig config);

  // The first valid CIDR builds the bridge network; later calls with another CIDR are logged and
  // ignored (a node's podCIDR does not change while pods run). Returns whether it is ready.
  bool setPodCidr(const std::string& cidr);
  bool ready() const;

  network::PodNetworkStatus setUp(const std::string& sandboxId,
                                  const std::vector<network::PortMapping>& ports = {}) override;
  void tearDown(const std::string& sandboxId) override;

 private:
  std::shared_ptr<network::BridgePodNetwork> current() const;

  network::BridgeNetworkConfig config_;
  mutable std::mutex mutex_;  // guards network_ and cidr_
  std::shared_ptr<network::BridgePodNetwork> network_;
  std::string cidr_;
};

}  // namespace cube::agent
