#include "cmd/duration_flag.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace cube::cmd {

std::optional<std::chrono::milliseconds> parseDurationFlag(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double totalMs = 0;
  size_t i = 0;
  bool bareNumber = true;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (i == start) return std::nullopt;
    double value = std::strtod(text.substr(start, i - start).c_str(), nullptr);
    size_t unitStart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unitStart, i - unitStart);
    double scale = 0;
    if (unit.empty()) {
      if (!bareNumber || i != text.size() || start != 0) return std::nullopt;
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60 * 1000;
    } else if (unit == "h") {
      scale = 3600 * 1000;
    } else {
      return std::nullopt;
    }
    bareNumber = false;
    totalMs += value * scale;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(totalMs));
}

std::chrono::milliseconds durationFlag(const std::string& flag, const std::string& text) {
  auto d = parseDurationFlag(text);
  if (!d) throw std::invalid_argument("invalid " + flag + ": " + text);
  return *d;
}

std::string checkDurationFlag(const std::string& text) {
  return parseDurationFlag(text) ? std::string() : "invalid duration: " + text;
}

}  // namespace cube::cmd
