#pragma once
// Kubernetes' human-readable durations (apimachinery util/duration): the AGE, DURATION and
// "(5m ago)" strings of `kubectl get`. kubectl users read these, and scripts grep them, so the
// thresholds follow Kubernetes exactly.

#include "common/clock.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cube::tables {

// ~2-3 significant figures: "0s", "59s", "119s", "5m10s", "10m", "3h4m", "8h", "2d3h", "5d",
// "3y45d", "9y". Up to one second in the future (clock skew) prints "0s"; further is "<invalid>".
std::string humanDuration(std::chrono::nanoseconds d);

// One unit only: "59s", "5m", "3h", "5d", "2y". Same "<invalid>"/"0s" rules for the future.
std::string shortHumanDuration(std::chrono::nanoseconds d);

// The age of a timestamp at `now` as humanDuration, or "<unknown>" when it is unset/unparsable
// (Kubernetes' translateTimestampSince).
std::string timestampAge(std::string_view timestamp, TimePoint now);
std::string timestampAge(std::optional<TimePoint> t, TimePoint now);

}  // namespace cube::tables
