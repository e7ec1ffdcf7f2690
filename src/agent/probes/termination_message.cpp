#include "agent/probes/termination_message.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace cube::agent::probes {

namespace {

// Reads at most the last `bytes` of the file (a log may be large).
std::string readEnd(const std::string& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff from =
      size > static_cast<std::streamoff>(bytes) ? size - static_cast<std::streamoff>(bytes) : 0;
  in.seekg(from);
  std::string data(static_cast<size_t>(size - from), '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (from > 0) {
    // Start at a whole line.
    auto nl = data.find('\n');
    data = nl == std::string::npos ? "" : data.substr(nl + 1);
  }
  return data;
}

// "2026-11-22T07:00:00.123456789Z stdout F text" → ("text", full line?); nullopt-like when the
// line is not in the CRI format.
bool parseCriLine(const std::string& line, std::string* text, bool* partial) {
  static const std::regex kCri(
      R"(^\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d) (stdout|stderr) ([FP]) ?(.*)$)");
  std::smatch m;
  if (!std::regex_match(line, m, kCri)) return false;
  *partial = m[3] == "P";
  *text = m[4];
  return true;
}

}  // namespace

std::string logTail(const std::string& logPath, size_t maxLines, size_t maxBytes) {
  if (logPath.empty()) return "";
  // Enough raw bytes for the wanted output even with CRI prefixes (about 40 bytes a line).
  std::string raw = readEnd(logPath, maxBytes + maxLines * 48);
  std::vector<std::string> lines;
  std::istringstream in(raw);
  std::string line;
  std::string pending;  // a CRI line continued ("P")
  while (std::getline(in, line)) {
    std::string text;
    bool partial = false;
    if (parseCriLine(line, &text, &partial)) {
      pending += text;
      if (partial) continue;
      lines.push_back(std::move(pending));
      pending.clear();
    } else {
      lines.push_back(line);
    }
  }
  if (!pending.empty()) lines.push_back(pending);
  size_t first = lines.size() > maxLines ? lines.size() - maxLines : 0;
  std::string out;
  for (size_t i = first; i < lines.size(); ++i) out += lines[i] + "\n";
  if (out.size() > maxBytes) out = out.substr(out.size() - maxBytes);
  return out;
}

}  // namespace cube::agent::probes
