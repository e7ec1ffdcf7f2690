#include "agent/volumes/volume_ownership.h"

#include "common/json_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string_view>

namespace cube::agent::volumes {

namespace bj = boost::json;

namespace {

constexpr uint32_t kGroupExec = 0010 | 0100;  // what a directory needs to be entered

struct Walk {
  uint32_t fsGroup;
  uint32_t fileBits;
  size_t failures = 0;

  // The entry `name` of the open directory `parent` (a path when parent is AT_FDCWD).
  void visit(int parent, const char* name) {
    struct stat st;
    if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      ++failures;
      return;
    }
    if (S_ISLNK(st.st_mode)) return;
    if (S_ISDIR(st.st_mode)) {
      int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        ++failures;
        return;
      }
      if (DIR* d = ::fdopendir(fd)) {
        while (dirent* e = ::readdir(d)) {
          std::string_view n = e->d_name;
          if (n == "." || n == "..") continue;
          visit(::dirfd(d), e->d_name);
        }
        change(::dirfd(d), "", st, true);
        ::closedir(d);  // closes fd
      } else {
        ::close(fd);
        ++failures;
      }
      return;
    }
    change(parent, name, st, false);
  }

  // The owner stays; the group becomes fsGroup; the bits are added to what is there.
  void change(int fd, const char* name, const struct stat& st, bool dir) {
    int flags = *name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;
    if (::fchownat(fd, name, st.st_uid, fsGroup, flags) != 0) ++failures;
    uint32_t mode = (st.st_mode & 07777) | fileBits;
    if (dir) mode |= kGroupExec | S_ISGID;
    int rc = *name ? ::fchmodat(fd, name, mode, 0) : ::fchmod(fd, mode);
    if (rc != 0) ++failures;
  }
};

// OnRootMismatch: the root has the group, the bits and (a directory) setgid already.
bool rootMatches(const std::string& dir, uint32_t fsGroup, uint32_t fileBits) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || st.st_gid != fsGroup || !S_ISDIR(st.st_mode)) return false;
  uint32_t want = fileBits | kGroupExec;
  return (st.st_mode & want) == want && (st.st_mode & S_ISGID);
}

}  // namespace

FsGroupPolicy fsGroupPolicyOf(const bj::object& pod) {
  FsGroupPolicy out;
  const auto* spec = json::getObject(pod, "spec");
  const auto* sc = spec ? json::getObject(*spec, "securityContext") : nullptr;
  if (!sc) return out;
  if (auto it = sc->find("fsGroup");
      it != sc->end() && it->value().is_int64() && it->value().as_int64() >= 0) {
    out.fsGroup = static_cast<uint32_t>(it->value().as_int64());
  }
  out.onRootMismatch = json::getString(*sc, "fsGroupChangePolicy") == "OnRootMismatch";
  return out;
}

size_t setVolumeOwnership(const std::string& dir, const FsGroupPolicy& policy,
                          bool readOnlyVolume) {
  if (!policy.fsGroup) return 0;
  uint32_t bits = fsGroupFileBits(readOnlyVolume);
  if (policy.onRootMismatch && rootMatches(dir, *policy.fsGroup, bits)) return 0;
  Walk walk{*policy.fsGroup, bits};
  walk.visit(AT_FDCWD, dir.c_str());
  return walk.failures;
}

}  // namespace cube::agent::volumes
