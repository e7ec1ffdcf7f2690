#include "runtime/images/layer_unpacker.h"

#include "runtime/images/digest.h"
#include "runtime/images/file_util.h"
#include "test_archives.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace cube::runtime::images {
namespace {

using testing::TarBuilder;
using testing::TempDir;
namespace fs = std::filesystem;

class LayerUnpackerTest : public ::testing::Test {
 protected:
  // Writes the layer blob and unpacks it into a fresh <tmp>/layer.
  LayerUnpackResult unpack(const std::string& blob, const std::string& expectedDiffId = "") {
    testing::writeFile(tmp_ / "blob", blob);
    fs::create_directory(layer());
    return unpackLayer(tmp_ / "blob", layer(), expectedDiffId);
  }
  std::string layer() const { return tmp_ / "layer"; }
  std::string outside() const { return tmp_ / "outside"; }
  // Everything in the temp dir apart from the layer and its blob: must stay empty.
  std::vector<std::string> strayFiles() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(tmp_.path())) {
      std::string name = e.path().filename();
      if (name != "layer" && name != "blob" && name != "outside") out.push_back(name);
    }
    if (fs::exists(outside())) {
      for (const auto& e : fs::recursive_directory_iterator(outside())) {
        out.push_back(e.path().string());
      }
    }
    return out;
  }
  TempDir tmp_;
};

TEST_F(LayerUnpackerTest, FilesDirsSymlinksHardlinksAndDiffId) {
  auto build = [](const std::string& compression) {
    return TarBuilder()
        .dir("./bin", 0755)
        .file("./bin/busybox", "ELF...", 0755)
        .symlink("bin/sh", "/bin/busybox")
        .symlink("bin/ls", "busybox")
        .hardlink("bin/busybox2", "./bin/busybox")
        .file("etc/deep/implicit/file", "x", 0600)
        .dir("ro", 0555)
        .file("ro/inside", "y")
        .bytes(compression);
  };
  std::string tar = build("none");
  for (const char* compression : {"none", "gzip", "zstd"}) {
    SCOPED_TRACE(compression);
    // The diffID is always the uncompressed tar's.
    std::string data = build(compression);
    auto result = unpack(data, sha256Digest(tar));
    EXPECT_EQ(result.diffId, sha256Digest(tar));
    EXPECT_EQ(result.tarBytes, tar.size());
    EXPECT_EQ(result.entries, 8u);
    EXPECT_EQ(testing::readWhole(layer() + "/bin/busybox"), "ELF...");
    EXPECT_EQ(fs::read_symlink(layer() + "/bin/sh"), "/bin/busybox");
    EXPECT_EQ(fs::read_symlink(layer() + "/bin/ls"), "busybox");
    struct stat a, b;
    ASSERT_EQ(::stat((layer() + "/bin/busybox").c_str(), &a), 0);
    ASSERT_EQ(::stat((layer() + "/bin/busybox2").c_str(), &b), 0);
    EXPECT_EQ(a.st_ino, b.st_ino);
    EXPECT_EQ(a.st_mode & 07777, 0755u);
    EXPECT_EQ(a.st_mtim.tv_sec, 1700000000);
    struct stat ro;
    ASSERT_EQ(::stat((layer() + "/ro").c_str(), &ro), 0);
    EXPECT_EQ(ro.st_mode & 07777, 0555u);
    EXPECT_EQ(ro.st_mtim.tv_sec, 1700000000);  // set after its children were written
    EXPECT_EQ(testing::readWhole(layer() + "/etc/deep/implicit/file"), "x");
    removeTree(layer());
  }
}

TEST_F(LayerUnpackerTest, WrongDiffIdIsRejected) {
  std::string tar = TarBuilder().file("a", "1").bytes();
  try {
    unpack(tar, "sha256:" + std::string(64, '0'));
    FAIL() << "unpacked";
  } catch (const LayerError& e) {
    EXPECT_NE(std::string(e.what()).find("the image config says"), std::string::npos);
  }
}

TEST_F(LayerUnpackerTest, CorruptArchiveIsRejected) {
  std::string gz = TarBuilder().file("a", std::string(100000, 'x')).bytes("gzip");
  EXPECT_THROW(unpack(gz.substr(0, gz.size() / 2)), LayerError);
}

TEST_F(LayerUnpackerTest, DotDotIsRejectedAndNothingWrittenOutside) {
  fs::create_directory(outside());
  for (std::string path : {"../escape", "a/../../escape", "./../outside/x", "a/b/../../../x"}) {
    SCOPED_TRACE(path);
    removeTree(layer());
    EXPECT_THROW(unpack(TarBuilder().file(path, "evil").bytes()), LayerError);
    EXPECT_EQ(strayFiles(), std::vector<std::string>{});
  }
}

TEST_F(LayerUnpackerTest, AbsolutePathsStayInsideTheLayer) {
  unpack(TarBuilder().file("/etc/abs", "inside").bytes());
  EXPECT_EQ(testing::readWhole(layer() + "/etc/abs"), "inside");
  EXPECT_EQ(strayFiles(), std::vector<std::string>{});
}

TEST_F(LayerUnpackerTest, WritingThroughASymlinkIsRejected) {
  fs::create_directory(outside());
  // A symlink of the layer pointing outside, then entries that would write through it.
  EXPECT_THROW(unpack(TarBuilder().symlink("link", outside()).file("link/pwned", "x").bytes()),
               LayerError);
  EXPECT_EQ(strayFiles(), std::vector<std::string>{});
  removeTree(layer());
  EXPECT_THROW(unpack(TarBuilder().symlink("link", "../outside").dir("link/sub").bytes()),
               LayerError);
  EXPECT_EQ(strayFiles(), std::vector<std::string>{});
  removeTree(layer());
  // A symlink deeper in the path: b/up -> /
  EXPECT_THROW(unpack(TarBuilder().dir("b").symlink("b/up", "/").file("b/up/etc/x", "x").bytes()),
               LayerError);
  EXPECT_EQ(strayFiles(), std::vector<std::string>{});
}

TEST_F(LayerUnpackerTest, ASymlinkReplacedByAFileIsNotFollowed) {
  fs::create_directory(outside());
  testing::writeFile(outside() + "/target", "original");
  unpack(TarBuilder().symlink("f", outside() + "/target").file("f", "replaced").bytes());
  EXPECT_EQ(testing::readWhole(outside() + "/target"), "original");
  EXPECT_FALSE(fs::is_symlink(layer() + "/f"));
  EXPECT_EQ(testing::readWhole(layer() + "/f"), "replaced");
}

TEST_F(LayerUnpackerTest, HardlinkEscapesAreRejected) {
  fs::create_directory(outside());
  testing::writeFile(outside() + "/secret", "secret");
  EXPECT_THROW(unpack(TarBuilder().hardlink("h", "../outside/secret").bytes()), LayerError);
  removeTree(layer());
  EXPECT_THROW(unpack(TarBuilder().hardlink("h", outside() + "/secret").bytes()), LayerError);
  removeTree(layer());
  // Through a symlink of the layer.
  EXPECT_THROW(unpack(TarBuilder().symlink("l", outside()).hardlink("h", "l/secret").bytes()),
               LayerError);
  struct stat st;
  ASSERT_EQ(::stat((outside() + "/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
  // A hardlink to a symlink links the symlink itself, never what it points at.
  removeTree(layer());
  unpack(TarBuilder().symlink("l", outside() + "/secret").hardlink("h", "l").bytes());
  EXPECT_TRUE(fs::is_symlink(layer() + "/h"));
  ASSERT_EQ(::stat((outside() + "/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
}

TEST_F(LayerUnpackerTest, OwnershipSetuidAndDevicesAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown, mknod)";
  unpack(TarBuilder()
             .file("usr/bin/su", "su", 04755, 0, 0)
             .file("home/u/f", "x", 0640, 1000, 1001)
             .dir("home/u", 0700, 1000, 1001)
             .device("dev/null", AE_IFCHR, 1, 3)
             .device("dev/fifo", AE_IFIFO, 0, 0)
             .bytes());
  struct stat st;
  ASSERT_EQ(::stat((layer() + "/usr/bin/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  ASSERT_EQ(::stat((layer() + "/home/u/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(::stat((layer() + "/home/u").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  ASSERT_EQ(::lstat((layer() + "/dev/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 3u);
  ASSERT_EQ(::lstat((layer() + "/dev/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST_F(LayerUnpackerTest, WhiteoutsBecomeOverlayfsWhiteouts) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (mknod 0:0, trusted.* xattrs)";
  unpack(TarBuilder()
             .file("etc/.wh.removed", "")
             .dir("data/old")
             .file("data/old/.wh..wh..opq", "")
             .file("data/old/new", "new")
             .file("top/.wh..wh.plnk", "")
             .bytes());
  struct stat st;
  ASSERT_EQ(::lstat((layer() + "/etc/removed").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_FALSE(fs::exists(layer() + "/etc/.wh.removed"));
  char value[8] = {};
  ASSERT_EQ(
      ::getxattr((layer() + "/data/old").c_str(), "trusted.overlay.opaque", value, sizeof(value)),
      1)
      << std::strerror(errno);
  EXPECT_EQ(std::string(value), "y");
  EXPECT_EQ(testing::readWhole(layer() + "/data/old/new"), "new");
  EXPECT_FALSE(fs::exists(layer() + "/data/old/.wh..wh..opq"));
  EXPECT_FALSE(fs::exists(layer() + "/top/.wh..wh.plnk"));
}

TEST_F(LayerUnpackerTest, WhiteoutsNeedRoot) {
  if (::geteuid() == 0) GTEST_SKIP() << "checks the non-root error";
  EXPECT_THROW(unpack(TarBuilder().file("etc/.wh.x", "").bytes()), LayerError);
}

TEST_F(LayerUnpackerTest, LaterEntriesReplaceEarlierOnes) {
  unpack(TarBuilder()
             .file("a", "first")
             .file("a", "second")
             .dir("d")
             .file("d/x", "x")
             .file("d", "now a file")
             .dir("e")
             .dir("e")
             .file("e/y", "y")
             .bytes());
  EXPECT_EQ(testing::readWhole(layer() + "/a"), "second");
  EXPECT_EQ(testing::readWhole(layer() + "/d"), "now a file");
  EXPECT_EQ(testing::readWhole(layer() + "/e/y"), "y");
}

}  // namespace
}  // namespace cube::runtime::images
