#include "api/kinds/batch/cron_next.h"

#include "api/kinds/batch/cron_schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iterator>

namespace cube::api::kinds::batch {

namespace {

using namespace std::chrono;

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

int64_t readBigEndian(const std::string& data, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[pos + i]);
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

unsigned valueOf(const std::string& s, const char* const* names, size_t count, unsigned base) {
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  for (size_t i = 0; i < count; ++i)
    if (lower == names[i]) return static_cast<unsigned>(i) + base;
  return static_cast<unsigned>(std::stoul(s));
}

// Sets the bits a field ("1-5/2,7", "*", names) selects. The spec was validated already.
template <size_t N>
bool parseField(const std::string& field, unsigned min, unsigned max, const char* const* names,
                size_t nameCount, unsigned nameBase, std::bitset<N>& bits) {
  bool star = false;
  for (const auto& part : split(field, ',')) {
    if (part.empty()) continue;
    auto rangeAndStep = split(part, '/');
    auto lowHigh = split(rangeAndStep[0], '-');
    unsigned lo, hi, step = 1;
    if (lowHigh[0] == "*" || lowHigh[0] == "?") {
      lo = min;
      hi = max;
      star = true;
    } else {
      lo = valueOf(lowHigh[0], names, nameCount, nameBase);
      hi = lowHigh.size() == 2 ? valueOf(lowHigh[1], names, nameCount, nameBase) : lo;
    }
    if (rangeAndStep.size() == 2) {
      step = static_cast<unsigned>(std::stoul(rangeAndStep[1]));
      if (lowHigh.size() == 1) hi = max;
      if (step > 1) star = false;  // "*/2" is no star for the day-field rule (robfig)
    }
    for (unsigned v = lo; v <= hi && v < N; v += step) bits.set(v);
  }
  return star;
}

// Go's time.ParseDuration for the units a schedule would use; rounded to whole seconds.
std::optional<seconds> parseEvery(std::string_view s) {
  double total = 0;
  size_t i = 0;
  if (s.empty()) return std::nullopt;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return std::nullopt;
    double n = std::stod(std::string(s.substr(i, j - i)));
    size_t k = j;
    while (k < s.size() && !std::isdigit(static_cast<unsigned char>(s[k])) && s[k] != '.') ++k;
    std::string_view unit = s.substr(j, k - j);
    double scale = unit == "h"                    ? 3600
                   : unit == "m"                  ? 60
                   : unit == "s"                  ? 1
                   : unit == "ms"                 ? 1e-3
                   : unit == "us" || unit == "µs" ? 1e-6
                   : unit == "ns"                 ? 1e-9
                                                  : -1;
    if (scale < 0) return std::nullopt;
    total += n * scale;
    i = k;
  }
  // robfig/cron runs "@every" at least once a second.
  return seconds(std::max<int64_t>(1, static_cast<int64_t>(std::floor(total))));
}

}  // namespace

TimeZone TimeZone::utc() {
  return TimeZone{};
}

std::optional<TimeZone> TimeZone::load(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "Local") return utc();
  if (timeZoneError(name)) return std::nullopt;
  std::ifstream in("/usr/share/zoneinfo/" + std::string(name), std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < 44 || data.compare(0, 4, "TZif") != 0) return std::nullopt;
  auto counts = [&](size_t at) {
    std::array<int64_t, 6> c{};
    for (int i = 0; i < 6; ++i) c[i] = readBigEndian(data, at + 20 + 4 * i, 4);
    return c;  // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  };
  size_t header = 0;
  int timeBytes = 4;
  auto c = counts(0);
  if (data[4] >= '2') {
    // The 64-bit block follows the 32-bit one; it covers times past 2038.
    header = 44 + c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (data.size() < header + 44) return std::nullopt;
    c = counts(header);
    timeBytes = 8;
  }
  size_t pos = header + 44;
  int64_t timecnt = c[3], typecnt = c[4];
  if (typecnt <= 0 ||
      data.size() < pos + static_cast<size_t>(timecnt * (timeBytes + 1) + typecnt * 6))
    return std::nullopt;
  std::vector<int64_t> offsets(typecnt);
  size_t typesAt = pos + timecnt * (timeBytes + 1);
  for (int64_t i = 0; i < typecnt; ++i) offsets[i] = readBigEndian(data, typesAt + i * 6, 4);
  auto transitions = std::make_shared<std::vector<std::pair<int64_t, int64_t>>>();
  for (int64_t i = 0; i < timecnt; ++i) {
    int64_t at = readBigEndian(data, pos + i * timeBytes, timeBytes);
    auto type = static_cast<unsigned char>(data[pos + timecnt * timeBytes + i]);
    if (type < offsets.size()) transitions->emplace_back(at, offsets[type]);
  }
  TimeZone zone;
  zone.initial_ = offsets[0];
  zone.transitions_ = std::move(transitions);
  return zone;
}

int64_t TimeZone::offsetAt(TimePoint t) const {
  if (!transitions_ || transitions_->empty()) return initial_;
  int64_t s = duration_cast<seconds>(t.time_since_epoch()).count();
  auto it =
      std::upper_bound(transitions_->begin(), transitions_->end(), std::make_pair(s, INT64_MAX));
  if (it == transitions_->begin()) return initial_;
  return std::prev(it)->second;
}

std::optional<CronSchedule> CronSchedule::parse(std::string_view specView,
                                                std::string_view timeZone, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<CronSchedule> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  if (auto e = cronScheduleError(specView)) return fail(*e);
  std::string spec(specView);
  std::string zoneName(timeZone);
  if (spec.rfind("TZ=", 0) == 0 || spec.rfind("CRON_TZ=", 0) == 0) {
    size_t space = spec.find(' ');
    zoneName = spec.substr(spec.find('=') + 1, space - spec.find('=') - 1);
    spec = spec.substr(space + 1);
  }
  spec.erase(0, spec.find_first_not_of(" \t"));
  CronSchedule s;
  auto zone = TimeZone::load(zoneName);
  if (!zone) return fail("unknown time zone " + zoneName);
  s.zone_ = *zone;
  if (spec.rfind("@every ", 0) == 0) {
    s.every_ = parseEvery(spec.substr(7));
    if (!s.every_) return fail("failed to parse duration " + spec);
    return s;
  }
  if (spec == "@yearly" || spec == "@annually")
    spec = "0 0 1 1 *";
  else if (spec == "@monthly")
    spec = "0 0 1 * *";
  else if (spec == "@weekly")
    spec = "0 0 * * 0";
  else if (spec == "@daily" || spec == "@midnight")
    spec = "0 0 * * *";
  else if (spec == "@hourly")
    spec = "0 * * * *";
  std::vector<std::string> fields;
  for (const auto& f : split(spec, ' '))
    if (!f.empty()) fields.push_back(f);
  if (fields.size() != 5) return fail("expected exactly 5 fields");
  try {
    parseField(fields[0], 0, 59, nullptr, 0, 0, s.minutes_);
    parseField(fields[1], 0, 23, nullptr, 0, 0, s.hours_);
    bool domStar = parseField(fields[2], 1, 31, nullptr, 0, 0, s.daysOfMonth_);
    parseField(fields[3], 1, 12, kMonthNames, 12, 1, s.months_);
    bool dowStar = parseField(fields[4], 0, 6, kDayNames, 7, 0, s.daysOfWeek_);
    s.dayStar_ = domStar || dowStar;
  } catch (const std::exception& e) {
    return fail(std::string("invalid schedule: ") + e.what());
  }
  return s;
}

std::optional<TimePoint> CronSchedule::next(TimePoint t) const {
  int64_t now = floor<seconds>(t).time_since_epoch().count();
  if (every_) return TimePoint(seconds(now) + *every_);
  const int64_t limit = now + int64_t{5} * 366 * 86400;
  // The next whole minute in UTC; zones' offsets are whole minutes, so local minutes align.
  int64_t u = (now >= 0 ? now / 60 : (now - 59) / 60) * 60 + 60;
  while (u <= limit) {
    int64_t local = u + zone_.offsetAt(TimePoint(seconds(u)));
    int64_t dayNumber = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t secOfDay = local - dayNumber * 86400;
    sys_days day{days(dayNumber)};
    year_month_day ymd{day};
    unsigned month = static_cast<unsigned>(ymd.month());
    if (!months_.test(month)) {
      year_month_day firstOfNext =
          year_month_day{ymd.year(), ymd.month(), std::chrono::day(1)} + std::chrono::months(1);
      u += (sys_days(firstOfNext) - day).count() * 86400 - secOfDay;
      continue;
    }
    bool domMatch = daysOfMonth_.test(static_cast<unsigned>(ymd.day()));
    bool dowMatch = daysOfWeek_.test(weekday(day).c_encoding());
    bool dayMatch = dayStar_ ? (domMatch && dowMatch) : (domMatch || dowMatch);
    if (!dayMatch) {
      u += 86400 - secOfDay;
      continue;
    }
    if (!hours_.test(static_cast<size_t>(secOfDay / 3600))) {
      u += 3600 - secOfDay % 3600;
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(secOfDay % 3600 / 60))) {
      u += 60 - secOfDay % 60;
      continue;
    }
    return TimePoint(seconds(u));
  }
  return std::nullopt;
}

}  // namespace cube::api::kinds::batch
