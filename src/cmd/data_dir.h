#pragma once
// The server's data directory: an exclusive lock so that two servers never share one store, and
// the server's stable identity for leader election.

#include <string>

namespace cube::cmd {

// Holds an flock on <dir>/lock for the life of the process. Throws std::runtime_error naming the
// directory when another process holds it.
class DataDirLock {
 public:
  explicit DataDirLock(const std::string& dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  int fd_ = -1;
};

// "<hostname>_<uuid>", the uuid made once and kept in <dir>/server-id. Stable across restarts of
// one server, so a restarted server renews its own leases at once instead of waiting for them
// to expire; safe because the lock keeps two live processes off one data directory.
std::string serverIdentity(const std::string& dir);

}  // namespace cube::cmd
