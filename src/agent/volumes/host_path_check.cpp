#include "agent/volumes/host_path_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace cube::agent::volumes {

namespace {

std::runtime_error typeFailure(const std::string& path, const std::string& what) {
  return std::runtime_error("hostPath type check failed: " + path + " is not " + what);
}

}  // namespace

void checkHostPathType(const std::string& path, const std::string& type) {
  if (type.empty()) return;
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (type == "DirectoryOrCreate" && !exists) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw std::runtime_error("mkdir " + path + ": " + ec.message());
    ::chmod(path.c_str(), 0755);
    return;
  }
  if (type == "FileOrCreate" && !exists) {
    int fd = ::open(path.c_str(), O_CREAT | O_RDONLY | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
    ::close(fd);
    return;
  }
  if (type == "Directory" || type == "DirectoryOrCreate") {
    if (!exists || !S_ISDIR(st.st_mode)) throw typeFailure(path, "a directory");
  } else if (type == "File" || type == "FileOrCreate") {
    if (!exists || S_ISDIR(st.st_mode)) throw typeFailure(path, "a file");
  } else if (type == "Socket") {
    if (!exists || !S_ISSOCK(st.st_mode)) throw typeFailure(path, "a socket file");
  } else if (type == "CharDevice") {
    if (!exists || !S_ISCHR(st.st_mode)) throw typeFailure(path, "a character device");
  } else if (type == "BlockDevice") {
    if (!exists || !S_ISBLK(st.st_mode)) throw typeFailure(path, "a block device");
  } else {
    throw std::runtime_error(type + " is an invalid volume type");
  }
}

}  // namespace cube::agent::volumes
