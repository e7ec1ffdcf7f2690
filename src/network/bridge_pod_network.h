#pragma once
// BridgePodNetwork: one node bridge (`cube0` by default) holding the pod CIDR's first address as
// the pods' gateway, and per pod sandbox: a named network namespace (the sandbox id), a veth pair
// whose host end is a port of the bridge and whose other end is the pod's eth0, an address from
// HostLocalIpam, lo up, and a default route via the gateway. Pods on the node reach each other
// and the node over the bridge; hostPorts go to the HostPortMapper (NftHostPortMapper); traffic
// beyond the node (forwarding, masquerade) is not built yet.
//
// Thread-safe: a mutex serialises setUp/tearDown (each opens its own netlink sockets).

#include "network/host_local_ipam.h"
#include "network/ipv4_cidr.h"
#include "network/network_namespace.h"
#include "network/pod_network.h"

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace cube::network {

struct BridgeNetworkConfig {
  std::string bridgeName = "cube0";
  Ipv4Cidr podCidr;  // the node's spec.podCIDR
  std::filesystem::path netnsDir = kDefaultNetnsDir;
  std::filesystem::path ipamDir;               // one file per allocated address
  std::shared_ptr<HostPortMapper> portMapper;  // null: hostPorts are ignored
};

class BridgePodNetwork : public PodNetwork {
 public:
  explicit BridgePodNetwork(BridgeNetworkConfig config);

  PodNetworkStatus setUp(const std::string& sandboxId,
                         const std::vector<PortMapping>& ports = {}) override;
  void tearDown(const std::string& sandboxId) override;

  // Creates the bridge if missing, gives it the gateway address, brings it up. setUp calls it.
  void ensureBridge();
  // Deletes the bridge (pods' host ends go with their links when they are torn down).
  void removeBridge();

  // "veth" + 11 hex digits of a hash of the sandbox id: stable, unique enough, ≤ 15 chars.
  static std::string hostInterfaceName(const std::string& sandboxId);
  static constexpr const char* kPodInterface = "eth0";

  const BridgeNetworkConfig& config() const { return config_; }
  HostLocalIpam& ipam() { return ipam_; }

 private:
  void unsafeTearDown(const std::string& sandboxId);

  BridgeNetworkConfig config_;
  HostLocalIpam ipam_;
  std::mutex mutex_;  // serialises setUp/tearDown/ensureBridge
};

}  // namespace cube::network
