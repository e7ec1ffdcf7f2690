#include "network/host_local_ipam.h"

#include "network/network_error.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace cube::network {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLastReservedFile = "last_reserved_ip";
constexpr const char* kLockFile = "lock";

void checkSandboxId(const std::string& id) {
  if (id.empty() || id.find('\n') != std::string::npos) {
    throw NetworkError("ipam: invalid sandbox id '" + id + "'");
  }
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

// flock on <dir>/lock for the life of one call.
class HostLocalIpam::DirLock {
 public:
  explicit DirLock(const fs::path& dir) {
    fd_ = ::open((dir / kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw NetworkError("ipam: open " + (dir / kLockFile).string(), errno);
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd_);
      throw NetworkError("ipam: flock " + (dir / kLockFile).string(), err);
    }
  }
  ~DirLock() { ::close(fd_); }  // closing the descriptor drops the lock
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

HostLocalIpam::HostLocalIpam(fs::path dir, Ipv4Cidr cidr) : dir_(std::move(dir)), cidr_(cidr) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw NetworkError("ipam: create " + dir_.string(), ec.value());
}

std::map<uint32_t, std::string> HostLocalIpam::unsafeReadAllocations() const {
  std::map<uint32_t, std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    auto ip = parseAddress(entry.path().filename().string());
    if (!ip || !cidr_.contains(*ip)) continue;  // lock, last_reserved_ip, another range's files
    out[*ip] = readFile(entry.path());
  }
  if (ec) throw NetworkError("ipam: read " + dir_.string(), ec.value());
  return out;
}

std::optional<uint32_t> HostLocalIpam::unsafeLastReserved() const {
  auto ip = parseAddress(readFile(dir_ / kLastReservedFile));
  if (!ip || !cidr_.contains(*ip)) return std::nullopt;
  return ip;
}

void HostLocalIpam::unsafeWriteLastReserved(uint32_t ip) const {
  // Only a hint for round-robin: a lost write costs nothing but an earlier reuse.
  std::ofstream out(dir_ / kLastReservedFile, std::ios::trunc);
  out << formatAddress(ip) << "\n";
}

std::optional<uint32_t> HostLocalIpam::allocate(const std::string& sandboxId) {
  checkSandboxId(sandboxId);
  DirLock lock(dir_);
  auto used = unsafeReadAllocations();
  for (const auto& [ip, owner] : used) {
    if (owner == sandboxId) return ip;
  }
  // Usable: gateway+1 .. broadcast-1.
  uint32_t first = cidr_.gateway() + 1;
  uint32_t count = cidr_.broadcast() - first;
  uint32_t start = 0;
  if (auto last = unsafeLastReserved(); last && *last >= first && *last < first + count) {
    start = (*last - first + 1) % count;
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t ip = first + (start + i) % count;
    if (used.count(ip)) continue;
    fs::path file = dir_ / formatAddress(ip);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // written by something that ignores the lock
      throw NetworkError("ipam: create " + file.string(), errno);
    }
    std::string content = sandboxId + "\n";
    // No fsync, as CNI host-local: the namespaces the addresses belong to die with the node.
    bool ok = ::write(fd, content.data(), content.size()) == ssize_t(content.size());
    int err = ok ? 0 : errno;
    ::close(fd);
    if (!ok) {
      ::unlink(file.c_str());
      throw NetworkError("ipam: write " + file.string(), err);
    }
    unsafeWriteLastReserved(ip);
    return ip;
  }
  return std::nullopt;
}

void HostLocalIpam::release(const std::string& sandboxId) {
  checkSandboxId(sandboxId);
  DirLock lock(dir_);
  for (const auto& [ip, owner] : unsafeReadAllocations()) {
    if (owner != sandboxId) continue;
    fs::path file = dir_ / formatAddress(ip);
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
      throw NetworkError("ipam: remove " + file.string(), errno);
    }
  }
}

std::optional<uint32_t> HostLocalIpam::lookup(const std::string& sandboxId) const {
  DirLock lock(dir_);
  for (const auto& [ip, owner] : unsafeReadAllocations()) {
    if (owner == sandboxId) return ip;
  }
  return std::nullopt;
}

std::map<uint32_t, std::string> HostLocalIpam::allocations() const {
  DirLock lock(dir_);
  return unsafeReadAllocations();
}

}  // namespace cube::network
