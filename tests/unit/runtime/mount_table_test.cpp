// isMountPoint and readMountTable against real mounts, made in a child process's own mount
// namespace so the host never sees them. Needs root (skipped otherwise).
#include "runtime/crun/mount_table.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

namespace cube::runtime::crun {
namespace {

namespace fs = std::filesystem;

// Runs `check` in a forked child inside a private mount namespace; its exit code comes back
// (0 when every expectation held, else the number of the first that failed).
int inOwnMountNamespace(const std::function<int()>& check) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(100);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(101);
    ::_exit(check());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

class MountTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    char tmpl[] = "/tmp/cube-mount-table.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(MountTableTest, TellsMountPointsFromPlainDirectoriesAndFiles) {
  fs::create_directories(dir_ + "/tmpfs/inner");
  fs::create_directories(dir_ + "/plain");
  std::ofstream(dir_ + "/source") << "x";
  std::ofstream(dir_ + "/target") << "";
  EXPECT_FALSE(isMountPoint(dir_ + "/plain"));
  EXPECT_FALSE(isMountPoint(dir_ + "/missing"));
  int failed = inOwnMountNamespace([&]() -> int {
    if (::mount("tmpfs", (dir_ + "/tmpfs").c_str(), "tmpfs", 0, nullptr) != 0) return 102;
    if (::mount((dir_ + "/source").c_str(), (dir_ + "/target").c_str(), nullptr, MS_BIND,
                nullptr) != 0) {
      return 103;
    }
    fs::create_directories(dir_ + "/tmpfs/inner");
    if (!isMountPoint(dir_ + "/tmpfs")) return 1;
    if (isMountPoint(dir_ + "/tmpfs/inner")) return 2;  // a directory on the tmpfs
    if (!isMountPoint(dir_ + "/target")) return 3;      // a file bind mount (as a namespace's)
    if (isMountPoint(dir_ + "/source")) return 4;
    if (isMountPoint(dir_ + "/plain")) return 5;
    auto table = readMountTable();
    bool listed = std::any_of(table.begin(), table.end(), [&](const MountEntry& m) {
      return m.mountPoint == dir_ + "/tmpfs" && m.fsType == "tmpfs";
    });
    if (!listed) return 6;
    if (::umount2((dir_ + "/tmpfs").c_str(), 0) != 0) return 104;
    if (isMountPoint(dir_ + "/tmpfs")) return 7;  // unmounted: a plain directory again
    return 0;
  });
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace cube::runtime::crun
