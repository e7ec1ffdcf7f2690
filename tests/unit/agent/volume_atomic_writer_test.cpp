// writeAtomicDir: the kubelet's ..data layout, modes, an update swapped in at once (stale links
// and the old version gone), the same payload left alone, and paths the API refuses.

#include "agent/volumes/atomic_dir_writer.h"
#include "volume_test_dir.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace cube::agent::volumes {
namespace {

namespace fs = std::filesystem;
using cube::agent::testing::modeOf;
using cube::agent::testing::readText;
using cube::agent::testing::VolumeTestDir;

// The entries of `dir` whose names start with "..2" (the version directories).
std::vector<std::string> versions(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.rfind("..2", 0) == 0) out.push_back(n);
  }
  return out;
}

TEST(VolumeAtomicWriterTest, WritesTheDataLinkLayoutWithModes) {
  VolumeTestDir tmp;
  std::string dir = tmp.path() + "/v";
  ASSERT_TRUE(writeAtomicDir(dir, {{"a.txt", "alpha", 0644}, {"sub/b", "beta", 0400}}));
  auto v = versions(dir);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(fs::read_symlink(dir + "/..data").string(), v[0]);
  EXPECT_EQ(fs::read_symlink(dir + "/a.txt").string(), "..data/a.txt");
  EXPECT_EQ(fs::read_symlink(dir + "/sub").string(), "..data/sub");
  EXPECT_EQ(readText(dir + "/a.txt"), "alpha");
  EXPECT_EQ(readText(dir + "/sub/b"), "beta");
  EXPECT_EQ(modeOf(dir + "/a.txt"), 0644u);
  EXPECT_EQ(modeOf(dir + "/sub/b"), 0400u);
}

TEST(VolumeAtomicWriterTest, TheSamePayloadIsLeftAlone) {
  VolumeTestDir tmp;
  std::string dir = tmp.path() + "/v";
  ASSERT_TRUE(writeAtomicDir(dir, {{"a", "1", 0644}}));
  auto before = versions(dir);
  EXPECT_FALSE(writeAtomicDir(dir, {{"a", "1", 0644}}));
  EXPECT_EQ(versions(dir), before);
  // A different mode is a different payload.
  EXPECT_TRUE(writeAtomicDir(dir, {{"a", "1", 0600}}));
  EXPECT_EQ(modeOf(dir + "/a"), 0600u);
}

TEST(VolumeAtomicWriterTest, AnUpdateSwapsVersionsAndDropsStaleLinks) {
  VolumeTestDir tmp;
  std::string dir = tmp.path() + "/v";
  ASSERT_TRUE(writeAtomicDir(dir, {{"old", "x", 0644}, {"kept", "1", 0644}}));
  auto first = versions(dir);
  ASSERT_TRUE(writeAtomicDir(dir, {{"kept", "2", 0644}, {"new", "y", 0644}}));
  auto second = versions(dir);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second, first);
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir + "/old")));
  EXPECT_EQ(readText(dir + "/kept"), "2");
  EXPECT_EQ(readText(dir + "/new"), "y");
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir + "/..data_tmp")));
}

TEST(VolumeAtomicWriterTest, AnEmptyPayloadIsAnEmptyVersion) {
  VolumeTestDir tmp;
  std::string dir = tmp.path() + "/v";
  ASSERT_TRUE(writeAtomicDir(dir, {}));
  EXPECT_TRUE(fs::is_directory(dir + "/..data"));
  EXPECT_FALSE(writeAtomicDir(dir, {}));
}

TEST(VolumeAtomicWriterTest, RefusesPathsTheApiRefuses) {
  VolumeTestDir tmp;
  std::string dir = tmp.path() + "/v";
  EXPECT_THROW(writeAtomicDir(dir, {{"/etc/passwd", "x", 0644}}), PayloadError);
  EXPECT_THROW(writeAtomicDir(dir, {{"a/../../x", "x", 0644}}), PayloadError);
  EXPECT_THROW(writeAtomicDir(dir, {{"..data", "x", 0644}}), PayloadError);
  EXPECT_THROW(writeAtomicDir(dir, {{"a", "x", 0644}, {"a", "y", 0644}}), PayloadError);
  EXPECT_FALSE(fs::exists(tmp.path() + "/x"));
}

}  // namespace
}  // namespace cube::agent::volumes
