#pragma once
// Injected time: components take a Clock so tests control time instead of sleeping.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace cube {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};
using ClockPtr = std::shared_ptr<Clock>;

ClockPtr systemClock();

// RFC 3339 in UTC with second precision ("2026-11-21T22:56:26Z"), as metav1.Time serialises.
std::string formatRfc3339(TimePoint t);
// RFC 3339 with microseconds ("...T22:56:26.123456Z"), as metav1.MicroTime serialises.
std::string formatRfc3339Micro(TimePoint t);
// RFC 3339 with an optional fraction and "Z" or "+hh:mm". nullopt when malformed, or for Go's zero
// time (0001-01-01T00:00:00Z), which Kubernetes treats as unset.
std::optional<TimePoint> parseRfc3339(std::string_view s);

}  // namespace cube
