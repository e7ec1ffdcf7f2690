#pragma once
// HostCapacity: what a real node offers, read from the host as the kubelet reports it — cpu =
// online CPUs, memory = MemTotal, ephemeral-storage = the size of the filesystem holding the
// agent's data — and what is allocatable after the kubelet's default hard eviction thresholds
// (memory.available < 100Mi, nodefs.available < 10%), with no reservations.

#include <cstdint>
#include <string>

namespace cube::agent {

struct HostCapacity {
  std::string cpu;
  std::string memory;  // "<KiB>Ki"
  std::string allocatableMemory;
  std::string ephemeralStorage;             // "<KiB>Ki"
  std::string allocatableEphemeralStorage;  // bytes
};

// From /proc/meminfo (`meminfo`), the CPUs this process may run on, and statvfs of `dataDir`.
// Throws std::runtime_error when the host cannot be read.
HostCapacity readHostCapacity(const std::string& dataDir,
                              const std::string& meminfo = "/proc/meminfo");

// The pure part, for tests: from MemTotal in KiB, a CPU count and the filesystem size in bytes.
HostCapacity hostCapacityOf(uint64_t memTotalKi, unsigned cpus, uint64_t filesystemBytes);

}  // namespace cube::agent
