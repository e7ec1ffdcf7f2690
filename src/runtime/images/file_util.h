#pragma once
// File-system helpers shared by the image store: an owned fd, flock-based locks, atomic file
// replacement and a removal that never follows symlinks.

#include <string>
#include <string_view>

namespace cube::runtime::images {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Holds an flock on `path` (created if absent) until destroyed. Shared or exclusive; blocks.
// Locks of two open() calls conflict even inside one process, so this also orders threads.
class FileLock {
 public:
  FileLock(const std::string& path, bool exclusive);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  UniqueFd fd_;
};

// Throws std::runtime_error "<what>: <strerror(errno)>".
[[noreturn]] void throwErrno(const std::string& what);

// Creates `path` and its parents (mode 0755 for new ones, or `mode` for the last one).
void makeDirs(const std::string& path, unsigned mode = 0755);
// Whole file; throws naming the path.
std::string readFile(const std::string& path);
// The first `n` bytes of a file (fewer when it is shorter).
std::string readHead(const std::string& path, size_t n);
// Whether writeFileAtomic waits for the data to reach the disk before the rename. kNoSync is
// for files that are made again whenever they are needed after a reboot (a sandbox's hosts file,
// a bundle's config.json): readers never see a torn file either way, and a pod start is spared
// an fsync per file (p90 8 ms on this machine's disk under load).
enum class FileSync { kFsync, kNoSync };
// Writes `data` to a temp file beside `path` and renames it over `path`.
void writeFileAtomic(const std::string& path, std::string_view data,
                     FileSync sync = FileSync::kFsync);
// Removes `name` under `dirFd` (a file or a whole tree) without following any symlink; missing
// is fine. Throws on other errors.
void removeTreeAt(int dirFd, const std::string& name);
// removeTreeAt on an absolute or relative path.
void removeTree(const std::string& path);

}  // namespace cube::runtime::images
