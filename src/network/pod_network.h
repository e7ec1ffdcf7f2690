#pragma once
// PodNetwork: gives a pod sandbox its network — a namespace, an interface in it with an address
// from the node's pod CIDR, a default route — and takes it away. The runtime puts the sandbox's
// containers in `netnsPath`. Implementations: BridgePodNetwork (a Linux bridge and one veth per
// pod). Failures throw NetworkError.

#include "network/host_port_mapper.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cube::network {

struct PodNetworkStatus {
  std::string netnsPath;
  std::string interfaceName;  // inside the namespace
  uint32_t ip = 0;            // host order; formatAddress() for text
  int prefix = 0;
  uint32_t gateway = 0;
  std::string hostInterface;  // the host end of the pod's link
};

class PodNetwork {
 public:
  virtual ~PodNetwork() = default;
  // Idempotent: setting up a sandbox that is already set up returns the same address and
  // leaves a working link alone. A failed setUp leaves nothing behind.
  virtual PodNetworkStatus setUp(const std::string& sandboxId,
                                 const std::vector<PortMapping>& ports = {}) = 0;
  // Removes whatever setUp made for `sandboxId`; what is already gone is not an error.
  virtual void tearDown(const std::string& sandboxId) = 0;
};

}  // namespace cube::network
