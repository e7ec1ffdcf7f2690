#include "agent/volumes/sub_path.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

namespace cube::agent::volumes {

namespace {

std::string realPath(const std::string& p) {
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) {
    throw SubPathError("cannot resolve " + p + ": " + std::strerror(errno));
  }
  return buf;
}

bool inside(const std::string& root, const std::string& p) {
  return p == root || p.rfind(root == "/" ? root : root + "/", 0) == 0;
}

}  // namespace

std::string resolveSubPath(const std::string& volumeRoot, const std::string& subPath) {
  if (!subPath.empty() && subPath.front() == '/') {
    throw SubPathError("subPath must be a relative path: " + subPath);
  }
  std::vector<std::string> parts;
  std::istringstream in(subPath);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") throw SubPathError("subPath must not contain '..': " + subPath);
    parts.push_back(part);
  }
  std::string root = realPath(volumeRoot);
  struct stat rootStat {};
  ::stat(root.c_str(), &rootStat);
  std::string cur = root;
  for (const auto& p : parts) {
    std::string next = cur + "/" + p;
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0) {
      if (errno != ENOENT) throw SubPathError("stat " + next + ": " + std::strerror(errno));
      if (::mkdir(next.c_str(), rootStat.st_mode & 07777) != 0 && errno != EEXIST) {
        throw SubPathError("mkdir " + next + ": " + std::strerror(errno));
      }
      ::chmod(next.c_str(), rootStat.st_mode & 07777);
      cur = next;
      continue;
    }
    // Every step is resolved and checked, so a link can neither lead out nor be created through.
    std::string resolved = realPath(next);
    if (!inside(root, resolved)) {
      throw SubPathError("subpath \"" + subPath + "\" not within volume path \"" + root + "\"");
    }
    cur = resolved;
  }
  return cur;
}

std::string expandSubPathExpr(const std::string& expr,
                              const std::function<const std::string*(const std::string&)>& lookup) {
  std::string out;
  for (size_t i = 0; i < expr.size(); ++i) {
    if (expr[i] != '$' || i + 1 >= expr.size()) {
      out.push_back(expr[i]);
      continue;
    }
    if (expr[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (expr[i + 1] == '(') {
      auto close = expr.find(')', i + 2);
      if (close != std::string::npos) {
        std::string name = expr.substr(i + 2, close - i - 2);
        if (const std::string* v = lookup(name)) {
          out += *v;
        } else {
          out += expr.substr(i, close - i + 1);
        }
        i = close;
        continue;
      }
    }
    out.push_back(expr[i]);
  }
  return out;
}

}  // namespace cube::agent::volumes
