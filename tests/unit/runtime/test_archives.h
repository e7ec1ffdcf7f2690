#pragma once
// Test helpers: tar archives written in memory with libarchive, temp directories, and the
// archives of tests/images/build.sh.

#include "runtime/images/file_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cube::runtime::images::testing {

// A tar built entry by entry; bytes() gives it, optionally gzip/zstd compressed.
class TarBuilder {
 public:
  TarBuilder& file(const std::string& path, const std::string& content, int mode = 0644,
                   int uid = 0, int gid = 0, time_t mtime = 1700000000) {
    auto* e = entry(path, AE_IFREG, mode, uid, gid, mtime);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    add(e, content);
    return *this;
  }
  TarBuilder& dir(const std::string& path, int mode = 0755, int uid = 0, int gid = 0) {
    add(entry(path, AE_IFDIR, mode, uid, gid, 1700000000), "");
    return *this;
  }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    auto* e = entry(path, AE_IFLNK, 0777, 0, 0, 1700000000);
    archive_entry_set_symlink(e, target.c_str());
    add(e, "");
    return *this;
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    auto* e = entry(path, AE_IFREG, 0644, 0, 0, 1700000000);
    archive_entry_set_hardlink(e, target.c_str());
    archive_entry_set_size(e, 0);
    add(e, "");
    return *this;
  }
  TarBuilder& device(const std::string& path, int type, int major, int minor) {
    auto* e = entry(path, type, 0666, 0, 0, 1700000000);
    archive_entry_set_rdevmajor(e, major);
    archive_entry_set_rdevminor(e, minor);
    add(e, "");
    return *this;
  }
  // "none", "gzip" or "zstd".
  std::string bytes(const std::string& compression = "none") {
    std::string out;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (compression == "gzip") archive_write_add_filter_gzip(a);
    if (compression == "zstd") archive_write_add_filter_zstd(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open(a, &out, nullptr, &TarBuilder::writeCb, nullptr);
    for (auto& [e, data] : entries_) {
      archive_write_header(a, e);
      if (!data.empty()) archive_write_data(a, data.data(), data.size());
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
  }
  ~TarBuilder() {
    for (auto& [e, data] : entries_) archive_entry_free(e);
  }

 private:
  static la_ssize_t writeCb(archive*, void* ctx, const void* buf, size_t n) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  }
  archive_entry* entry(const std::string& path, int type, int mode, int uid, int gid,
                       time_t mtime) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    archive_entry_set_uid(e, uid);
    archive_entry_set_gid(e, gid);
    archive_entry_set_mtime(e, mtime, 0);
    return e;
  }
  void add(archive_entry* e, std::string data) { entries_.emplace_back(e, std::move(data)); }
  std::vector<std::pair<archive_entry*, std::string>> entries_;
};

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cube-images-test.XXXXXX");
    path_ = ::mkdtemp(tmpl.data());
  }
  // removeTree, unlike std::filesystem::remove_all, empties read-only directories of layers.
  ~TempDir() {
    try {
      removeTree(path_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
    }
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void writeFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

inline std::string readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Files directly in `dir` (0 when missing).
inline size_t countEntries(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    ++n;
  }
  return n;
}

// The archives of tests/images/build.sh, built once per test binary.
inline const std::string& testImagesDir() {
  static std::string dir = [] {
    std::string out = (std::filesystem::temp_directory_path() /
                       ("cube-test-images-" + std::to_string(::getpid())))
                          .string();
    std::string cmd =
        std::string("bash ") + CUBE_SOURCE_DIR + "/tests/images/build.sh " + out + " >/dev/null";
    if (std::system(cmd.c_str()) != 0) return std::string();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all((std::filesystem::temp_directory_path() /
                                   ("cube-test-images-" + std::to_string(::getpid()))),
                                  ec);
    });
    return out;
  }();
  return dir;
}

}  // namespace cube::runtime::images::testing
