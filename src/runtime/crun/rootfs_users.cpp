#include "runtime/crun/rootfs_users.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace cube::runtime::crun {

namespace {

std::vector<std::string> splitColon(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string part;
  while (std::getline(ss, part, ':')) out.push_back(part);
  if (!line.empty() && line.back() == ':') out.emplace_back();
  return out;
}

// Lines of a file of the rootfs.
std::vector<std::string> rootfsLines(const std::string& rootfs, const std::string& path) {
  std::vector<std::string> lines;
  if (rootfs.empty()) return lines;
  std::ifstream f(rootfs + path);
  std::string line;
  while (std::getline(f, line)) lines.push_back(line);
  return lines;
}

}  // namespace

std::optional<uint32_t> parseId(const std::string& s) {
  if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), ::isdigit)) {
    return std::nullopt;
  }
  uint64_t v = std::stoull(s);
  if (v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::vector<PasswdEntry> readPasswd(const std::string& rootfs) {
  std::vector<PasswdEntry> out;
  for (const auto& line : rootfsLines(rootfs, "/etc/passwd")) {
    auto f = splitColon(line);
    if (f.size() < 4) continue;
    auto uid = parseId(f[2]);
    auto gid = parseId(f[3]);
    if (uid && gid) out.push_back({f[0], *uid, *gid});
  }
  return out;
}

std::vector<GroupEntry> readGroup(const std::string& rootfs) {
  std::vector<GroupEntry> out;
  for (const auto& line : rootfsLines(rootfs, "/etc/group")) {
    auto f = splitColon(line);
    if (f.size() < 3) continue;
    auto gid = parseId(f[2]);
    if (!gid) continue;
    GroupEntry g{f[0], *gid, {}};
    if (f.size() > 3) {
      std::stringstream ss(f[3]);
      std::string m;
      while (std::getline(ss, m, ',')) {
        if (!m.empty()) g.members.push_back(m);
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace cube::runtime::crun
