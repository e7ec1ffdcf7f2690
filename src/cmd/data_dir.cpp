#include "cmd/data_dir.h"

#include "common/uid.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace cube::cmd {

DataDirLock::DataDirLock(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw std::runtime_error("data directory " + dir +
                               " is in use by another cube server; stop it or pick another "
                               "--data-dir");
    }
    throw std::runtime_error("cannot lock " + path + ": " + std::strerror(error));
  }
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

std::string serverIdentity(const std::string& dir) {
  const std::filesystem::path path = std::filesystem::path(dir) / "server-id";
  std::string id;
  {
    std::ifstream in(path);
    std::getline(in, id);
  }
  if (id.empty()) {
    id = newUid();
    const std::filesystem::path temp = path.string() + ".tmp";
    {
      std::ofstream out(temp, std::ios::trunc);
      out << id << "\n";
      if (!out.flush()) throw std::runtime_error("cannot write " + temp.string());
    }
    std::filesystem::rename(temp, path);
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "cube");
  return std::string(host) + "_" + id;
}

}  // namespace cube::cmd
