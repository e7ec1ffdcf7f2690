#include "runtime/crun/container_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace cube::runtime::crun {

namespace {

void put(char*& p, int64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  p += digits;
}

bool digits(std::string_view s, size_t pos, size_t n, int* value) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return true;
}

}  // namespace

size_t formatLogTime(LogClock::time_point t, char* out) {
  // Calendar arithmetic by hand: gmtime_r takes glibc's timezone lock, which a child forked from
  // a multi-threaded process must not touch.
  using namespace std::chrono;
  auto ns = duration_cast<nanoseconds>(t.time_since_epoch());
  auto day = floor<days>(ns);
  year_month_day ymd{sys_days(day)};
  auto inDay = ns - day;
  int64_t secs = duration_cast<seconds>(inDay).count();
  int64_t frac = (inDay - seconds(secs)).count();
  char* p = out;
  put(p, static_cast<int>(ymd.year()), 4);
  *p++ = '-';
  put(p, static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  put(p, static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  put(p, secs / 3600, 2);
  *p++ = ':';
  put(p, secs / 60 % 60, 2);
  *p++ = ':';
  put(p, secs % 60, 2);
  *p++ = '.';
  put(p, frac, 9);
  *p++ = 'Z';
  *p = 0;
  return static_cast<size_t>(p - out);
}

std::string formatLogTime(LogClock::time_point t) {
  char buf[32];
  return std::string(buf, formatLogTime(t, buf));
}

std::optional<LogClock::time_point> parseLogTime(std::string_view s) {
  int year, mon, day, hour, min, sec;
  if (!digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, &mon) ||
      s[7] != '-' || !digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, &hour) || s[13] != ':' || !digits(s, 14, 2, &min) || s[16] != ':' ||
      !digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000000;
    size_t begin = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == begin) return std::nullopt;
  }
  int offsetSeconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, &om)) {
      return std::nullopt;
    }
    offsetSeconds = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size() || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
      sec > 60) {
    return std::nullopt;
  }
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  time_t secs = ::timegm(&tm) - offsetSeconds;
  return LogClock::time_point(std::chrono::duration_cast<LogClock::duration>(
      std::chrono::seconds(secs) + std::chrono::nanoseconds(nanos)));
}

std::optional<LogEntry> parseLogLine(std::string_view line) {
  LogEntry e;
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return std::nullopt;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return std::nullopt;
  e.timeText = line.substr(0, sp1);
  auto t = parseLogTime(e.timeText);
  if (!t) return std::nullopt;
  e.time = *t;
  e.stream = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (e.stream != "stdout" && e.stream != "stderr") return std::nullopt;
  // The tag: F or P (a tag may carry more fields after ':'; only the first matters).
  size_t sp3 = line.find(' ', sp2 + 1);
  std::string_view tag =
      line.substr(sp2 + 1, sp3 == std::string_view::npos ? std::string_view::npos : sp3 - sp2 - 1);
  if (tag.empty()) return std::nullopt;
  e.partial = tag[0] == 'P';
  e.text = sp3 == std::string_view::npos ? std::string_view() : line.substr(sp3 + 1);
  return e;
}

std::string formatLogLine(LogClock::time_point t, std::string_view stream, bool partial,
                          std::string_view text) {
  std::string out = formatLogTime(t);
  out += ' ';
  out += stream;
  out += partial ? " P " : " F ";
  out += text;
  out += '\n';
  return out;
}

uint64_t readContainerLog(const std::string& path, uint64_t offset, const LogReadOptions& options,
                          int64_t* bytesLeft, const std::function<bool(std::string_view)>& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return offset;
  std::string data;
  char buf[64 * 1024];
  off_t pos = static_cast<off_t>(offset);
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, pos);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
    pos += n;
  }
  ::close(fd);
  size_t complete = data.rfind('\n');
  if (complete == std::string::npos) return offset;
  std::string_view text(data.data(), complete + 1);

  // Entries, and where each output line (P pieces up to their F) begins.
  std::vector<LogEntry> entries;
  std::vector<size_t> lineStarts;
  bool inLine = false;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    auto e = parseLogLine(text.substr(start, end - start));
    start = end + 1;
    if (!e) continue;
    if (!inLine) lineStarts.push_back(entries.size());
    inLine = e->partial;
    entries.push_back(*e);
  }
  size_t first = 0;
  if (options.tailLines) {
    auto keep = static_cast<size_t>(std::max<int64_t>(0, *options.tailLines));
    first = keep >= lineStarts.size() ? 0
            : keep == 0               ? entries.size()
                                      : lineStarts[lineStarts.size() - keep];
  }
  std::string piece;
  for (size_t i = first; i < entries.size(); ++i) {
    const LogEntry& e = entries[i];
    if (options.since && e.time < *options.since) continue;
    if (!options.onlyStream.empty() && e.stream != options.onlyStream) continue;
    piece.clear();
    if (options.timestamps) {
      piece += formatLogTime(e.time);
      piece += ' ';
    }
    piece += e.text;
    if (!e.partial) piece += '\n';
    if (bytesLeft) {
      if (*bytesLeft <= 0) break;
      if (static_cast<int64_t>(piece.size()) > *bytesLeft) {
        piece.resize(static_cast<size_t>(*bytesLeft));
      }
      *bytesLeft -= static_cast<int64_t>(piece.size());
    }
    if (!out(piece)) break;
  }
  return offset + complete + 1;
}

}  // namespace cube::runtime::crun
