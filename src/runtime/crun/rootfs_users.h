#pragma once
// Users and groups of a container image, read from its root's /etc/passwd and /etc/group, to
// resolve an image's `User` ("app", "app:www") and the user's supplementary groups.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cube::runtime::crun {

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

// Entries of <rootfs>/etc/passwd and <rootfs>/etc/group; malformed lines are skipped, a missing
// file is empty. The paths are not resolved inside the root: a symlink there that points out
// of it is followed on the host, so callers pass roots made of image layers only.
std::vector<PasswdEntry> readPasswd(const std::string& rootfs);
std::vector<GroupEntry> readGroup(const std::string& rootfs);

// A decimal uid/gid, nullopt for anything else (a name).
std::optional<uint32_t> parseId(const std::string& s);

}  // namespace cube::runtime::crun
