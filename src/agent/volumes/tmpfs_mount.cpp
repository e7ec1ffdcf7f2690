#include "agent/volumes/tmpfs_mount.h"

#include "runtime/crun/mount_table.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace cube::agent::volumes {

namespace {

std::vector<std::string> mountsUnder(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& m : runtime::crun::readMountTable()) {
    if (m.mountPoint == dir || m.mountPoint.rfind(dir + "/", 0) == 0) out.push_back(m.mountPoint);
  }
  return out;
}

}  // namespace

bool mountTmpfs(const std::string& dir, std::optional<int64_t> sizeBytes, uint32_t mode) {
  std::filesystem::create_directories(dir);
  if (runtime::crun::isMountPoint(dir)) return false;
  char modeText[16];
  std::snprintf(modeText, sizeof modeText, "%o", mode);
  std::string options = std::string("mode=") + modeText;
  if (sizeBytes && *sizeBytes > 0) options += ",size=" + std::to_string(*sizeBytes);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    throw std::runtime_error("mount tmpfs on " + dir + ": " + std::strerror(errno));
  }
  return true;
}

void unmountAllUnder(const std::string& dir) {
  auto mounts = mountsUnder(dir);
  // Deepest first; a mount point may be listed more than once (stacked mounts).
  std::sort(mounts.begin(), mounts.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& m : mounts) {
    if (::umount2(m.c_str(), 0) != 0 && errno != EINVAL && errno != ENOENT) {
      // Busy (a process has its cwd there): detach it, it goes when the last user does.
      ::umount2(m.c_str(), MNT_DETACH);
    }
  }
  auto left = mountsUnder(dir);
  if (!left.empty()) throw std::runtime_error("cannot unmount " + left.front());
}

}  // namespace cube::agent::volumes
