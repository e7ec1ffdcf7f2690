#pragma once
// `cube log-shim [--attach] [--stdin] [--stdin-once] [--tty]` (hidden): the per-container shim
// the crun runtime starts beside each container, like conmon (runtime/crun/container_shim.h).
// fd 0: the container's stdout pipe (or its terminal's master), fd 3: its stderr pipe, fd 1:
// the CRI log file; with the flags, fd 4: the listening attach socket, fd 5: the container's
// stdin. It ends when the container's output ends.

namespace cube::cmd {

inline constexpr const char* kLogShimCommand = "log-shim";

// Points the crun runtime at `/proc/self/exe log-shim`; call once at program start.
void registerLogShim();

// The shim's main (argv after the subcommand's name too). Returns the process exit code.
int runLogShim(int argc, char** argv);

}  // namespace cube::cmd
