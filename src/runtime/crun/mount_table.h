#pragma once
// The mounts of this process's mount namespace, read from /proc/self/mountinfo: one reader for
// the runtime's questions (is this a mount point, which cgroup hierarchies are mounted, what is
// left under a directory).

#include <string>
#include <vector>

namespace cube::runtime::crun {

struct MountEntry {
  std::string
      mountPoint;  // as mountinfo writes it (spaces escaped as \040; cube's paths have none)
  std::string fsType;
};

std::vector<MountEntry> readMountTable();

// Whether `path` is a mount point in this process's mount namespace.
bool isMountPoint(const std::string& path);

}  // namespace cube::runtime::crun
