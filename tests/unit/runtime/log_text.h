#pragma once
// What a container wrote, read back from its CRI log file (container_log.h) as plain text, for
// tests of real containers. The log shim may still be copying after the container's exit: by
// default this waits (up to 10 s) until no shim of this process has the file open.

#include "runtime/crun/container_log.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace cube::runtime::crun::testing {

// Whether a live cube-log-shim child of this process writes `path`.
inline bool logShimWrites(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "children");
    for (pid_t pid; in >> pid;) {
      std::string proc = "/proc/" + std::to_string(pid);
      std::ifstream statFile(proc + "/stat");
      std::string stat;
      std::getline(statFile, stat);
      if (stat.find(" (cube-log-shim) ") == std::string::npos ||
          stat.find(" (cube-log-shim) Z ") != std::string::npos) {
        continue;
      }
      if (fs::read_symlink(proc + "/fd/1", ec) == fs::weakly_canonical(path, ec)) return true;
    }
  }
  return false;
}

// `stream`: only "stdout" or "stderr" (their order between each other is the shim's: two pipes).
inline std::string logText(const std::string& path, bool waitForShim = true,
                           const std::string& stream = "") {
  for (int i = 0; waitForShim && i < 1000 && logShimWrites(path); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string out;
  LogReadOptions options;
  options.onlyStream = stream;
  readContainerLog(path, 0, options, nullptr, [&](std::string_view text) {
    out += text;
    return true;
  });
  return out;
}

}  // namespace cube::runtime::crun::testing
