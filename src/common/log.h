#pragma once
// Minimal leveled logging to stderr: `CUBE_LOG(Info) << "text";`. Thread-safe per line.

#include <sstream>
#include <string>

namespace cube::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };

void setLevel(Level level);
bool enabled(Level level);
void write(Level level, const std::string& line);

class Line {
 public:
  explicit Line(Level level) : level_(level) {}
  ~Line() { write(level_, stream_.str()); }
  template <typename T>
  Line& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  Level level_;
  std::ostringstream stream_;
};

}  // namespace cube::log

#define CUBE_LOG(level)                                   \
  if (!::cube::log::enabled(::cube::log::Level::level)) { \
  } else                                                  \
    ::cube::log::Line(::cube::log::Level::level)
