#include "runtime/crun/pod_namespaces.h"

#include "runtime/crun/mount_table.h"

#include "runtime/images/file_util.h"
#include "runtime/runtime.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace cube::runtime::crun {

namespace {

constexpr const char* kShmOptions = "mode=1777,size=65536k";

std::string errnoText(int err) {
  return std::strerror(err);
}

void unmountAndUnlink(const std::string& path, bool directory) {
  // MNT_DETACH: a container still inside keeps the namespace until it ends; the name goes now.
  while (isMountPoint(path)) {
    if (::umount2(path.c_str(), MNT_DETACH) != 0) {
      if (errno == EINVAL || errno == ENOENT) break;
      throw RuntimeError("umount " + path + ": " + errnoText(errno));
    }
  }
  int r = directory ? ::rmdir(path.c_str()) : ::unlink(path.c_str());
  if (r != 0 && errno != ENOENT) throw RuntimeError("remove " + path + ": " + errnoText(errno));
}

// Bind-mounts a new namespace of type `flag` (CLONE_NEWIPC or CLONE_NEWUTS, then with
// `hostname` set) onto `target`, from a thread that unshares it and then ends.
void bindNewNamespace(int flag, const char* nsName, const std::string& target,
                      const std::string& hostname) {
  int fd = ::open(target.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
  if (fd < 0) throw RuntimeError("create " + target + ": " + errnoText(errno));
  ::close(fd);
  int err = 0;
  const char* step = "";
  std::thread([&] {
    // Only this thread moves to the new namespace, and it ends right after.
    if (::unshare(flag) != 0) {
      err = errno;
      step = "unshare";
      return;
    }
    if (flag == CLONE_NEWUTS && ::sethostname(hostname.data(), hostname.size()) != 0) {
      err = errno;
      step = "sethostname";
      return;
    }
    std::string source = std::string("/proc/thread-self/ns/") + nsName;
    if (::mount(source.c_str(), target.c_str(), "none", MS_BIND, nullptr) != 0) {
      err = errno;
      step = "bind-mount";
    }
  }).join();
  if (err) {
    ::unlink(target.c_str());
    throw RuntimeError(std::string(nsName) + " namespace: " + step + " " + target + ": " +
                       errnoText(err));
  }
}

}  // namespace

PodNamespacePaths createPodNamespaces(const std::string& dir, bool ipc, bool uts,
                                      const std::string& hostname) {
  images::makeDirs(dir, 0700);
  PodNamespacePaths paths;
  try {
    if (ipc) {
      paths.ipc = dir + "/ipc";
      if (!isMountPoint(paths.ipc)) bindNewNamespace(CLONE_NEWIPC, "ipc", paths.ipc, hostname);
      paths.shm = dir + "/shm";
      images::makeDirs(paths.shm, 01777);
      if (!isMountPoint(paths.shm) && ::mount("shm", paths.shm.c_str(), "tmpfs",
                                              MS_NOSUID | MS_NODEV | MS_NOEXEC, kShmOptions) != 0) {
        throw RuntimeError("mount tmpfs on " + paths.shm + ": " + errnoText(errno));
      }
    }
    if (uts) {
      paths.uts = dir + "/uts";
      if (!isMountPoint(paths.uts)) bindNewNamespace(CLONE_NEWUTS, "uts", paths.uts, hostname);
    }
  } catch (...) {
    try {
      removePodNamespaces(dir);
    } catch (...) {
      // The first error is the one worth reporting.
    }
    throw;
  }
  return paths;
}

void removePodNamespaces(const std::string& dir) {
  unmountAndUnlink(dir + "/ipc", false);
  unmountAndUnlink(dir + "/uts", false);
  unmountAndUnlink(dir + "/shm", true);
}

}  // namespace cube::runtime::crun
