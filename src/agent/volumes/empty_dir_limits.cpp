#include "agent/volumes/empty_dir_limits.h"

#include "agent/volumes/volume_layout.h"
#include "common/json_util.h"
#include "common/quantity.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string_view>
#include <utility>

namespace cube::agent::volumes {

namespace bj = boost::json;

namespace {

struct UsageWalk {
  dev_t device;
  int64_t bytes = 0;
  std::set<std::pair<dev_t, ino_t>> linked;  // files with several links, counted once

  void add(const struct stat& st) {
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !linked.emplace(st.st_dev, st.st_ino).second) {
      return;
    }
    bytes += static_cast<int64_t>(st.st_blocks) * 512;  // st_blocks is in 512-byte units
  }

  void directory(int fd) {
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return;
    }
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (st.st_dev != device) continue;  // another filesystem mounted below: not ours
      add(st);
      if (S_ISDIR(st.st_mode)) {
        int sub = ::openat(::dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) directory(sub);
      }
    }
    ::closedir(d);
  }
};

const bj::array* volumesOf(const bj::object& pod) {
  const auto* spec = json::getObject(pod, "spec");
  return spec ? json::getArray(*spec, "volumes") : nullptr;
}

// The emptyDir's sizeLimit when it is on disk and above zero.
std::optional<int64_t> diskLimitOf(const bj::object& volume) {
  const auto* ed = json::getObject(volume, "emptyDir");
  if (!ed || json::getString(*ed, "medium") == "Memory") return std::nullopt;
  std::string limit = json::getString(*ed, "sizeLimit");
  if (limit.empty()) return std::nullopt;
  auto v = quantityValue(limit);
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

}  // namespace

std::optional<int64_t> diskUsageBytes(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  UsageWalk walk{st.st_dev};
  walk.add(st);
  walk.directory(fd);
  return walk.bytes;
}

bool hasEmptyDirSizeLimits(const bj::object& pod) {
  const auto* volumes = volumesOf(pod);
  if (!volumes) return false;
  for (const auto& v : *volumes) {
    if (v.is_object() && diskLimitOf(v.as_object())) return true;
  }
  return false;
}

std::optional<std::string> emptyDirOverLimit(const bj::object& pod, const std::string& podsDir,
                                             const DiskUsageFn& usage) {
  const auto* volumes = volumesOf(pod);
  const auto* meta = json::getObject(pod, "metadata");
  if (!volumes || !meta) return std::nullopt;
  std::string uid = json::getString(*meta, "uid");
  for (const auto& v : *volumes) {
    if (!v.is_object()) continue;
    const auto& volume = v.as_object();
    auto limit = diskLimitOf(volume);
    if (!limit) continue;
    std::string name = json::getString(volume, "name");
    auto used = usage(volumeDir(podsDir, uid, kEmptyDirPlugin, name));
    if (!used || *used <= *limit) continue;
    // The limit as the API prints the quantity (its canonical form).
    std::string text = json::getString(*json::getObject(volume, "emptyDir"), "sizeLimit");
    text = canonicalQuantity(text).value_or(text);
    return "Usage of EmptyDir volume \"" + name + "\" exceeds the limit \"" + text + "\". ";
  }
  return std::nullopt;
}

}  // namespace cube::agent::volumes
