#include "runtime/crun/container_rootfs.h"

#include "runtime/crun/mount_table.h"

#include "runtime/images/file_util.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace cube::runtime::crun {

namespace {

// mount(2) data is limited to one page.
constexpr size_t kMaxMountData = 4095;

}  // namespace

bool ContainerRootfs::isMounted(const std::string& dir) {
  return isMountPoint(rootfsPath(dir));
}

void ContainerRootfs::mount(const std::string& dir, const std::vector<std::string>& layers) {
  if (layers.empty()) throw std::runtime_error("rootfs " + dir + ": the image has no layers");
  // overlayfs lists the topmost lower dir first: the image's last layer.
  std::string lower;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    if (it->find_first_of(":,") != std::string::npos) {
      throw std::runtime_error("rootfs " + dir + ": layer path " + *it + " has ':' or ','");
    }
    if (!lower.empty()) lower += ':';
    lower += *it;
  }
  std::string rootfs = rootfsPath(dir), upper = dir + "/upper", work = dir + "/work";
  std::string data = "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work;
  if (data.size() > kMaxMountData) {
    throw std::runtime_error("rootfs " + dir + ": " + std::to_string(layers.size()) +
                             " layers make the overlay options longer than a page");
  }
  images::makeDirs(dir, 0700);
  images::makeDirs(rootfs);
  images::makeDirs(upper);
  images::makeDirs(work);
  if (::mount("overlay", rootfs.c_str(), "overlay", 0, data.c_str()) != 0) {
    int err = errno;
    try {
      remove(dir);
    } catch (...) {
    }
    throw std::runtime_error("mount overlay on " + rootfs + ": " + std::strerror(err));
  }
}

void ContainerRootfs::unmount(const std::string& dir) {
  std::string rootfs = rootfsPath(dir);
  // A stacked mount (mounted twice) needs one umount per layer of stacking.
  while (isMountPoint(rootfs)) {
    if (::umount2(rootfs.c_str(), UMOUNT_NOFOLLOW) == 0) continue;
    if (errno == EBUSY && ::umount2(rootfs.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
    if (errno == EINVAL || errno == ENOENT) return;  // gone meanwhile
    images::throwErrno("umount " + rootfs);
  }
}

void ContainerRootfs::remove(const std::string& dir) {
  unmount(dir);
  for (const char* name : {"/rootfs", "/upper", "/work"}) images::removeTree(dir + name);
}

}  // namespace cube::runtime::crun
