#include "runtime/crun/runtime_records.h"

#include "common/json_util.h"
#include "runtime/images/file_util.h"

#include <filesystem>

namespace cube::runtime::crun {

namespace bj = boost::json;

namespace {

int64_t nanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint fromNanos(int64_t n) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(n)));
}

void putTime(bj::object& o, const char* key, const std::optional<TimePoint>& t) {
  if (t) o[key] = nanos(*t);
}

std::optional<TimePoint> getTime(const bj::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_int64()) return std::nullopt;
  return fromNanos(it->value().as_int64());
}

const char* stateName(ContainerState s) {
  switch (s) {
    case ContainerState::Created:
      return "created";
    case ContainerState::Running:
      return "running";
    case ContainerState::Exited:
      return "exited";
  }
  return "created";
}

ContainerState stateFromName(const std::string& s) {
  if (s == "running") return ContainerState::Running;
  if (s == "exited") return ContainerState::Exited;
  return ContainerState::Created;
}

template <typename Record, typename FromJson>
std::vector<Record> loadAll(const std::string& dir, const char* file, FromJson fromJson,
                            std::vector<std::string>* errors) {
  std::vector<Record> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    std::string path = it->path().string() + "/" + file;
    if (!std::filesystem::exists(path)) continue;  // a dir whose record was never written
    try {
      bj::value v = json::parse(images::readFile(path));
      out.push_back(fromJson(v.as_object()));
    } catch (const std::exception& e) {
      if (errors) errors->push_back(path + ": " + e.what());
    }
  }
  return out;
}

}  // namespace

bj::object toJson(const SandboxRecord& r) {
  bj::object o{{"id", r.id},
               {"podUid", r.podUid},
               {"podNamespace", r.podNamespace},
               {"podName", r.podName},
               {"hostname", r.hostname},
               {"ip", r.ip},
               {"state", r.state == SandboxState::Ready ? "ready" : "notReady"},
               {"networkUp", r.networkUp},
               {"createdAt", nanos(r.createdAt)},
               {"hostNetwork", r.hostNetwork},
               {"hostIPC", r.hostIPC},
               {"netnsPath", r.netnsPath},
               {"ipcPath", r.ipcPath},
               {"utsPath", r.utsPath},
               {"shmPath", r.shmPath},
               {"hostsPath", r.hostsPath},
               {"resolvConfPath", r.resolvConfPath},
               {"hostnamePath", r.hostnamePath},
               {"pod", r.pod}};
  return o;
}

SandboxRecord sandboxFromJson(const bj::object& o) {
  SandboxRecord r;
  r.id = json::getString(o, "id");
  if (r.id.empty()) throw std::runtime_error("sandbox record without id");
  r.podUid = json::getString(o, "podUid");
  r.podNamespace = json::getString(o, "podNamespace");
  r.podName = json::getString(o, "podName");
  r.hostname = json::getString(o, "hostname");
  r.ip = json::getString(o, "ip");
  r.state = json::getString(o, "state") == "ready" ? SandboxState::Ready : SandboxState::NotReady;
  r.networkUp = json::getBool(o, "networkUp");
  r.createdAt = getTime(o, "createdAt").value_or(TimePoint{});
  r.hostNetwork = json::getBool(o, "hostNetwork");
  r.hostIPC = json::getBool(o, "hostIPC");
  r.netnsPath = json::getString(o, "netnsPath");
  r.ipcPath = json::getString(o, "ipcPath");
  r.utsPath = json::getString(o, "utsPath");
  r.shmPath = json::getString(o, "shmPath");
  r.hostsPath = json::getString(o, "hostsPath");
  r.resolvConfPath = json::getString(o, "resolvConfPath");
  r.hostnamePath = json::getString(o, "hostnamePath");
  if (const auto* pod = json::getObject(o, "pod")) r.pod = *pod;
  return r;
}

bj::object toJson(const ContainerRecord& r) {
  bj::object o{{"id", r.id},
               {"sandboxId", r.sandboxId},
               {"name", r.name},
               {"attempt", r.attempt},
               {"image", r.image},
               {"imageId", r.imageId},
               {"imageRef", r.imageRef},
               {"state", stateName(r.state)},
               {"createdAt", nanos(r.createdAt)},
               {"exitCode", r.exitCode},
               {"reason", r.reason},
               {"message", r.message},
               {"pid", r.pid},
               {"pidStartTime", r.pidStartTime},
               {"cgroupsPath", r.cgroupsPath},
               {"logPath", r.logPath},
               {"stdin", r.stdin},
               {"stdinOnce", r.stdinOnce},
               {"tty", r.tty}};
  putTime(o, "startedAt", r.startedAt);
  putTime(o, "finishedAt", r.finishedAt);
  return o;
}

ContainerRecord containerFromJson(const bj::object& o) {
  ContainerRecord r;
  r.id = json::getString(o, "id");
  if (r.id.empty()) throw std::runtime_error("container record without id");
  r.sandboxId = json::getString(o, "sandboxId");
  r.name = json::getString(o, "name");
  r.attempt = static_cast<uint32_t>(json::getInt(o, "attempt"));
  r.image = json::getString(o, "image");
  r.imageId = json::getString(o, "imageId");
  r.imageRef = json::getString(o, "imageRef");
  r.state = stateFromName(json::getString(o, "state"));
  r.createdAt = getTime(o, "createdAt").value_or(TimePoint{});
  r.startedAt = getTime(o, "startedAt");
  r.finishedAt = getTime(o, "finishedAt");
  r.exitCode = static_cast<int>(json::getInt(o, "exitCode"));
  r.reason = json::getString(o, "reason");
  r.message = json::getString(o, "message");
  r.pid = static_cast<int>(json::getInt(o, "pid"));
  if (auto it = o.find("pidStartTime"); it != o.end() && it->value().is_number()) {
    r.pidStartTime = it->value().to_number<uint64_t>();
  }
  r.cgroupsPath = json::getString(o, "cgroupsPath");
  r.logPath = json::getString(o, "logPath");
  r.stdin = json::getBool(o, "stdin");
  r.stdinOnce = json::getBool(o, "stdinOnce");
  r.tty = json::getBool(o, "tty");
  return r;
}

RecordStore::RecordStore(std::string root) : root_(std::move(root)) {
  images::makeDirs(root_ + "/sandboxes", 0700);
  images::makeDirs(root_ + "/containers", 0700);
}

void RecordStore::save(const SandboxRecord& r) const {
  images::makeDirs(sandboxDir(r.id), 0700);
  images::writeFileAtomic(sandboxDir(r.id) + "/sandbox.json", json::serialize(toJson(r)));
}

void RecordStore::save(const ContainerRecord& r) const {
  images::makeDirs(containerDir(r.id), 0700);
  images::writeFileAtomic(containerDir(r.id) + "/container.json", json::serialize(toJson(r)));
}

std::vector<SandboxRecord> RecordStore::loadSandboxes(std::vector<std::string>* errors) const {
  return loadAll<SandboxRecord>(root_ + "/sandboxes", "sandbox.json", sandboxFromJson, errors);
}

std::vector<ContainerRecord> RecordStore::loadContainers(std::vector<std::string>* errors) const {
  return loadAll<ContainerRecord>(root_ + "/containers", "container.json", containerFromJson,
                                  errors);
}

}  // namespace cube::runtime::crun
