#pragma once
// NftHostPortMapper: a pod's hostPorts as nftables DNAT rules, as the CNI portmap plugin makes
// them: traffic to a local address of the node (or to the port's hostIP) on hostPort goes to
// podIP:containerPort, from other hosts (prerouting) and from the node itself (output, but not
// from 127.0.0.1); a pod reaching a pod of the node through a hostPort is masqueraded (hairpin:
// in and out through the bridge).
//
// The node owns one table, `ip <tableName>`, rewritten whole in one nft transaction on every
// change from the mappings kept on disk (a file per sandbox under stateDir), so an agent that
// restarts keeps its adopted pods' ports and the kernel never sees half a ruleset. With no
// mapping left the table is deleted.

#include "network/host_port_mapper.h"
#include "network/ipv4_cidr.h"

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace cube::network {

struct NftHostPortConfig {
  std::string tableName;  // e.g. "cube_hostports_cube0": the node's own, no one else's
  std::filesystem::path stateDir;
  std::string bridgeName;  // the pods' bridge: hairpin traffic comes in and goes out there
  std::string nftPath = "nft";
};

// One mapping of one pod, as kept on disk and rendered.
struct PodPortMapping {
  std::string sandboxId;
  uint32_t podIp = 0;
  PortMapping port;
};

// The nft script that replaces the table with these mappings (deletes it when there are none).
std::string hostPortRuleset(const std::string& tableName, const std::string& bridgeName,
                            const std::vector<PodPortMapping>& mappings);

class NftHostPortMapper : public HostPortMapper {
 public:
  explicit NftHostPortMapper(NftHostPortConfig config);

  // Throw NetworkError when nft refuses (the pod's sandbox then fails with the reason).
  void add(const std::string& sandboxId, uint32_t podIp,
           const std::vector<PortMapping>& ports) override;
  void remove(const std::string& sandboxId) override;

  // Every mapping on disk, by sandbox id then port.
  std::vector<PodPortMapping> mappings() const;
  // Why hostPorts cannot work here (no nft binary), or "".
  static std::string unavailableReason(const std::string& nftPath);

 private:
  void apply();

  NftHostPortConfig config_;
  mutable std::mutex mutex_;  // serialises file changes and nft runs
};

}  // namespace cube::network
