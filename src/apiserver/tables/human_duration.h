#pragma once
// Kubernetes' human-readable durations (apimachinery util/duration): the AGE, DURATION and
// "(5m ago)" strings of `kubectl get`. kubectl users read these, and scripts grep them, so the
// thresholds follow Kubernetes exactly.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cube::tables {

using TimePoint = std::chrono::system_clock::time_point;

// ~2-3 significant figures: "0s", "59s", "119s", "5m10s", "10m", "3h4m", "8h", "2d3h", "5d",
// "3y45d", "9y". Up to one second in the future (clock skew) prints "0s"; further is "<invalid>".
std::string humanDuration(std::chrono::nanoseconds d);

// One unit only: "59s", "5m", "3h", "5d", "2y". Same "<invalid>"/"0s" rules for the future.
std::string shortHumanDuration(std::chrono::nanoseconds d);

// A Kubernetes timestamp (RFC 3339, optional fraction, "Z" or "+hh:mm"). nullopt when absent,
// malformed, or Go's zero time (0001-01-01T00:00:00Z), which Kubernetes treats as unset.
std::optional<TimePoint> parseTimestamp(std::string_view text);

// The age of a timestamp at `now` as humanDuration, or "<unknown>" when it is unset/unparsable
// (Kubernetes' translateTimestampSince).
std::string timestampAge(std::string_view timestamp, TimePoint now);
std::string timestampAge(std::optional<TimePoint> t, TimePoint now);

// RFC 3339 in UTC with second precision, as the default table convertor's "Created At".
std::string formatRfc3339(TimePoint t);

}  // namespace cube::tables
