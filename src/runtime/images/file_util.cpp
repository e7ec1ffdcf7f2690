#include "runtime/images/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace cube::runtime::images {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void throwErrno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

FileLock::FileLock(const std::string& path, bool exclusive)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
  if (!fd_) throwErrno("open lock " + path);
  while (::flock(fd_.get(), exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) throwErrno("flock " + path);
  }
}

void makeDirs(const std::string& path, unsigned mode) {
  if (path.empty()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(path + " exists and is not a directory");
    return;
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) makeDirs(path.substr(0, slash));
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throwErrno("mkdir " + path);
}

std::string readFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throwErrno("open " + path);
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string readHead(const std::string& path, size_t n) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throwErrno("open " + path);
  std::string out(n, '\0');
  ssize_t got = ::pread(fd.get(), out.data(), n, 0);
  if (got < 0) throwErrno("read " + path);
  out.resize(static_cast<size_t>(got));
  return out;
}

void writeFileAtomic(const std::string& path, std::string_view data, FileSync sync) {
  std::string tmp = path + ".tmp-XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) throwErrno("create " + tmp);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::unlink(tmp.c_str());
      errno = saved;
      throwErrno("write " + tmp);
    }
    off += static_cast<size_t>(n);
  }
  ::fchmod(fd.get(), 0644);
  if ((sync == FileSync::kFsync && ::fsync(fd.get()) != 0) ||
      ::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    throwErrno("replace " + path);
  }
}

void removeTreeAt(int dirFd, const std::string& name) {
  if (::unlinkat(dirFd, name.c_str(), 0) == 0 || errno == ENOENT) return;
  if (errno != EISDIR && errno != EPERM) throwErrno("unlink " + name);
  UniqueFd sub(::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!sub) {
    if (errno == ENOENT) return;
    throwErrno("open " + name);
  }
  // An unwritable directory (mode 0555 in a layer) cannot lose entries for a non-root user.
  ::fchmod(sub.get(), 0700);
  int dupFd = ::dup(sub.get());
  DIR* d = ::fdopendir(dupFd);
  if (!d) {
    ::close(dupFd);
    throwErrno("opendir " + name);
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names.emplace_back(e->d_name);
    }
  }
  ::closedir(d);
  for (const auto& n : names) removeTreeAt(sub.get(), n);
  if (::unlinkat(dirFd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    throwErrno("rmdir " + name);
  }
}

void removeTree(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string parent =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  UniqueFd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    if (errno == ENOENT) return;
    throwErrno("open " + parent);
  }
  removeTreeAt(dir.get(), name);
}

}  // namespace cube::runtime::images
