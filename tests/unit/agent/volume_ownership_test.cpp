// fsGroup on volumes (as root: chown to any group needs it): emptyDir and the API-backed volumes
// get the group and its bits, setgid directories, and keep them across updates; hostPath and pods
// without fsGroup are left alone; OnRootMismatch skips a volume whose root already matches.

#include "agent/volumes/volume_ownership.h"
#include "agent/volumes/volume_manager.h"
#include "volume_test_dir.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace cube::agent::volumes {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using cube::agent::testing::VolumeTestDir;
using cube::agent::testing::writeText;

struct Owner {
  unsigned gid;
  unsigned mode;  // with setgid/setuid/sticky
};

Owner ownerOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return {static_cast<unsigned>(st.st_gid), static_cast<unsigned>(st.st_mode & 07777)};
}

class VolumeOwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "changing a file's group to any gid needs root";
  }
  bj::object pod(bj::object securityContext) {
    return bj::object{
        {"metadata", bj::object{{"name", "p"}, {"namespace", "default"}, {"uid", "uid-1"}}},
        {"spec",
         bj::object{
             {"securityContext", std::move(securityContext)},
             {"volumes",
              bj::array{
                  bj::object{{"name", "scratch"}, {"emptyDir", bj::object{}}},
                  bj::object{{"name", "cfg"},
                             {"configMap", bj::object{{"name", "web"}, {"defaultMode", 0400}}}},
                  bj::object{{"name", "host"}, {"hostPath", bj::object{{"path", hostDir()}}}}}},
             {"containers", bj::array{bj::object{{"name", "app"}}}}}}};
  }
  void setUp(const bj::object& p) {
    EnvContext context;
    context.nodeMemory = "1Gi";
    auto failures = manager_.setUp(
        p, context,
        [this](const std::string&, const std::string&,
               const std::string&) -> std::optional<bj::object> { return configMap_; });
    ASSERT_TRUE(failures.empty()) << failures.front().eventMessage();
  }
  std::string dirOf(const std::string& plugin, const std::string& name) {
    return tmp_.path() + "/pods/uid-1/volumes/" + plugin + "/" + name;
  }
  std::string hostDir() { return tmp_.path() + "/host"; }

  VolumeTestDir tmp_;
  VolumeManager manager_{tmp_.path() + "/pods"};
  bj::object configMap_{{"data", bj::object{{"a.conf", "1"}}}};
};

TEST_F(VolumeOwnershipTest, FsGroupOwnsTheVolumesWithSetgidDirectories) {
  fs::create_directories(hostDir());
  setUp(pod(bj::object{{"fsGroup", 2000}}));
  // emptyDir: 0777 plus setgid, group 2000 (what containers create there gets the group).
  auto ed = ownerOf(dirOf("kubernetes.io~empty-dir", "scratch"));
  EXPECT_EQ(ed.gid, 2000u);
  EXPECT_EQ(ed.mode, 02777u);
  // configMap: read-only for the containers, so group read (0400 -> 0440), dirs r-x + setgid.
  std::string cfg = dirOf("kubernetes.io~configmap", "cfg");
  EXPECT_EQ(ownerOf(cfg).gid, 2000u);
  EXPECT_EQ(ownerOf(cfg).mode, 02755u);
  EXPECT_EQ(ownerOf(cfg + "/..data").mode, 02755u);  // the version directory (link followed)
  EXPECT_EQ(ownerOf(cfg + "/a.conf").gid, 2000u);
  EXPECT_EQ(ownerOf(cfg + "/a.conf").mode, 0440u);
  // hostPath is the host's: untouched.
  EXPECT_EQ(ownerOf(hostDir()).gid, 0u);

  // An update is a new version: it has the group before `..data` points to it.
  configMap_ = bj::object{{"data", bj::object{{"a.conf", "2"}, {"b.conf", "3"}}}};
  setUp(pod(bj::object{{"fsGroup", 2000}}));
  EXPECT_EQ(ownerOf(cfg + "/..data").gid, 2000u);
  EXPECT_EQ(ownerOf(cfg + "/b.conf").gid, 2000u);
  EXPECT_EQ(ownerOf(cfg + "/b.conf").mode, 0440u);
  // An unchanged payload is not written again (the fsGroup bits count as its mode).
  auto version = fs::read_symlink(cfg + "/..data");
  setUp(pod(bj::object{{"fsGroup", 2000}}));
  EXPECT_EQ(fs::read_symlink(cfg + "/..data"), version);
  manager_.tearDown("uid-1");
}

TEST_F(VolumeOwnershipTest, DefaultModeKeepsItsOtherBits) {
  auto p = pod(bj::object{{"fsGroup", 3000}});
  p["spec"].as_object()["volumes"].as_array()[1].as_object()["configMap"].as_object().erase(
      "defaultMode");
  setUp(p);
  std::string file = dirOf("kubernetes.io~configmap", "cfg") + "/a.conf";
  EXPECT_EQ(ownerOf(file).mode, 0644u);  // 0644 | 0440
  EXPECT_EQ(ownerOf(file).gid, 3000u);
  manager_.tearDown("uid-1");
}

TEST_F(VolumeOwnershipTest, WithoutFsGroupNothingChanges) {
  setUp(pod(bj::object{}));
  auto ed = ownerOf(dirOf("kubernetes.io~empty-dir", "scratch"));
  EXPECT_EQ(ed.gid, 0u);
  EXPECT_EQ(ed.mode, 0777u);
  EXPECT_EQ(ownerOf(dirOf("kubernetes.io~configmap", "cfg") + "/a.conf").mode, 0400u);
  manager_.tearDown("uid-1");
}

TEST_F(VolumeOwnershipTest, OnRootMismatchSkipsAVolumeWhoseRootMatches) {
  std::string dir = tmp_.path() + "/v";
  fs::create_directories(dir + "/sub");
  writeText(dir + "/sub/f", "x");
  ::chmod((dir + "/sub/f").c_str(), 0600);
  ::chown(dir.c_str(), 0, 4000);
  ::chmod(dir.c_str(), 02770);
  FsGroupPolicy policy{4000u, /*onRootMismatch=*/true};
  EXPECT_EQ(setVolumeOwnership(dir, policy, false), 0u);
  EXPECT_EQ(ownerOf(dir + "/sub/f").gid, 0u);  // skipped: the root matched
  EXPECT_EQ(ownerOf(dir + "/sub/f").mode, 0600u);
  policy.onRootMismatch = false;  // Always
  EXPECT_EQ(setVolumeOwnership(dir, policy, false), 0u);
  EXPECT_EQ(ownerOf(dir + "/sub/f").gid, 4000u);
  EXPECT_EQ(ownerOf(dir + "/sub/f").mode, 0660u);
  EXPECT_EQ(ownerOf(dir + "/sub").mode, 02775u);  // 0755 | 0660 | 0110 | setgid
  // A root without setgid is a mismatch: the walk happens.
  ::chmod(dir.c_str(), 0770);
  ::chown((dir + "/sub/f").c_str(), 0, 0);
  policy.onRootMismatch = true;
  setVolumeOwnership(dir, policy, false);
  EXPECT_EQ(ownerOf(dir + "/sub/f").gid, 4000u);
  EXPECT_EQ(ownerOf(dir).mode, 02770u);
}

TEST(FsGroupPolicy, FromThePodsSecurityContext) {
  bj::object p{{"spec", bj::object{{"securityContext",
                                    bj::object{{"fsGroup", 2000},
                                               {"fsGroupChangePolicy", "OnRootMismatch"}}}}}};
  auto policy = fsGroupPolicyOf(p);
  ASSERT_TRUE(policy.fsGroup);
  EXPECT_EQ(*policy.fsGroup, 2000u);
  EXPECT_TRUE(policy.onRootMismatch);
  EXPECT_FALSE(fsGroupPolicyOf(bj::object{{"spec", bj::object{}}}).fsGroup);
}

}  // namespace
}  // namespace cube::agent::volumes
