#pragma once
// HostLocalIpam: pod addresses from one node's podCIDR, kept on disk the way CNI's host-local
// plugin keeps them: a directory holding one file per allocated address, named by the address
// and holding the sandbox id it belongs to. The files are the truth — nothing is cached — so
// two processes, or one restarted, never hand out an address twice.
//
// Never handed out: the network address, the gateway (the first host, the bridge's) and the
// broadcast address. Allocation is keyed by sandbox id: asking again for a sandbox that already
// holds an address returns that address. Addresses are tried round-robin from the last one
// handed out (remembered in `last_reserved_ip`), so a released address is not reused at once.
//
// Every call takes an flock on `<dir>/lock`: it serialises threads (each call opens its own
// descriptor) and processes alike. Failures to read or write the directory throw NetworkError.

#include "network/ipv4_cidr.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace cube::network {

class HostLocalIpam {
 public:
  // Creates `dir` if it does not exist.
  HostLocalIpam(std::filesystem::path dir, Ipv4Cidr cidr);

  // The address `sandboxId` holds, or a newly reserved one; nullopt when the range is full.
  std::optional<uint32_t> allocate(const std::string& sandboxId);
  // Frees every address `sandboxId` holds; nothing to free is not an error.
  void release(const std::string& sandboxId);
  std::optional<uint32_t> lookup(const std::string& sandboxId) const;
  // Every allocation in the range: address → sandbox id.
  std::map<uint32_t, std::string> allocations() const;

  const Ipv4Cidr& cidr() const { return cidr_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  class DirLock;
  std::map<uint32_t, std::string> unsafeReadAllocations() const;  // caller holds the DirLock
  std::optional<uint32_t> unsafeLastReserved() const;
  void unsafeWriteLastReserved(uint32_t ip) const;

  std::filesystem::path dir_;
  Ipv4Cidr cidr_;
};

}  // namespace cube::network
