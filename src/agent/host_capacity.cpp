#include "agent/host_capacity.h"

#include <sched.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace cube::agent {

namespace {

constexpr uint64_t kEvictionMemoryKi = 100 * 1024;  // memory.available < 100Mi

}  // namespace

HostCapacity hostCapacityOf(uint64_t memTotalKi, unsigned cpus, uint64_t filesystemBytes) {
  HostCapacity c;
  c.cpu = std::to_string(cpus);
  c.memory = std::to_string(memTotalKi) + "Ki";
  uint64_t allocatableKi = memTotalKi > kEvictionMemoryKi ? memTotalKi - kEvictionMemoryKi : 0;
  c.allocatableMemory = std::to_string(allocatableKi) + "Ki";
  c.ephemeralStorage = std::to_string(filesystemBytes / 1024) + "Ki";
  // nodefs.available < 10%: what is left is in bytes, as the kubelet writes it.
  c.allocatableEphemeralStorage = std::to_string(filesystemBytes - filesystemBytes / 10);
  return c;
}

HostCapacity readHostCapacity(const std::string& dataDir, const std::string& meminfo) {
  uint64_t memTotalKi = 0;
  std::ifstream in(meminfo);
  std::string key;
  uint64_t value = 0;
  std::string unit;
  while (in >> key >> value >> unit) {
    if (key == "MemTotal:") {
      memTotalKi = value;
      break;
    }
  }
  if (memTotalKi == 0) throw std::runtime_error("cannot read MemTotal from " + meminfo);

  cpu_set_t set;
  CPU_ZERO(&set);
  unsigned cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
  if (cpus == 0) cpus = static_cast<unsigned>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));

  // The data dir may not exist yet: its nearest existing parent is on the same filesystem.
  std::filesystem::path dir = std::filesystem::absolute(dataDir);
  while (!std::filesystem::exists(dir) && dir.has_parent_path() && dir != dir.parent_path()) {
    dir = dir.parent_path();
  }
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) {
    throw std::runtime_error("cannot read the filesystem of " + dir.string());
  }
  return hostCapacityOf(memTotalKi, cpus, static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize);
}

}  // namespace cube::agent
