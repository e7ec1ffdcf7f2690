#pragma once
// A temporary directory for the volume tests, removed (mounts undone first) when the test ends.

#include "agent/volumes/tmpfs_mount.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>

namespace cube::agent::testing {

class VolumeTestDir {
 public:
  VolumeTestDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cube-volumes.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~VolumeTestDir() {
    try {
      volumes::unmountAllUnder(path_);
    } catch (...) {
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The permission bits of `path` (symlinks followed).
inline unsigned modeOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

}  // namespace cube::agent::testing
