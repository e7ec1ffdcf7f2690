#pragma once
// Container log files in the CRI format the kubelet reads: one line per entry,
//
//   <RFC 3339 time, 9 fraction digits, UTC> <stdout|stderr> <F|P> <text>
//
// F ends a line of the container's output, P is a piece of a longer line (the rest follows in
// the next entries). One file per container attempt (pods/<ns>_<name>_<uid>/<ctr>/<n>.log), so
// `kubectl logs --previous` reads the attempt before.
//
// The writer side is the container's shim (container_shim.h), a process of its own beside each
// container that copies the container's output into the file.
//
// The reader side turns a file back into what `kubectl logs` shows (readContainerLog).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cube::runtime::crun {

using LogClock = std::chrono::system_clock;

// Entries longer than this are split into P pieces (the kubelet's 16 KiB).
constexpr size_t kMaxLogLineBytes = 16 * 1024;

struct LogEntry {
  LogClock::time_point time;
  std::string_view timeText;  // as written in the file
  std::string_view stream;    // "stdout" or "stderr"
  bool partial = false;       // P: the line continues in the next entry
  std::string_view text;      // without the newline
};

// "2026-11-22T07:08:17.123456789Z". `out` needs 31 bytes; returns the length (30).
size_t formatLogTime(LogClock::time_point t, char* out);
std::string formatLogTime(LogClock::time_point t);
// RFC 3339 with any number of fraction digits and Z or a numeric offset; nullopt otherwise.
std::optional<LogClock::time_point> parseLogTime(std::string_view text);

// One line of a file (without its newline); nullopt for a line that is not a CRI entry.
std::optional<LogEntry> parseLogLine(std::string_view line);
std::string formatLogLine(LogClock::time_point t, std::string_view stream, bool partial,
                          std::string_view text);

// What `kubectl logs` asks for (the pods/log query).
struct LogReadOptions {
  std::optional<int64_t> tailLines;
  std::optional<LogClock::time_point> since;
  bool timestamps = false;
  std::optional<int64_t> limitBytes;
  std::string onlyStream;  // "stdout" or "stderr": the other's entries are skipped (attach)
};

// Reads a CRI file from `offset` and hands the output (text, with "<time> " before each line
// when timestamps) to `out` a piece at a time; `out` returning false stops. Only complete lines
// (ending in a newline) are read: returns the offset after the last one, where a follower
// continues. tailLines applies to the lines found from `offset`; limitBytes counts down in
// `*bytesLeft` (when set) so that a follower can carry it across calls.
uint64_t readContainerLog(const std::string& path, uint64_t offset, const LogReadOptions& options,
                          int64_t* bytesLeft, const std::function<bool(std::string_view)>& out);

}  // namespace cube::runtime::crun
