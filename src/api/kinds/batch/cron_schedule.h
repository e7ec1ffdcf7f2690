#pragma once
// Cron schedule and time zone checks with the error texts kube-apiserver gives (it parses with
// robfig/cron v3 ParseStandard and Go's time.LoadLocation).

#include <optional>
#include <string>
#include <string_view>

namespace cube::api::kinds::batch {

// Empty when `schedule` is a valid standard cron spec: five fields (minute hour day-of-month month
// day-of-week; names jan..dec and sun..sat, '*', '?', ranges, steps, lists), an optional
// TZ=/CRON_TZ= prefix, or a descriptor (@yearly @annually @monthly @weekly @daily @midnight
// @hourly, @every <duration>). Otherwise the parser's error message.
std::optional<std::string> cronScheduleError(std::string_view schedule);

// Empty when `name` is a time zone Go's time.LoadLocation accepts ("UTC", "Local", or a file of
// the system zoneinfo database); otherwise Go's error text, e.g. `unknown time zone X`.
std::optional<std::string> timeZoneError(std::string_view name);

}  // namespace cube::api::kinds::batch
