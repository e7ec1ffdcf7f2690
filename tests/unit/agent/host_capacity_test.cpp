// HostCapacity: a real node reports the host's CPUs, memory and data filesystem as the kubelet
// does, and allocatable after the kubelet's default hard eviction thresholds.

#include "agent/host_capacity.h"

#include "agent/node_status.h"
#include "common/json_util.h"

#include <gtest/gtest.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cube::agent {
namespace {

TEST(HostCapacityTest, AllocatableIsCapacityLessTheEvictionThresholds) {
  HostCapacity c = hostCapacityOf(16384000, 8, 100ull * 1024 * 1024 * 1024);
  EXPECT_EQ(c.cpu, "8");
  EXPECT_EQ(c.memory, "16384000Ki");
  EXPECT_EQ(c.allocatableMemory, "16281600Ki");  // less 100Mi
  EXPECT_EQ(c.ephemeralStorage, "104857600Ki");
  EXPECT_EQ(c.allocatableEphemeralStorage, "96636764160");  // 90 %, in bytes
}

TEST(HostCapacityTest, ReadsTheHost) {
  auto dir = std::filesystem::temp_directory_path() / ("cube-host-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "meminfo") << "MemTotal:       2048000 kB\nMemFree:         100 kB\n";
  // A data dir that does not exist yet is measured on the filesystem that will hold it.
  HostCapacity c = readHostCapacity((dir / "not" / "yet").string(), (dir / "meminfo").string());
  EXPECT_EQ(c.memory, "2048000Ki");
  EXPECT_GE(std::stoi(c.cpu), 1);
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(dir.c_str(), &fs), 0);
  EXPECT_EQ(c.ephemeralStorage,
            std::to_string(static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize / 1024) + "Ki");
  EXPECT_THROW(readHostCapacity(dir.string(), (dir / "missing").string()), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(HostCapacityTest, NodeStatusReportsAllocatableApartFromCapacity) {
  NodeConfig config;
  config.nodeName = "n1";
  HostCapacity c = hostCapacityOf(16384000, 8, 100ull * 1024 * 1024 * 1024);
  config.cpu = c.cpu;
  config.memory = c.memory;
  config.allocatableMemory = c.allocatableMemory;
  config.ephemeralStorage = c.ephemeralStorage;
  config.allocatableEphemeralStorage = c.allocatableEphemeralStorage;
  auto status = buildNodeStatus(config, "crun://1.8", std::chrono::system_clock::now(), nullptr);
  const auto& capacity = status.at("capacity").as_object();
  const auto& allocatable = status.at("allocatable").as_object();
  EXPECT_EQ(json::getString(capacity, "memory"), "16384000Ki");
  EXPECT_EQ(json::getString(allocatable, "memory"), "16281600Ki");
  EXPECT_EQ(json::getString(capacity, "ephemeral-storage"), "104857600Ki");
  EXPECT_EQ(json::getString(allocatable, "ephemeral-storage"), "96636764160");
  EXPECT_EQ(json::getString(allocatable, "cpu"), "8");
  EXPECT_EQ(json::getString(allocatable, "pods"), "110");
}

}  // namespace
}  // namespace cube::agent
