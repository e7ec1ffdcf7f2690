#include "apiserver/tables/human_duration.h"

#include "common/clock.h"

#include <cstdint>
#include <cstdio>

namespace cube::tables {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

std::string fmt1(int64_t a, const char* unit) {
  return std::to_string(a) + unit;
}
std::string fmt2(int64_t a, const char* unitA, int64_t b, const char* unitB) {
  return std::to_string(a) + unitA + std::to_string(b) + unitB;
}

}  // namespace

std::string humanDuration(std::chrono::nanoseconds d) {
  const int64_t ns = d.count();
  // Truncation toward zero, as Go's int(d.Seconds()): -1.5s is still "now" (clock skew).
  const int64_t seconds = ns / kNanosPerSecond;
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return fmt1(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    return s == 0 ? fmt1(minutes, "m") : fmt2(minutes, "m", s, "s");
  }
  if (minutes < 60 * 3) return fmt1(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    return m == 0 ? fmt1(hours, "h") : fmt2(hours, "h", m, "m");
  }
  if (hours < 48) return fmt1(hours, "h");
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    return h == 0 ? fmt1(hours / 24, "d") : fmt2(hours / 24, "d", h, "h");
  }
  if (hours < 24 * 365 * 2) return fmt1(hours / 24, "d");
  if (hours < 24 * 365 * 8) {
    const int64_t dy = (hours / 24) % 365;
    return dy == 0 ? fmt1(hours / 24 / 365, "y") : fmt2(hours / 24 / 365, "y", dy, "d");
  }
  return fmt1(hours / 24 / 365, "y");
}

std::string shortHumanDuration(std::chrono::nanoseconds d) {
  const int64_t seconds = d.count() / kNanosPerSecond;
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return fmt1(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 60) return fmt1(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 24) return fmt1(hours, "h");
  if (hours < 24 * 365) return fmt1(hours / 24, "d");
  return fmt1(hours / 24 / 365, "y");
}

std::string timestampAge(std::optional<TimePoint> t, TimePoint now) {
  if (!t) return "<unknown>";
  return humanDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(now - *t));
}

std::string timestampAge(std::string_view timestamp, TimePoint now) {
  return timestampAge(parseRfc3339(timestamp), now);
}

}  // namespace cube::tables
