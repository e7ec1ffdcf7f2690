#pragma once
// `cube log-shim` (hidden): the per-container log copier the crun runtime starts beside each
// container, like conmon. fd 0: the container's stdout pipe, fd 3: its stderr pipe, fd 1: the
// CRI log file (runtime/crun/container_log.h). It ends when the container's output ends.

namespace cube::cmd {

inline constexpr const char* kLogShimCommand = "log-shim";

// Points the crun runtime at `/proc/self/exe log-shim`; call once at program start.
void registerLogShim();

// The shim's main. Returns the process exit code.
int runLogShim();

}  // namespace cube::cmd
