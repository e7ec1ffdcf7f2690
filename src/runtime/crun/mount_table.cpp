#include "runtime/crun/mount_table.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace cube::runtime::crun {

std::vector<MountEntry> readMountTable() {
  std::vector<MountEntry> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // Fields: id parent major:minor root mount-point options [optional...] - fstype source ...
    std::istringstream fields(line);
    std::string id, parent, device, root, mountPoint;
    fields >> id >> parent >> device >> root >> mountPoint;
    auto separator = line.find(" - ");
    if (mountPoint.empty() || separator == std::string::npos) continue;
    std::istringstream rest(line.substr(separator + 3));
    std::string fsType;
    rest >> fsType;
    out.push_back({std::move(mountPoint), std::move(fsType)});
  }
  return out;
}

bool isMountPoint(const std::string& path) {
  // statx says so directly (Linux 5.8+), without reading a mount table that grows with every
  // pod; an older kernel leaves the attribute out of the mask.
  struct statx st {};
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &st) !=
      0) {
    return false;
  }
  if (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) {
    return (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  }
  for (const auto& m : readMountTable()) {
    if (m.mountPoint == path) return true;
  }
  return false;
}

}  // namespace cube::runtime::crun
