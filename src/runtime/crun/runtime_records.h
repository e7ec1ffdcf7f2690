#pragma once
// What the crun runtime knows about its sandboxes and containers, one JSON file each, written
// atomically on every change, so that a new runtime over the same directory (the agent after a
// crash or kill -9) lists the same pods and containers and finds the processes still running.
//
//   <root>/sandboxes/<id>/sandbox.json
//   <root>/containers/<id>/container.json
//
// Times are stored as nanoseconds since the epoch (exact round trip).

#include "common/clock.h"
#include "runtime/runtime.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cube::runtime::crun {

struct SandboxRecord {
  std::string id;
  std::string podUid, podNamespace, podName, hostname;
  std::string ip;
  SandboxState state = SandboxState::NotReady;  // Ready once everything is set up
  bool networkUp = false;                       // PodNetwork::setUp done, tearDown not yet
  TimePoint createdAt;
  bool hostNetwork = false, hostIPC = false;
  std::string netnsPath, ipcPath, utsPath, shmPath;
  std::string hostsPath, resolvConfPath, hostnamePath;
  boost::json::object pod;  // metadata and spec
};

struct ContainerRecord {
  std::string id;  // crun's container id (no scheme)
  std::string sandboxId;
  std::string name;
  uint32_t attempt = 0;
  std::string image, imageId, imageRef;  // as asked, status imageID, store image ID
  ContainerState state = ContainerState::Created;
  TimePoint createdAt;
  std::optional<TimePoint> startedAt, finishedAt;
  int exitCode = 0;
  std::string reason, message;
  // The container's init while it runs: pid and its start time (/proc/<pid>/stat field 22), so
  // a later runtime never takes a recycled pid for it.
  int pid = 0;
  uint64_t pidStartTime = 0;
  std::string cgroupsPath, logPath;
  // The spec's stdin, stdinOnce and tty: how the shim holds the container's stdio.
  bool stdin = false, stdinOnce = false, tty = false;
};

boost::json::object toJson(const SandboxRecord& r);
SandboxRecord sandboxFromJson(const boost::json::object& o);
boost::json::object toJson(const ContainerRecord& r);
ContainerRecord containerFromJson(const boost::json::object& o);

// The record files below `root` (see above).
class RecordStore {
 public:
  explicit RecordStore(std::string root);

  std::string sandboxDir(const std::string& id) const { return root_ + "/sandboxes/" + id; }
  std::string containerDir(const std::string& id) const { return root_ + "/containers/" + id; }

  void save(const SandboxRecord& r) const;
  void save(const ContainerRecord& r) const;
  // Every readable record; unreadable files (a crash mid-write cannot make one: writes are
  // atomic) are skipped and named in `errors`.
  std::vector<SandboxRecord> loadSandboxes(std::vector<std::string>* errors = nullptr) const;
  std::vector<ContainerRecord> loadContainers(std::vector<std::string>* errors = nullptr) const;

 private:
  std::string root_;
};

}  // namespace cube::runtime::crun
