#include "common/log.h"

#include "common/clock.h"

#include <atomic>
#include <cstdio>

namespace cube::log {

namespace {
std::atomic<int> gLevel{static_cast<int>(Level::Info)};
const char* levelName(Level l) {
  switch (l) {
    case Level::Debug:
      return "DEBUG";
    case Level::Info:
      return "INFO";
    case Level::Warn:
      return "WARN";
    case Level::Error:
      return "ERROR";
  }
  return "?";
}
}  // namespace

void setLevel(Level level) {
  gLevel = static_cast<int>(level);
}
bool enabled(Level level) {
  return static_cast<int>(level) >= gLevel.load();
}

void write(Level level, const std::string& line) {
  std::string out = formatRfc3339Micro(std::chrono::system_clock::now()) + " " + levelName(level) +
                    " " + line + "\n";
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace cube::log
