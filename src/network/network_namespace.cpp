#include "network/network_namespace.h"

#include "network/network_error.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace cube::network {

namespace fs = std::filesystem;

namespace {

bool isNamespaceMount(const fs::path& path) {
  struct statfs st {};
  return ::statfs(path.c_str(), &st) == 0 && st.f_type == NSFS_MAGIC;
}

void makeSharedMount(const fs::path& dir) {
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) throw NetworkError("netns: make " + dir.string() + " shared", errno);
  // EINVAL: not a mount point yet.
  if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
    throw NetworkError("netns: bind " + dir.string() + " onto itself", errno);
  }
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    throw NetworkError("netns: make " + dir.string() + " shared", errno);
  }
}

}  // namespace

bool NetworkNamespace::validName(const std::string& name) {
  if (name.empty() || name.size() > 200 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool NetworkNamespace::exists(const fs::path& dir, const std::string& name) {
  return validName(name) && isNamespaceMount(dir / name);
}

fs::path NetworkNamespace::create(const fs::path& dir, const std::string& name) {
  if (!validName(name)) throw NetworkError("netns: invalid name '" + name + "'");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw NetworkError("netns: create " + dir.string(), ec.value());
  makeSharedMount(dir);

  fs::path path = dir / name;
  if (isNamespaceMount(path)) return path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444);
  if (fd < 0) throw NetworkError("netns: create " + path.string(), errno);
  ::close(fd);

  int err = 0;
  const char* step = "";
  std::thread([&] {
    // Only this thread moves to the new namespace, and it ends right after.
    if (::unshare(CLONE_NEWNET) != 0) {
      err = errno;
      step = "unshare";
    } else if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
      err = errno;
      step = "bind-mount";
    }
  }).join();
  if (err) {
    ::unlink(path.c_str());
    throw NetworkError(std::string("netns: ") + step + " " + path.string(), err);
  }
  return path;
}

void NetworkNamespace::remove(const fs::path& dir, const std::string& name) {
  if (!validName(name)) throw NetworkError("netns: invalid name '" + name + "'");
  fs::path path = dir / name;
  // MNT_DETACH: a process still inside keeps the namespace until it leaves; the name goes now.
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    throw NetworkError("netns: unmount " + path.string(), errno);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw NetworkError("netns: remove " + path.string(), errno);
  }
}

UniqueFd NetworkNamespace::open(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw NetworkError("netns: open " + path.string(), errno);
  return fd;
}

}  // namespace cube::network
