#include "agent/volumes/atomic_dir_writer.h"

#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace cube::agent::volumes {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDataLink = "..data";
constexpr const char* kDataTmpLink = "..data_tmp";

void checkPath(const std::string& path) {
  if (path.empty()) throw PayloadError("empty file path");
  if (path.front() == '/') throw PayloadError("file path must be relative: " + path);
  if (path.rfind("..", 0) == 0) throw PayloadError("file path must not start with '..': " + path);
  std::istringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part == "..") throw PayloadError("file path must not contain '..': " + path);
  }
}

std::string firstElement(const std::string& path) {
  return path.substr(0, path.find('/'));
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Whether the version `..data` points at holds exactly `files`.
bool currentMatches(const fs::path& dir, const std::map<std::string, const ProjectedFile*>& files) {
  std::error_code ec;
  fs::path data = dir / kDataLink;
  if (!fs::is_symlink(fs::symlink_status(data, ec))) return false;
  fs::path version = dir / fs::read_symlink(data, ec);
  if (ec || !fs::is_directory(version, ec)) return false;
  size_t seen = 0;
  for (auto it = fs::recursive_directory_iterator(version, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string rel = fs::relative(it->path(), version).string();
    auto f = files.find(rel);
    if (f == files.end()) return false;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) return false;
    if ((st.st_mode & 07777) != f->second->mode) return false;
    if (readFile(it->path()) != f->second->content) return false;
    ++seen;
  }
  return !ec && seen == files.size();
}

// "..2026_11_22_07_30_00.<random>", the kubelet's version directory name.
std::string versionName() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "..%Y_%m_%d_%H_%M_%S.", &tm);
  std::random_device rd;
  return stamp + std::to_string(rd() % 1000000000u);
}

void writeFile(const fs::path& p, const ProjectedFile& f) {
  fs::create_directories(p.parent_path());
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << f.content;
    out.close();
    if (!out) throw fs::filesystem_error("write", p, std::make_error_code(std::errc::io_error));
  }
  // Exactly the mode asked for, whatever the umask.
  if (::chmod(p.c_str(), f.mode) != 0) {
    throw fs::filesystem_error("chmod", p, std::error_code(errno, std::generic_category()));
  }
}

}  // namespace

bool writeAtomicDir(const std::string& dirPath, const std::vector<ProjectedFile>& files,
                    const std::function<void()>& beforeSwap) {
  std::map<std::string, const ProjectedFile*> byPath;
  for (const auto& f : files) {
    checkPath(f.path);
    if (!byPath.emplace(f.path, &f).second) throw PayloadError("duplicate file path: " + f.path);
  }
  fs::path dir(dirPath);
  fs::create_directories(dir);
  if (currentMatches(dir, byPath)) return false;

  std::error_code ec;
  fs::path oldVersion;
  if (fs::is_symlink(fs::symlink_status(dir / kDataLink, ec))) {
    oldVersion = fs::read_symlink(dir / kDataLink, ec);
  }
  std::string name = versionName();
  fs::path version = dir / name;
  fs::create_directory(version);
  fs::permissions(version, fs::perms(0755));
  for (const auto& [path, f] : byPath) writeFile(version / path, *f);
  if (beforeSwap) beforeSwap();

  // The swap: a new link renamed over the old one.
  fs::remove(dir / kDataTmpLink, ec);
  fs::create_symlink(name, dir / kDataTmpLink);
  fs::rename(dir / kDataTmpLink, dir / kDataLink);

  std::set<std::string> top;
  for (const auto& [path, f] : byPath) top.insert(firstElement(path));
  for (const auto& t : top) {
    fs::path link = dir / t;
    if (fs::is_symlink(fs::symlink_status(link, ec))) continue;
    fs::create_symlink(fs::path(kDataLink) / t, link);
  }
  // Links of files the new version no longer has.
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string n = entry.path().filename().string();
    if (n.rfind("..", 0) == 0 || top.count(n)) continue;
    if (fs::is_symlink(entry.symlink_status())) fs::remove(entry.path());
  }
  if (!oldVersion.empty() && oldVersion.filename() != name) fs::remove_all(dir / oldVersion, ec);
  return true;
}

}  // namespace cube::agent::volumes
