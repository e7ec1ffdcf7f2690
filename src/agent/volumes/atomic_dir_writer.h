#pragma once
// Writes the files of a configMap, secret, downwardAPI or projected volume the way the kubelet
// does, so that a new version can be swapped in at once and a reader never sees half of one:
//
//   <dir>/..2026_11_22_07_30_00.123456789/<path>   the files of one version
//   <dir>/..data -> ..2026_11_22_07_30_00.123456789
//   <dir>/<first path element> -> ..data/<first path element>
//
// A new version is written beside the old one, `..data` is replaced by a rename (atomic), the
// top-level links are added or removed, and the old version goes. Writing the same payload again
// changes nothing.

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cube::agent::volumes {

struct ProjectedFile {
  std::string path;  // relative, '/'-separated; no ".." element, no leading ".."
  std::string content;
  uint32_t mode = 0644;
};

// A payload path the API would have refused (absolute, "..", leading ".."), or two files with
// one path.
class PayloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws PayloadError for a bad payload and std::filesystem::filesystem_error for I/O. Returns
// whether anything was written. `beforeSwap` runs once the new version is on disk and before
// `..data` points to it (the kubelet sets fsGroup ownership there, so readers never see the new
// files without it).
bool writeAtomicDir(const std::string& dir, const std::vector<ProjectedFile>& files,
                    const std::function<void()>& beforeSwap = {});

}  // namespace cube::agent::volumes
