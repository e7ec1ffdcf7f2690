#include "common/clock.h"

#include <cstdio>
#include <ctime>

namespace cube {

namespace {
class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};
}  // namespace

ClockPtr systemClock() {
  static ClockPtr clock = std::make_shared<SystemClock>();
  return clock;
}

std::string formatRfc3339(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string formatRfc3339Micro(TimePoint t) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() %
      1000000;
  if (micros < 0) micros += 1000000;
  std::string s = formatRfc3339(t);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(micros));
  s.pop_back();
  return s + frac;
}

std::optional<TimePoint> parseRfc3339(std::string_view s) {
  std::tm tm{};
  int year, month, day, hour, minute, second;
  char rest[64] = {0};
  std::string str(s.substr(0, 60));
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%63s", &year, &month, &day, &hour, &minute,
                  &second, rest) < 6) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t secs = timegm(&tm);
  TimePoint t = std::chrono::system_clock::from_time_t(secs);
  std::string_view r(rest);
  if (!r.empty() && r[0] == '.') {
    size_t i = 1;
    long long frac = 0;
    int digits = 0;
    while (i < r.size() && r[i] >= '0' && r[i] <= '9') {
      if (digits < 6) {
        frac = frac * 10 + (r[i] - '0');
        ++digits;
      }
      ++i;
    }
    while (digits++ < 6) frac *= 10;
    t += std::chrono::microseconds(frac);
    r.remove_prefix(i);
  }
  if (r.empty()) return std::nullopt;
  if (r[0] == 'Z' || r[0] == 'z') return t;
  int oh = 0, om = 0;
  if ((r[0] == '+' || r[0] == '-') && std::sscanf(std::string(r.substr(1)).c_str(), "%2d:%2d", &oh, &om) == 2) {
    auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    return r[0] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

}  // namespace cube
