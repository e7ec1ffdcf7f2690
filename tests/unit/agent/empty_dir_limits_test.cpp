// emptyDir sizeLimit: the usage measure (allocated bytes, hard links once, sparse files by what
// they hold) and which volume the kubelet's message names.

#include "agent/volumes/empty_dir_limits.h"
#include "volume_test_dir.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace cube::agent::volumes {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using cube::agent::testing::VolumeTestDir;

void writeBytes(const std::string& path, size_t n) {
  std::ofstream out(path, std::ios::binary);
  std::string block(4096, 'x');
  for (size_t done = 0; done < n; done += block.size()) out << block;
}

TEST(DiskUsage, CountsAllocatedBytesAndHardLinksOnce) {
  VolumeTestDir tmp;
  std::string dir = tmp.path() + "/v";
  fs::create_directories(dir + "/sub");
  auto empty = diskUsageBytes(dir);
  ASSERT_TRUE(empty);
  writeBytes(dir + "/sub/data", 256 << 10);
  ::sync();
  auto full = diskUsageBytes(dir);
  ASSERT_TRUE(full);
  EXPECT_GE(*full - *empty, 256 << 10);
  EXPECT_LT(*full - *empty, 512 << 10);
  fs::create_hard_link(dir + "/sub/data", dir + "/again");
  EXPECT_EQ(diskUsageBytes(dir), full);
  // A sparse file holds no blocks for its hole: 64 MiB long, next to nothing used.
  { std::ofstream(dir + "/sparse"); }
  fs::resize_file(dir + "/sparse", 64 << 20);
  EXPECT_LT(*diskUsageBytes(dir) - *full, 64 << 10);
  EXPECT_FALSE(diskUsageBytes(tmp.path() + "/missing"));
}

bj::object podWith(bj::array volumes) {
  return bj::object{{"metadata", bj::object{{"uid", "u1"}}},
                    {"spec", bj::object{{"volumes", std::move(volumes)}}}};
}

TEST(EmptyDirOverLimit, NamesTheFirstVolumeOverItsLimitInTheKubeletsWords) {
  auto pod = podWith(
      bj::array{bj::object{{"name", "nolimit"}, {"emptyDir", bj::object{}}},
                bj::object{{"name", "mem"},
                           {"emptyDir", bj::object{{"medium", "Memory"}, {"sizeLimit", "1Ki"}}}},
                bj::object{{"name", "cache"}, {"emptyDir", bj::object{{"sizeLimit", "1024Ki"}}}},
                bj::object{{"name", "zero"}, {"emptyDir", bj::object{{"sizeLimit", "0"}}}}});
  EXPECT_TRUE(hasEmptyDirSizeLimits(pod));
  std::map<std::string, int64_t> used;
  std::vector<std::string> measured;
  auto usage = [&](const std::string& dir) -> std::optional<int64_t> {
    measured.push_back(fs::path(dir).filename().string());
    return used[fs::path(dir).filename().string()];
  };
  used["nolimit"] = used["mem"] = used["zero"] = 1 << 30;
  used["cache"] = 1 << 20;  // exactly the limit: not over it
  EXPECT_FALSE(emptyDirOverLimit(pod, "/pods", usage));
  EXPECT_EQ(measured, std::vector<std::string>{"cache"});  // only what has a limit on disk
  used["cache"] = (1 << 20) + 1;
  EXPECT_EQ(emptyDirOverLimit(pod, "/pods", usage),
            "Usage of EmptyDir volume \"cache\" exceeds the limit \"1Mi\". ");
  // The directory measured is the volume's.
  std::string seen;
  emptyDirOverLimit(pod, "/pods", [&](const std::string& dir) -> std::optional<int64_t> {
    seen = dir;
    return 0;
  });
  EXPECT_EQ(seen, "/pods/u1/volumes/kubernetes.io~empty-dir/cache");
}

TEST(EmptyDirOverLimit, PodsWithoutDiskLimitsAreNotMeasured) {
  EXPECT_FALSE(hasEmptyDirSizeLimits(podWith(
      bj::array{bj::object{{"name", "a"}, {"emptyDir", bj::object{}}},
                bj::object{{"name", "b"},
                           {"emptyDir", bj::object{{"medium", "Memory"}, {"sizeLimit", "1Mi"}}}},
                bj::object{{"name", "c"}, {"hostPath", bj::object{{"path", "/tmp"}}}}})));
  EXPECT_FALSE(hasEmptyDirSizeLimits(bj::object{{"spec", bj::object{}}}));
}

}  // namespace
}  // namespace cube::agent::volumes
