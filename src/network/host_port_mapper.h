#pragma once
// HostPortMapper: where a pod's hostPort mappings go (NftHostPortMapper: nftables DNAT). A
// BridgePodNetwork without a mapper ignores hostPorts.

#include <cstdint>
#include <string>
#include <vector>

namespace cube::network {

struct PortMapping {
  std::string protocol = "TCP";  // TCP, UDP or SCTP, as in a container port
  uint16_t hostPort = 0;
  uint16_t containerPort = 0;
  std::string hostIP;  // empty: every host address
};

class HostPortMapper {
 public:
  virtual ~HostPortMapper() = default;
  // Called once the pod has its address; replaces what `sandboxId` had.
  virtual void add(const std::string& sandboxId, uint32_t podIp,
                   const std::vector<PortMapping>& ports) = 0;
  virtual void remove(const std::string& sandboxId) = 0;
};

}  // namespace cube::network
