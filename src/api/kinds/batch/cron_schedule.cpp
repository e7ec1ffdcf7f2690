#include "api/kinds/batch/cron_schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <vector>

namespace cube::api::kinds::batch {

namespace {

struct Bounds {
  unsigned min, max;
  const std::vector<std::string>* names;  // index + offset = value
  unsigned nameBase;
};

const std::vector<std::string> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
const std::vector<std::string> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const std::array<Bounds, 5> kFields = {{
    {0, 59, nullptr, 0},
    {0, 23, nullptr, 0},
    {1, 31, nullptr, 0},
    {1, 12, &kMonths, 1},
    {0, 6, &kDays, 0},
}};

std::vector<std::string> splitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

// Go's strings.Fields.
std::vector<std::string> fieldsOf(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Go's strconv.Atoi + robfig's mustParseInt messages.
std::optional<std::string> parseUint(const std::string& expr, unsigned& out) {
  long long n = 0;
  std::string_view s = expr;
  size_t pos = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) pos = 1;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), n);
  if (s.size() == pos || ec == std::errc::invalid_argument || p != s.data() + s.size()) {
    return "failed to parse int from " + expr + ": strconv.Atoi: parsing \"" + expr +
           "\": invalid syntax";
  }
  if (ec == std::errc::result_out_of_range) {
    return "failed to parse int from " + expr + ": strconv.Atoi: parsing \"" + expr +
           "\": value out of range";
  }
  if (s[0] == '-') n = -n;
  if (n < 0) return "negative number (" + std::to_string(n) + ") not allowed: " + expr;
  out = static_cast<unsigned>(std::min<long long>(n, 1LL << 31));
  return std::nullopt;
}

std::optional<std::string> parseIntOrName(const std::string& expr, const Bounds& b, unsigned& out) {
  if (b.names) {
    std::string lower = expr;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    auto it = std::find(b.names->begin(), b.names->end(), lower);
    if (it != b.names->end()) {
      out = static_cast<unsigned>(it - b.names->begin()) + b.nameBase;
      return std::nullopt;
    }
  }
  return parseUint(expr, out);
}

std::optional<std::string> checkRange(const std::string& expr, const Bounds& b) {
  auto rangeAndStep = splitOn(expr, '/');
  auto lowAndHigh = splitOn(rangeAndStep[0], '-');
  bool single = lowAndHigh.size() == 1;
  unsigned start = 0, end = 0, step = 1;
  if (lowAndHigh[0] == "*" || lowAndHigh[0] == "?") {
    start = b.min;
    end = b.max;
  } else {
    if (auto e = parseIntOrName(lowAndHigh[0], b, start)) return e;
    if (lowAndHigh.size() == 1) {
      end = start;
    } else if (lowAndHigh.size() == 2) {
      if (auto e = parseIntOrName(lowAndHigh[1], b, end)) return e;
    } else {
      return "too many hyphens: " + expr;
    }
  }
  if (rangeAndStep.size() == 2) {
    if (auto e = parseUint(rangeAndStep[1], step)) return e;
    if (single) end = b.max;  // "N/step" means "N-max/step"
  } else if (rangeAndStep.size() > 2) {
    return "too many slashes: " + expr;
  }
  if (start < b.min) {
    return "beginning of range (" + std::to_string(start) + ") below minimum (" +
           std::to_string(b.min) + "): " + expr;
  }
  if (end > b.max) {
    return "end of range (" + std::to_string(end) + ") above maximum (" + std::to_string(b.max) +
           "): " + expr;
  }
  if (start > end) {
    return "beginning of range (" + std::to_string(start) + ") beyond end of range (" +
           std::to_string(end) + "): " + expr;
  }
  if (step == 0) return "step of range should be a positive number: " + expr;
  return std::nullopt;
}

// Go's time.ParseDuration, validity only: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+ with known units.
bool validGoDuration(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s == "0") return true;
  if (s.empty()) return false;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
    }
    if (!digits) return false;
    s.remove_prefix(i);
    bool matched = false;
    // Longest unit first so "ms" is not read as "m".
    for (std::string_view u : {"ns", "us", "µs", "μs", "ms", "s", "m", "h"}) {
      if (s.substr(0, u.size()) == u && (u != "m" || s.substr(0, 2) != "ms")) {
        s.remove_prefix(u.size());
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

std::string goSliceOfStrings(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + v[i];
  return s + "]";
}

}  // namespace

std::optional<std::string> timeZoneError(std::string_view name) {
  if (name.empty() || name == "UTC" || name == "Local") return std::nullopt;
  if (name.find("..") != std::string_view::npos || name[0] == '/' || name[0] == '\\') {
    return "time: invalid location name";
  }
  std::error_code ec;
  auto path = std::filesystem::path("/usr/share/zoneinfo") / std::string(name);
  if (std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  return "unknown time zone " + std::string(name);
}

std::optional<std::string> cronScheduleError(std::string_view schedule) {
  std::string spec(schedule);
  if (spec.empty()) return "empty spec string";
  if (spec.rfind("TZ=", 0) == 0 || spec.rfind("CRON_TZ=", 0) == 0) {
    size_t space = spec.find(' ');
    size_t eq = spec.find('=');
    std::string loc = spec.substr(eq + 1, space == std::string::npos ? space : space - eq - 1);
    if (auto e = timeZoneError(loc)) return "provided bad location " + loc + ": " + *e;
    spec = space == std::string::npos ? "" : spec.substr(space);
    auto f = spec.find_first_not_of(" \t\n\r\v\f");
    spec =
        f == std::string::npos ? "" : spec.substr(f, spec.find_last_not_of(" \t\n\r\v\f") - f + 1);
  }
  if (!spec.empty() && spec[0] == '@') {
    static const std::array<std::string_view, 7> known = {
        "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
    if (std::find(known.begin(), known.end(), spec) != known.end()) return std::nullopt;
    const std::string every = "@every ";
    if (spec.rfind(every, 0) == 0) {
      std::string d = spec.substr(every.size());
      if (validGoDuration(d)) return std::nullopt;
      return "failed to parse duration " + spec + ": time: invalid duration \"" + d + "\"";
    }
    return "unrecognized descriptor: " + spec;
  }
  auto fields = fieldsOf(spec);
  if (fields.size() != 5) {
    return "expected exactly 5 fields, found " + std::to_string(fields.size()) + ": " +
           goSliceOfStrings(fields);
  }
  for (size_t i = 0; i < 5; ++i) {
    for (const auto& part : splitOn(fields[i], ',')) {
      if (part.empty()) continue;  // Go's FieldsFunc drops empty items
      if (auto e = checkRange(part, kFields[i])) return e;
    }
  }
  return std::nullopt;
}

}  // namespace cube::api::kinds::batch
