#pragma once
// The memory-backed directories of a pod: emptyDir with `medium: Memory`, secret and projected
// volumes (so that secrets never reach the node's disk). Mounted in the agent's mount namespace,
// which is the host's: they outlive an agent restart and the containers see them through their
// bind mounts.

#include <cstdint>
#include <optional>
#include <string>

namespace cube::agent::volumes {

// Mounts a tmpfs on `dir` (made if missing) unless one is there already; `sizeBytes` nullopt
// leaves the kernel's default (half the RAM). Returns whether it mounted one now. Throws
// std::runtime_error.
bool mountTmpfs(const std::string& dir, std::optional<int64_t> sizeBytes, uint32_t mode);

// Unmounts every mount at or below `dir`, deepest first. Throws std::runtime_error when one
// stays (then nothing below `dir` may be removed).
void unmountAllUnder(const std::string& dir);

}  // namespace cube::agent::volumes
