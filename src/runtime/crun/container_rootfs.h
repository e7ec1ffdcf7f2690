#pragma once
// A container's root file system: an overlayfs mount of the image's unpacked layers (shared,
// read-only lower dirs) with the container's own upper and work dirs, all under the container's
// directory:
//
//   <dir>/rootfs   the mount point (the bundle's root.path)
//   <dir>/upper    what the container writes
//   <dir>/work     overlayfs' scratch dir
//
// Mounting happens in the calling process's mount namespace (the one crun runs in).

#include <string>
#include <vector>

namespace cube::runtime::crun {

class ContainerRootfs {
 public:
  // `layers` base first, as the image lists them. Creates the dirs and mounts; throws
  // std::runtime_error (with what was partly made removed again) on failure.
  static void mount(const std::string& dir, const std::vector<std::string>& layers);
  // Unmounts <dir>/rootfs if mounted (lazily when busy); not mounted is fine.
  static void unmount(const std::string& dir);
  // unmount, then removes rootfs, upper and work (the container's writes). Idempotent.
  static void remove(const std::string& dir);

  static std::string rootfsPath(const std::string& dir) { return dir + "/rootfs"; }
  static bool isMounted(const std::string& dir);
};

}  // namespace cube::runtime::crun
