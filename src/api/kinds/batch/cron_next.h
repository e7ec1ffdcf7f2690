#pragma once
// When a CronJob's schedule fires: a parsed standard cron spec (the syntax cronScheduleError
// accepts) evaluated in a time zone, so the CronJob controller can ask "the first run after T".
// Time zones are read from the system zoneinfo database (TZif files), since GCC 12's libstdc++ has
// no std::chrono::tzdb.

#include "common/clock.h"

#include <bitset>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cube::api::kinds::batch {

// UTC offsets of one zone over time.
class TimeZone {
 public:
  static TimeZone utc();
  // "UTC", "" and "Local" (treated as UTC: the control plane runs in UTC) or a zoneinfo name;
  // nullopt when unknown.
  static std::optional<TimeZone> load(std::string_view name);
  // Seconds east of UTC at `t`.
  int64_t offsetAt(TimePoint t) const;

 private:
  // (transition time in Unix seconds, offset from then on), sorted; before the first: initial_.
  std::shared_ptr<const std::vector<std::pair<int64_t, int64_t>>> transitions_;
  int64_t initial_ = 0;
};

class CronSchedule {
 public:
  // `timeZone`: the CronJob's spec.timeZone ("" = UTC); a TZ=/CRON_TZ= prefix in `spec` wins.
  // nullopt and `*error` set when the spec or zone is invalid.
  static std::optional<CronSchedule> parse(std::string_view spec, std::string_view timeZone,
                                           std::string* error = nullptr);
  // The first activation strictly after `t` (whole minutes for cron fields), or nullopt if there
  // is none within five years (e.g. "0 0 30 2 *").
  std::optional<TimePoint> next(TimePoint t) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> daysOfMonth_;
  std::bitset<13> months_;
  std::bitset<7> daysOfWeek_;
  // robfig/cron: when either day field is '*' or '?', both must match; otherwise either may.
  bool dayStar_ = false;
  std::optional<std::chrono::seconds> every_;  // "@every <duration>"
  TimeZone zone_ = TimeZone::utc();
};

}  // namespace cube::api::kinds::batch
