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

// Turns the streamed Line into void so both branches of CUBE_LOG's ?: have one type; `&` binds
// more loosely than `<<`, so the whole chain is streamed first.
struct Voidify {
  void operator&(const Line&) {}
};

}  // namespace cube::log

// One expression, not an if/else, so that `if (x) CUBE_LOG(Warn) << ...;` cannot capture a
// following `else`; the arguments are not evaluated when the level is off.
#define CUBE_LOG(level)                            \
  !::cube::log::enabled(::cube::log::Level::level) \
      ? (void)0                                    \
      : ::cube::log::Voidify() & ::cube::log::Line(::cube::log::Level::level)
