#pragma once
// terminationMessagePolicy FallbackToLogsOnError: when a container failed and wrote nothing to
// its terminationMessagePath, the kubelet takes the end of its log instead — the last 80 lines,
// at most 2048 bytes. The log is either plain output or CRI lines ("<RFC3339Nano> stdout F text",
// "P" for a line continued by the next entry); both are read.

#include <cstddef>
#include <string>

namespace cube::agent::probes {

inline constexpr size_t kFallbackLogLines = 80;
inline constexpr size_t kFallbackLogBytes = 2048;

// The container's output from the end of its log file (empty when there is none).
std::string logTail(const std::string& logPath, size_t maxLines = kFallbackLogLines,
                    size_t maxBytes = kFallbackLogBytes);

}  // namespace cube::agent::probes
