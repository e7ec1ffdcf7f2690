#include "runtime/images/layer_unpacker.h"

#include "runtime/images/digest.h"
#include "runtime/images/file_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace cube::runtime::images {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

// The decompressed layer stream (libarchive "raw" format with every filter), hashed as the tar
// reader pulls it: one decompression gives both the entries and the diffID.
struct HashingSource {
  archive* raw = nullptr;
  Sha256 hash;
  uint64_t bytes = 0;
  std::string error;
};

la_ssize_t readHashed(archive*, void* ctx, const void** buf) {
  auto* src = static_cast<HashingSource*>(ctx);
  size_t size = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(src->raw, buf, &size, &offset);
  if (r == ARCHIVE_EOF) return 0;
  if (r < ARCHIVE_WARN) {
    src->error = archive_error_string(src->raw) ? archive_error_string(src->raw) : "read error";
    return -1;
  }
  src->hash.update(*buf, size);
  src->bytes += size;
  return static_cast<la_ssize_t>(size);
}

// A directory's metadata, applied once all entries are written (creating children changes a
// directory's mtime, and a read-only mode would stop a non-root unpack from filling it).
struct DeferredDir {
  std::vector<std::string> path;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  timespec mtime;
  bool hasMtime;
};

class Unpacker {
 public:
  Unpacker(int rootFd, bool root) : rootFd_(rootFd), root_(root) {}

  void entry(archive* a, archive_entry* e, LayerUnpackResult& result);
  void finish();

 private:
  std::vector<std::string> split(const char* raw) const;
  int parentFd(const std::vector<std::string>& path, bool create);
  void invalidate() {
    cachedKey_.clear();
    cached_.reset();
  }
  // Removes what is at `name` unless both it and the new entry are directories; returns
  // whether an existing directory is kept.
  bool clear(int dirFd, const std::string& name, bool newIsDir);
  void writeFile(archive* a, archive_entry* e, int dirFd, const std::string& name);
  void setAttrs(int dirFd, const std::string& name, archive_entry* e, bool isLink);

  [[noreturn]] void fail(const std::string& why) const {
    throw LayerError("layer entry \"" + current_ + "\": " + why);
  }

  int rootFd_;
  bool root_;
  std::string current_;
  // The last parent directory opened, by joined path: most entries share their parent.
  std::string cachedKey_;
  UniqueFd cached_;
  std::vector<DeferredDir> dirs_;
};

std::vector<std::string> Unpacker::split(const char* raw) const {
  std::vector<std::string> out;
  std::string_view p = raw ? raw : "";
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string_view c = p.substr(start, slash == p.npos ? p.npos : slash - start);
    if (c == "..") fail("path leaves the layer (\"..\")");
    if (!c.empty() && c != ".") out.emplace_back(c);
    if (slash == p.npos) break;
    start = slash + 1;
  }
  return out;
}

int Unpacker::parentFd(const std::vector<std::string>& path, bool create) {
  std::string key;
  for (size_t i = 0; i + 1 < path.size(); ++i) key += path[i] + "/";
  if (key.empty()) return rootFd_;
  if (cached_ && key == cachedKey_) return cached_.get();
  UniqueFd cur(::dup(rootFd_));
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const char* c = path[i].c_str();
    int fd = ::openat(cur.get(), c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), c, 0755) != 0 && errno != EEXIST) throwErrno("mkdir " + current_);
      fd = ::openat(cur.get(), c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        fail("\"" + path[i] + "\" on its path is a symlink or not a directory");
      }
      if (errno == ENOENT) fail("\"" + path[i] + "\" on its path does not exist");
      throwErrno("open " + current_);
    }
    cur.reset(fd);
  }
  cachedKey_ = key;
  cached_ = std::move(cur);
  return cached_.get();
}

bool Unpacker::clear(int dirFd, const std::string& name, bool newIsDir) {
  struct stat st;
  if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
  if (newIsDir && S_ISDIR(st.st_mode)) return true;
  invalidate();  // the cached parent may lie below what is removed
  removeTreeAt(dirFd, name);
  return false;
}

timespec mtimeOf(archive_entry* e) {
  return timespec{archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
}

DeferredDir deferredDir(const std::vector<std::string>& path, archive_entry* e) {
  return {path,
          static_cast<mode_t>(archive_entry_perm(e)),
          static_cast<uid_t>(archive_entry_uid(e)),
          static_cast<gid_t>(archive_entry_gid(e)),
          mtimeOf(e),
          archive_entry_mtime_is_set(e) != 0};
}

void Unpacker::setAttrs(int dirFd, const std::string& name, archive_entry* e, bool isLink) {
  if (root_ && ::fchownat(dirFd, name.c_str(), archive_entry_uid(e), archive_entry_gid(e),
                          AT_SYMLINK_NOFOLLOW) != 0) {
    throwErrno("chown " + current_);
  }
  if (!isLink && ::fchmodat(dirFd, name.c_str(), archive_entry_perm(e), 0) != 0) {
    throwErrno("chmod " + current_);
  }
  if (archive_entry_mtime_is_set(e)) {
    timespec ts[2] = {mtimeOf(e), mtimeOf(e)};
    ::utimensat(dirFd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }
}

void Unpacker::writeFile(archive* a, archive_entry* e, int dirFd, const std::string& name) {
  UniqueFd fd(
      ::openat(dirFd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throwErrno("create " + current_);
  const void* buf;
  size_t size;
  la_int64_t offset;
  int r;
  while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
    const char* p = static_cast<const char*>(buf);
    while (size > 0) {
      ssize_t n = ::pwrite(fd.get(), p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        throwErrno("write " + current_);
      }
      p += n;
      offset += n;
      size -= static_cast<size_t>(n);
    }
  }
  if (r != ARCHIVE_EOF) {
    throw LayerError("layer entry \"" + current_ +
                     "\": " + (archive_error_string(a) ? archive_error_string(a) : "read error"));
  }
  // Sparse files end in a hole that no data block covers.
  if (archive_entry_size_is_set(e) && ::ftruncate(fd.get(), archive_entry_size(e)) != 0) {
    throwErrno("truncate " + current_);
  }
  if (root_) {
    if (::fchown(fd.get(), archive_entry_uid(e), archive_entry_gid(e)) != 0) {
      throwErrno("chown " + current_);
    }
    // File capabilities (security.capability) and other xattrs recorded by the image builder.
    const char* xname;
    const void* xvalue;
    size_t xsize;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &xname, &xvalue, &xsize) == ARCHIVE_OK) {
      ::fsetxattr(fd.get(), xname, xvalue, xsize, 0);
    }
  }
  // After chown, which clears setuid/setgid.
  if (::fchmod(fd.get(), archive_entry_perm(e)) != 0) throwErrno("chmod " + current_);
  if (archive_entry_mtime_is_set(e)) {
    timespec ts[2] = {mtimeOf(e), mtimeOf(e)};
    ::futimens(fd.get(), ts);
  }
}

void Unpacker::entry(archive* a, archive_entry* e, LayerUnpackResult& result) {
  const char* rawPath = archive_entry_pathname(e);
  if (!rawPath) throw LayerError("layer entry without a path");
  current_ = rawPath;
  std::vector<std::string> path = split(rawPath);
  mode_t type = archive_entry_filetype(e);
  if (path.empty()) {
    // "./": the layer root itself.
    if (type == AE_IFDIR) {
      dirs_.push_back(deferredDir(path, e));
    }
    return;
  }
  const std::string& name = path.back();
  int dirFd = parentFd(path, true);

  if (name.starts_with(kWhiteoutPrefix)) {
    if (name == kOpaqueMarker) {
      if (!root_) fail("an opaque directory needs root (trusted.overlay.opaque xattr)");
      if (::fsetxattr(dirFd, "trusted.overlay.opaque", "y", 1, 0) != 0) {
        throwErrno("set trusted.overlay.opaque for " + current_);
      }
      return;
    }
    if (name.starts_with(kWhiteoutMetaPrefix)) return;  // aufs bookkeeping, meaningless here
    std::string hidden = name.substr(kWhiteoutPrefix.size());
    if (hidden.empty()) fail("whiteout of nothing");
    if (!root_) fail("a whiteout needs root (a 0:0 character device)");
    clear(dirFd, hidden, false);
    dirFd = parentFd(path, true);
    if (::mknodat(dirFd, hidden.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
      throwErrno("mknod whiteout " + current_);
    }
    if (::fchownat(dirFd, hidden.c_str(), 0, 0, AT_SYMLINK_NOFOLLOW) != 0) {
      throwErrno("chown " + current_);
    }
    return;
  }

  if (const char* target = archive_entry_hardlink(e)) {
    std::string entryPath = current_;
    current_ = target;
    std::vector<std::string> tpath = split(target);
    if (tpath.empty()) fail("hardlink to the layer root");
    if (tpath == path) return;
    int tdir = parentFd(tpath, false);
    UniqueFd tdirCopy(::dup(tdir));  // parentFd below may replace the cached fd
    current_ = entryPath;
    dirFd = parentFd(path, true);
    clear(dirFd, name, false);
    dirFd = parentFd(path, true);
    if (::linkat(tdirCopy.get(), tpath.back().c_str(), dirFd, name.c_str(), 0) != 0) {
      if (errno == ENOENT) fail("hardlink target \"" + std::string(target) + "\" not in layer");
      throwErrno("link " + current_);
    }
    return;
  }

  switch (type) {
    case AE_IFDIR: {
      bool kept = clear(dirFd, name, true);
      dirFd = parentFd(path, true);
      if (!kept && ::mkdirat(dirFd, name.c_str(), 0755) != 0) throwErrno("mkdir " + current_);
      dirs_.push_back(deferredDir(path, e));
      return;
    }
    case AE_IFREG:
      clear(dirFd, name, false);
      dirFd = parentFd(path, true);
      writeFile(a, e, dirFd, name);
      return;
    case AE_IFLNK: {
      clear(dirFd, name, false);
      dirFd = parentFd(path, true);
      const char* target = archive_entry_symlink(e);
      // The target is stored as-is: it is only ever resolved inside the container's root.
      if (::symlinkat(target ? target : "", dirFd, name.c_str()) != 0) {
        throwErrno("symlink " + current_);
      }
      setAttrs(dirFd, name, e, true);
      return;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      if (type != AE_IFIFO && !root_) {
        ++result.skippedDevices;
        return;
      }
      clear(dirFd, name, false);
      dirFd = parentFd(path, true);
      if (::mknodat(dirFd, name.c_str(), type | (archive_entry_perm(e) & 07777),
                    archive_entry_rdev(e)) != 0) {
        throwErrno("mknod " + current_);
      }
      setAttrs(dirFd, name, e, false);
      return;
    }
    default:
      return;  // sockets and unknown types are not content
  }
}

void Unpacker::finish() {
  invalidate();
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    current_ = it->path.empty() ? "." : it->path.back();
    UniqueFd fd;
    if (it->path.empty()) {
      fd.reset(::dup(rootFd_));
    } else {
      int parent;
      try {
        parent = parentFd(it->path, false);
      } catch (const LayerError&) {
        continue;  // a later entry replaced a parent
      }
      fd.reset(::openat(parent, it->path.back().c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) continue;  // replaced by a later entry
    }
    if (root_ && ::fchown(fd.get(), it->uid, it->gid) != 0) throwErrno("chown " + current_);
    if (::fchmod(fd.get(), it->mode) != 0) throwErrno("chmod " + current_);
    if (it->hasMtime) {
      timespec ts[2] = {it->mtime, it->mtime};
      ::futimens(fd.get(), ts);
    }
  }
  invalidate();
}

}  // namespace

LayerUnpackResult unpackLayer(const std::string& blobPath, const std::string& destDir,
                              const std::string& expectedDiffId) {
  LayerUnpackResult result;
  UniqueFd rootFd(::open(destDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!rootFd) throwErrno("open " + destDir);
  ::fchmod(rootFd.get(), 0755);

  ArchivePtr raw(archive_read_new());
  archive_read_support_filter_all(raw.get());
  archive_read_support_format_raw(raw.get());
  archive_read_support_format_empty(raw.get());
  if (archive_read_open_filename(raw.get(), blobPath.c_str(), 1 << 20) != ARCHIVE_OK) {
    throw LayerError("layer " + blobPath + ": " + archive_error_string(raw.get()));
  }
  archive_entry* rawEntry;
  int r = archive_read_next_header(raw.get(), &rawEntry);
  if (r != ARCHIVE_OK && r != ARCHIVE_EOF) {
    throw LayerError("layer " + blobPath + ": " + archive_error_string(raw.get()));
  }

  HashingSource src;
  src.raw = raw.get();
  if (r == ARCHIVE_OK) {
    ArchivePtr tar(archive_read_new());
    archive_read_support_format_tar(tar.get());
    archive_read_support_format_empty(tar.get());
    if (archive_read_open(tar.get(), &src, nullptr, readHashed, nullptr) != ARCHIVE_OK) {
      throw LayerError("layer " + blobPath + ": not a tar archive: " +
                       (src.error.empty() ? archive_error_string(tar.get()) : src.error));
    }
    Unpacker unpacker(rootFd.get(), ::geteuid() == 0);
    archive_entry* e;
    while ((r = archive_read_next_header(tar.get(), &e)) != ARCHIVE_EOF) {
      if (r < ARCHIVE_WARN) {
        throw LayerError("layer " + blobPath + ": " +
                         (src.error.empty() ? archive_error_string(tar.get()) : src.error));
      }
      ++result.entries;
      unpacker.entry(tar.get(), e, result);
    }
    unpacker.finish();
    // The tar reader stops at the end-of-archive blocks; the diffID covers the padding too.
    const void* buf;
    while (readHashed(nullptr, &src, &buf) > 0) {
    }
    if (!src.error.empty()) throw LayerError("layer " + blobPath + ": " + src.error);
  }
  result.diffId = src.hash.digest();
  result.tarBytes = src.bytes;
  if (!expectedDiffId.empty() && result.diffId != expectedDiffId) {
    throw LayerError("layer " + blobPath + ": uncompressed content is " + result.diffId +
                     ", the image config says " + expectedDiffId);
  }
  return result;
}

}  // namespace cube::runtime::images
