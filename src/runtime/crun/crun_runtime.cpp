#include "runtime/crun/crun_runtime.h"

#include "runtime/crun/mount_table.h"

#include "common/json_util.h"
#include "common/log.h"
#include "runtime/crun/container_rootfs.h"
#include "runtime/crun/exec_sync.h"
#include "runtime/crun/oci_spec.h"
#include "runtime/crun/pod_namespaces.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace cube::runtime::crun {

namespace bj = boost::json;

namespace {

// Exit code and reason when the exit status of a container cannot be known (see the header).
constexpr int kUnknownExitCode = 255;
constexpr const char* kUnknownReason = "Unknown";
constexpr int kStartErrorExitCode = 128;  // containerd's code for a container that never ran
constexpr const char* kDefaultTerminationMessagePath = "/dev/termination-log";
constexpr const char* kTerminationLogFile = "termination-log";
constexpr size_t kTerminationMessageMax = 4096;  // what the kubelet keeps of the file
// waitid's P_PIDFD (Linux 5.4), spelled out: older glibc headers lack it.
constexpr auto kPidfdIdType = static_cast<idtype_t>(3);

std::string newId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

// "crun://<id>" or "<id>" → "<id>".
std::string recordId(const std::string& containerId) {
  constexpr std::string_view scheme = "crun://";
  return containerId.rfind(scheme, 0) == 0 ? containerId.substr(scheme.size()) : containerId;
}

std::string formatIpv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
         std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff);
}

std::string readOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The start time of process `pid` in clock ticks since boot (/proc/<pid>/stat field 22); 0 when
// there is no such process.
uint64_t processStartTime(int pid) {
  std::string stat = readOrEmpty("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return 0;
  std::istringstream fields(stat.substr(close + 2));  // from field 3, the state
  std::string field;
  for (int i = 3; i < 22 && fields >> field; ++i) {
  }
  uint64_t start = 0;
  fields >> start;
  return start;
}

int pidfdOpen(int pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// A pod object from the sandbox's literal fields, when the agent gives no pod.
bj::object podFromConfig(const SandboxConfig& c) {
  bj::object labels, annotations;
  for (const auto& [k, v] : c.labels) labels[k] = v;
  for (const auto& [k, v] : c.annotations) annotations[k] = v;
  bj::object spec;
  if (!c.hostname.empty() && c.hostname != c.podName) spec["hostname"] = c.hostname;
  return bj::object{{"metadata", bj::object{{"name", c.podName},
                                            {"namespace", c.podNamespace},
                                            {"uid", c.podUid},
                                            {"labels", std::move(labels)},
                                            {"annotations", std::move(annotations)}}},
                    {"spec", std::move(spec)}};
}

// A container spec from the literal fields, when the agent gives no spec.
bj::object containerFromConfig(const ContainerConfig& c) {
  bj::object o{{"name", c.name}, {"image", c.image}};
  if (!c.command.empty()) o["command"] = json::toArray(c.command);
  if (!c.args.empty()) o["args"] = json::toArray(c.args);
  if (!c.workingDir.empty()) o["workingDir"] = c.workingDir;
  if (!c.env.empty()) {
    bj::array env;
    for (const auto& [k, v] : c.env) env.push_back(bj::object{{"name", k}, {"value", v}});
    o["env"] = std::move(env);
  }
  return o;
}

// The containers' hostPorts, for the PodNetwork.
std::vector<network::PortMapping> hostPorts(const bj::object& pod) {
  std::vector<network::PortMapping> out;
  const auto* spec = json::getObject(pod, "spec");
  const auto* containers = spec ? json::getArray(*spec, "containers") : nullptr;
  if (!containers) return out;
  for (const auto& c : *containers) {
    const auto* ports = c.is_object() ? json::getArray(c.get_object(), "ports") : nullptr;
    if (!ports) continue;
    for (const auto& p : *ports) {
      if (!p.is_object()) continue;
      const auto& po = p.get_object();
      int64_t hostPort = json::getInt(po, "hostPort");
      if (hostPort <= 0 || hostPort > 65535) continue;
      network::PortMapping m;
      m.protocol = json::getString(po, "protocol", "TCP");
      m.hostPort = static_cast<uint16_t>(hostPort);
      m.containerPort = static_cast<uint16_t>(json::getInt(po, "containerPort"));
      m.hostIP = json::getString(po, "hostIP");
      out.push_back(m);
    }
  }
  return out;
}

std::string crunVersion(const std::string& crunPath) {
  std::string out;
  if (FILE* f = ::popen((crunPath + " --version 2>/dev/null").c_str(), "r")) {
    char buf[256];
    if (std::fgets(buf, sizeof buf, f)) out = buf;
    ::pclose(f);
  }
  // "crun version 1.8.1"
  auto space = out.find_last_of(' ');
  std::string version = space == std::string::npos ? "" : out.substr(space + 1);
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
  return "crun://" + (version.empty() ? std::string("unknown") : version);
}

ContainerStatus statusOf(const ContainerRecord& r) {
  ContainerStatus s;
  s.id = CrunRuntime::statusId(r.id);
  s.name = r.name;
  s.attempt = r.attempt;
  s.state = r.state;
  s.image = r.image;
  s.imageId = r.imageId;
  s.createdAt = r.createdAt;
  s.startedAt = r.startedAt;
  s.finishedAt = r.finishedAt;
  s.exitCode = r.exitCode;
  s.reason = r.reason;
  s.message = r.message;
  s.logPath = r.logPath;
  return s;
}

}  // namespace

CrunRuntime::CrunRuntime(CrunRuntimeOptions options, std::shared_ptr<images::ImageStore> images,
                         std::shared_ptr<network::PodNetwork> network)
    : options_(std::move(options)),
      images_(std::move(images)),
      network_(std::move(network)),
      records_(options_.root),
      runner_(CrunRunnerOptions{options_.crunPath, options_.root + "/crun", options_.cgroupRoot}),
      version_(crunVersion(runner_.crunPath())) {
  if (!images_) throw RuntimeError("crun runtime: no image store");
  watcher_ = std::make_unique<ExitWatcher>([this](const std::string& id) { onExit(id); },
                                           [this](const std::string& id) { onDeadline(id); });
  load();
}

CrunRuntime::~CrunRuntime() {
  watcher_.reset();  // no callback runs after this
}

void CrunRuntime::setEventHandler(EventHandler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

// --- restart survival -------------------------------------------------------------------------

void CrunRuntime::load() {
  std::lock_guard lock(mutex_);
  for (auto& s : records_.loadSandboxes()) {
    // After a reboot (or someone's cleanup) the namespace mounts are gone: the sandbox cannot
    // hold containers any more, and the agent makes a new one.
    bool intact = true;
    for (const auto* path : {&s.netnsPath, &s.ipcPath, &s.utsPath}) {
      if (!path->empty() && !isMountPoint(*path)) intact = false;
    }
    if (s.state == SandboxState::Ready && !intact) {
      s.state = SandboxState::NotReady;
      try {
        records_.save(s);
      } catch (const std::exception& e) {
        CUBE_LOG(Warn) << "crun runtime: save sandbox " << s.id << ": " << e.what();
      }
    }
    sandboxes_[s.id] = std::move(s);
  }
  for (auto& c : records_.loadContainers()) {
    adopt(c);
    containers_[c.id] = std::move(c);
  }
}

// Takes over a container found on disk: a running init is followed again; one that ended while
// no runtime watched it is recorded as exited by the rule in the header.
void CrunRuntime::adopt(ContainerRecord& r) {
  if (r.state == ContainerState::Created) {
    // Started by a runtime that died before it could record it?
    std::optional<bj::object> state;
    try {
      state = runner_.state(r.id);
    } catch (const std::exception&) {
    }
    if (!state) return;
    std::string status = json::getString(*state, "status");
    if (status == "created") {
      // Half started: undo crun's part, so startContainer can run it.
      try {
        runner_.remove(r.id, "");
      } catch (const std::exception& e) {
        CUBE_LOG(Warn) << "crun runtime: reset half-started container " << r.id << ": " << e.what();
      }
      return;
    }
    r.state = ContainerState::Running;
    r.startedAt = TimePoint(std::chrono::system_clock::now());  // the record's came too late
    r.pid = static_cast<int>(json::getInt(*state, "pid"));
    r.pidStartTime = r.pid > 0 ? processStartTime(r.pid) : 0;
    try {
      records_.save(r);
    } catch (const std::exception& e) {
      CUBE_LOG(Warn) << "crun runtime: save " << r.id << ": " << e.what();
    }
  }
  if (r.state != ContainerState::Running) return;
  int fd = r.pid > 0 ? pidfdOpen(r.pid) : -1;
  // Compared after the pidfd is open: if the start time matches now, the pidfd is that process.
  if (fd >= 0 && r.pidStartTime != 0 && processStartTime(r.pid) == r.pidStartTime) {
    Process p;
    p.process.id = r.id;
    p.process.pid = r.pid;
    p.process.pidfd = images::UniqueFd(fd);
    p.child = false;
    watcher_->watch(r.id, fd);
    processes_.emplace(r.id, std::move(p));
    return;
  }
  if (fd >= 0) ::close(fd);
  unsafeRecordExit(r, kUnknownExitCode, false, false);
}

// --- exits ------------------------------------------------------------------------------------

void CrunRuntime::unsafeRecordExit(ContainerRecord& r, int exitCode, bool known, bool killed) {
  r.state = ContainerState::Exited;
  r.finishedAt = std::chrono::system_clock::now();
  r.pid = 0;
  r.pidStartTime = 0;
  bool oom = false;
  try {
    oom = runner_.oomKilled(r.cgroupsPath);
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "crun runtime: OOM count of " << r.id << ": " << e.what();
  }
  if (oom) {
    r.exitCode = known ? exitCode : 137;
    r.reason = "OOMKilled";
  } else if (!known && killed) {
    r.exitCode = 137;
    r.reason = "Error";
  } else if (!known) {
    r.exitCode = kUnknownExitCode;
    r.reason = kUnknownReason;
    r.message =
        "the container ended while no runtime of this node was its parent (an agent restart): "
        "its exit code is unknown";
  } else {
    r.exitCode = exitCode;
    r.reason = exitCode == 0 ? "Completed" : "Error";
  }
  std::ifstream message(records_.containerDir(r.id) + "/" + kTerminationLogFile, std::ios::binary);
  std::string text(kTerminationMessageMax, '\0');
  message.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(message.gcount()));
  if (!text.empty()) r.message = std::move(text);
  try {
    records_.save(r);
  } catch (const std::exception& e) {
    // In memory it is right; the next change saves it again.
    CUBE_LOG(Warn) << "crun runtime: save " << r.id << ": " << e.what();
  }
}

void CrunRuntime::onExit(const std::string& id) {
  std::string sandboxId, podUid;
  {
    std::lock_guard lock(mutex_);
    auto p = processes_.find(id);
    auto c = containers_.find(id);
    if (p == processes_.end() || c == containers_.end()) return;
    std::optional<int> code;
    try {
      if (p->second.child) {
        if (auto s = runner_.wait(p->second.process, std::chrono::milliseconds(0))) {
          code = s->exitCode;
        } else {
          // Not ended after all: follow it again.
          watcher_->watch(id, p->second.process.pidfd.get());
          return;
        }
      } else {
        // Not our child, unless it was started by an earlier instance in this same process.
        siginfo_t info{};
        if (::waitid(kPidfdIdType, p->second.process.pidfd.get(), &info, WEXITED | WNOHANG) == 0 &&
            info.si_pid != 0) {
          code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
        }
      }
    } catch (const std::exception& e) {
      CUBE_LOG(Warn) << "crun runtime: exit status of " << id << ": " << e.what();
    }
    unsafeRecordExit(c->second, code.value_or(kUnknownExitCode), code.has_value(),
                     p->second.killed);
    processes_.erase(p);
    sandboxId = c->second.sandboxId;
    if (auto s = sandboxes_.find(sandboxId); s != sandboxes_.end()) podUid = s->second.podUid;
  }
  exited_.notify_all();
  notify(sandboxId, podUid);
}

void CrunRuntime::onDeadline(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto p = processes_.find(id);
  if (p == processes_.end()) return;
  try {
    runner_.signal(p->second.process, SIGKILL);
    p->second.killed = true;
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "crun runtime: kill " << id << " after its grace: " << e.what();
  }
}

void CrunRuntime::notify(const std::string& sandboxId, const std::string& podUid) {
  EventHandler handler;
  {
    std::lock_guard lock(mutex_);
    handler = handler_;
  }
  if (!handler) return;
  try {
    handler(RuntimeEvent{sandboxId, podUid});
  } catch (const std::exception& e) {
    // The watcher thread must go on for the other containers.
    CUBE_LOG(Error) << "crun runtime: event handler: " << e.what();
  }
}

bool CrunRuntime::waitExited(std::unique_lock<std::mutex>& lock, const std::string& id) {
  return exited_.wait_for(lock, options_.killWait, [&] { return !processes_.count(id); });
}

void CrunRuntime::killRunning(std::unique_lock<std::mutex>& lock,
                              const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto p = processes_.find(id);
    if (p == processes_.end()) continue;
    runner_.signal(p->second.process, SIGKILL);
    p->second.killed = true;
  }
  for (const auto& id : ids) {
    if (!waitExited(lock, id)) throw RuntimeError("container " + id + " did not end after SIGKILL");
  }
}

// --- sandboxes --------------------------------------------------------------------------------

std::string CrunRuntime::podLogDir(const SandboxRecord& s) const {
  return options_.root + "/pods/" + s.podNamespace + "_" + s.podName + "_" + s.podUid;
}

void CrunRuntime::tearDownNetwork(const SandboxRecord& s) {
  if (s.hostNetwork || !network_) return;
  try {
    network_->tearDown(s.id);
  } catch (const std::exception& e) {
    throw RuntimeError("sandbox " + s.id + ": network teardown: " + e.what());
  }
}

void CrunRuntime::removeSandboxFiles(const SandboxRecord& s) {
  std::string dir = records_.sandboxDir(s.id);
  removePodNamespaces(dir + "/ns");
  images::removeTree(dir);
}

std::string CrunRuntime::runSandbox(const SandboxConfig& config) {
  SandboxRecord r;
  r.id = newId();
  r.pod = config.pod ? *config.pod : podFromConfig(config);
  const auto* spec = json::getObject(r.pod, "spec");
  r.hostNetwork = spec && json::getBool(*spec, "hostNetwork");
  r.hostIPC = spec && json::getBool(*spec, "hostIPC");
  r.podUid = config.podUid;
  r.podNamespace = config.podNamespace;
  r.podName = config.podName;
  r.hostname = config.pod ? podHostname(r.pod) : config.hostname;
  if (r.hostname.empty()) r.hostname = config.podName;
  r.createdAt = std::chrono::system_clock::now();
  std::string dir = records_.sandboxDir(r.id);

  // The record first: whatever a crash leaves half made, removeSandbox finds and removes.
  records_.save(r);
  try {
    if (r.hostNetwork) {
      r.ip = config.ip;  // the agent's choice (the node's address for a host-network pod)
    } else {
      if (!network_) throw RuntimeError("this node has no pod network; only hostNetwork pods run");
      r.networkUp = true;  // saved before setUp, so a crash in it is torn down later
      records_.save(r);
      network::PodNetworkStatus net = network_->setUp(r.id, hostPorts(r.pod));
      r.ip = formatIpv4(net.ip);
      r.netnsPath = net.netnsPath;
    }
    PodNamespacePaths ns = createPodNamespaces(dir + "/ns", !r.hostIPC, !r.hostNetwork, r.hostname);
    r.ipcPath = ns.ipc;
    r.utsPath = ns.uts;
    r.shmPath = r.hostIPC ? "/dev/shm" : ns.shm;

    r.hostsPath = dir + "/hosts";
    r.resolvConfPath = dir + "/resolv.conf";
    r.hostnamePath = dir + "/hostname";
    // Made anew with the sandbox after a reboot: no fsync.
    constexpr auto kNoSync = images::FileSync::kNoSync;
    images::writeFileAtomic(
        r.hostsPath,
        podHostsFile(r.pod, r.ip, r.hostname, options_.dns, readOrEmpty(options_.hostHostsPath)),
        kNoSync);
    images::writeFileAtomic(
        r.resolvConfPath,
        podResolvConf(r.pod, options_.dns, readOrEmpty(options_.hostResolvConfPath)), kNoSync);
    images::writeFileAtomic(r.hostnamePath, r.hostname + "\n", kNoSync);
    r.state = SandboxState::Ready;
    records_.save(r);
  } catch (const std::exception& e) {
    try {
      tearDownNetwork(r);
      removeSandboxFiles(r);
    } catch (...) {
      // The first error is the one worth reporting.
    }
    throw RuntimeError("sandbox for pod " + r.podNamespace + "/" + r.podName + ": " + e.what());
  }
  std::lock_guard lock(mutex_);
  sandboxes_[r.id] = r;
  return r.id;
}

void CrunRuntime::stopSandbox(const std::string& sandboxId) {
  std::unique_lock lock(mutex_);
  exited_.wait(lock, [&] {
    for (const auto& id : starting_) {
      if (auto c = containers_.find(id); c != containers_.end() && c->second.sandboxId == sandboxId)
        return false;
    }
    return true;
  });
  auto s = sandboxes_.find(sandboxId);
  if (s == sandboxes_.end()) return;
  std::vector<std::string> running;
  for (const auto& [id, c] : containers_) {
    if (c.sandboxId == sandboxId && processes_.count(id)) running.push_back(id);
  }
  killRunning(lock, running);
  s = sandboxes_.find(sandboxId);  // the lock was released while waiting
  if (s == sandboxes_.end()) return;
  SandboxRecord& r = s->second;
  if (r.networkUp) {
    tearDownNetwork(r);
    r.networkUp = false;
  }
  r.state = SandboxState::NotReady;
  records_.save(r);
}

void CrunRuntime::removeSandbox(const std::string& sandboxId) {
  stopSandbox(sandboxId);
  std::vector<std::string> ids;
  std::optional<SandboxRecord> record;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, c] : containers_) {
      if (c.sandboxId == sandboxId) ids.push_back(id);
    }
    if (auto s = sandboxes_.find(sandboxId); s != sandboxes_.end()) record = s->second;
  }
  for (const auto& id : ids) removeContainer(id);
  if (!record) return;
  // stopSandbox tore the network down; again in case a crash left the record behind it.
  tearDownNetwork(*record);
  removeSandboxFiles(*record);
  images::removeTree(podLogDir(*record));
  std::lock_guard lock(mutex_);
  sandboxes_.erase(sandboxId);
}

std::vector<SandboxStatus> CrunRuntime::listSandboxes() {
  std::lock_guard lock(mutex_);
  std::vector<SandboxStatus> out;
  for (const auto& [id, r] : sandboxes_) {
    SandboxStatus s;
    s.id = id;
    s.podUid = r.podUid;
    s.state = r.state;
    s.ip = r.ip;
    s.createdAt = r.createdAt;
    out.push_back(s);
  }
  return out;
}

// --- containers -------------------------------------------------------------------------------

std::string CrunRuntime::createContainer(const std::string& sandboxId,
                                         const ContainerConfig& config) {
  SandboxRecord sandbox;
  {
    std::lock_guard lock(mutex_);
    auto s = sandboxes_.find(sandboxId);
    if (s == sandboxes_.end()) throw RuntimeError("sandbox " + sandboxId + " not found");
    if (s->second.state != SandboxState::Ready) {
      throw RuntimeError("sandbox " + sandboxId + " is stopped");
    }
    sandbox = s->second;
  }
  std::optional<images::ImageRecord> image;
  try {
    image = images_->find(config.image);
  } catch (const images::ImageNotFound& e) {
    throw ImageNotFoundError(e.what());
  }
  if (!image) {
    throw ImageNotFoundError("image \"" + config.image +
                             "\" is not on this node (cube image import, or the node's images "
                             "directory)");
  }

  ContainerRecord r;
  r.id = newId();
  r.sandboxId = sandboxId;
  r.name = config.name;
  r.attempt = config.attempt;
  r.image = config.image;
  r.imageId = image->statusImageId(config.image);
  r.imageRef = image->id;
  r.createdAt = std::chrono::system_clock::now();
  r.cgroupsPath = options_.cgroupRoot + "/pod" + sandbox.podUid + "/" + r.id;
  r.logPath = !config.logPath.empty() ? config.logPath
                                      : podLogDir(sandbox) + "/" + config.name + "/" +
                                            std::to_string(config.attempt) + ".log";
  std::string dir = records_.containerDir(r.id);

  bj::object spec = config.spec ? *config.spec : containerFromConfig(config);
  r.stdin = json::getBool(spec, "stdin");
  r.stdinOnce = json::getBool(spec, "stdinOnce");
  r.tty = json::getBool(spec, "tty");
  records_.save(r);  // first, so that a crash leaves nothing the record does not name
  try {
    std::vector<std::string> layers;
    for (const auto& diffId : image->diffIds()) layers.push_back(images_->layerPath(diffId));
    ContainerRootfs::mount(dir, layers);

    OciSpecInput in;
    in.pod = &sandbox.pod;
    in.container = &spec;
    in.image = image->config;
    in.rootfsPath = ContainerRootfs::rootfsPath(dir);
    in.cgroupsPath = r.cgroupsPath;
    in.namespaces = {sandbox.netnsPath, sandbox.ipcPath, sandbox.utsPath};
    in.podFiles = {sandbox.hostsPath, sandbox.resolvConfPath, sandbox.hostnamePath,
                   sandbox.shmPath};
    for (const auto& m : config.mounts)
      in.volumes.push_back({m.hostPath, m.containerPath, m.readOnly});
    // terminationMessagePath: a file of this container's, mounted there; what the container
    // writes to it becomes the message of its termination (unsafeRecordExit).
    std::string messagePath =
        json::getString(spec, "terminationMessagePath", kDefaultTerminationMessagePath);
    if (!messagePath.empty()) {
      std::string file = dir + "/" + kTerminationLogFile;
      images::writeFileAtomic(file, "", images::FileSync::kNoSync);
      ::chmod(file.c_str(), 0666);  // any user of the container may write it
      in.volumes.push_back({file, messagePath, false});
    }
    in.envFrom = config.envFrom;
    in.valueFrom = config.valueFrom;
    in.serviceEnv = config.serviceEnv;
    bj::object oci;
    try {
      oci = buildOciSpec(in);
    } catch (const SpecError& e) {
      throw ContainerConfigError(e.what());
    }
    writeBundleConfig(dir, oci);
    images::makeDirs(std::filesystem::path(r.logPath).parent_path().string());
  } catch (const std::exception& e) {
    try {
      ContainerRootfs::remove(dir);
      images::removeTree(dir);
    } catch (...) {
    }
    if (dynamic_cast<const RuntimeError*>(&e)) throw;
    throw RuntimeError("create container " + config.name + ": " + e.what());
  }
  std::lock_guard lock(mutex_);
  containers_[r.id] = r;
  return statusId(r.id);
}

void CrunRuntime::startContainer(const std::string& containerId) {
  std::string id = recordId(containerId);
  std::string logPath;
  ContainerIo io;
  {
    std::lock_guard lock(mutex_);
    auto c = containers_.find(id);
    if (c == containers_.end()) throw RuntimeError("container " + containerId + " not found");
    if (c->second.state != ContainerState::Created || starting_.count(id)) return;
    starting_.insert(id);  // a second start returns; stop and remove wait for this one
    logPath = c->second.logPath;
    io = {c->second.stdin, c->second.stdinOnce, c->second.tty};
  }
  ContainerProcess process;
  std::string error;
  try {
    process = runner_.run(id, records_.containerDir(id), logPath, io);
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::unique_lock lock(mutex_);
  starting_.erase(id);
  exited_.notify_all();
  auto c = containers_.find(id);
  ContainerRecord& r = c->second;  // there: removeContainer waits for starts
  if (!error.empty()) {
    r.state = ContainerState::Exited;
    r.finishedAt = std::chrono::system_clock::now();
    r.exitCode = kStartErrorExitCode;
    r.reason = "StartError";
    r.message = error;
    records_.save(r);
    throw RuntimeError(error);
  }
  r.state = ContainerState::Running;
  r.startedAt = std::chrono::system_clock::now();
  r.pid = process.pid;
  r.pidStartTime = processStartTime(process.pid);
  records_.save(r);
  Process p;
  p.process = std::move(process);
  if (!p.process.pidfd) throw RuntimeError("container " + id + ": no pidfd for its process");
  watcher_->watch(id, p.process.pidfd.get());
  processes_.emplace(id, std::move(p));
}

void CrunRuntime::stopContainer(const std::string& containerId, std::chrono::seconds grace) {
  std::string id = recordId(containerId);
  std::string sandboxId, podUid;
  {
    std::unique_lock lock(mutex_);
    exited_.wait(lock, [&] { return !starting_.count(id); });
    auto c = containers_.find(id);
    if (c == containers_.end() || c->second.state == ContainerState::Exited) return;
    auto p = processes_.find(id);
    if (p == processes_.end()) {
      // Never started: it just ends.
      unsafeRecordExit(c->second, 0, true, false);
      sandboxId = c->second.sandboxId;
      if (auto s = sandboxes_.find(sandboxId); s != sandboxes_.end()) podUid = s->second.podUid;
    } else if (grace.count() <= 0) {
      runner_.signal(p->second.process, SIGKILL);
      p->second.killed = true;
      return;
    } else {
      runner_.signal(p->second.process, SIGTERM);
      watcher_->setDeadline(id, std::chrono::steady_clock::now() + grace);
      return;
    }
  }
  notify(sandboxId, podUid);
}

void CrunRuntime::removeContainer(const std::string& containerId) {
  std::string id = recordId(containerId);
  ContainerRecord r;
  {
    std::unique_lock lock(mutex_);
    exited_.wait(lock, [&] { return !starting_.count(id); });
    if (!containers_.count(id)) return;
    killRunning(lock, {id});
    auto c = containers_.find(id);
    if (c == containers_.end()) return;
    r = std::move(c->second);
    containers_.erase(c);
  }
  watcher_->unwatch(id);
  runner_.remove(id, r.cgroupsPath);
  std::string dir = records_.containerDir(id);
  ContainerRootfs::remove(dir);
  images::removeTree(dir);
  ::unlink(r.logPath.c_str());
  ::rmdir(std::filesystem::path(r.logPath).parent_path().c_str());  // when it was the last
}

ExecResult CrunRuntime::execSync(const std::string& containerId,
                                 const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout) {
  ExecTarget target = execTargetOf(containerId);
  target.pidFile = records_.containerDir(target.containerId) + "/exec-" + newId() + ".pid";
  return execInContainer(target, argv, timeout);
}

ExecTarget CrunRuntime::execTargetOf(const std::string& containerId) {
  ExecTarget target;
  target.crunPath = runner_.crunPath();
  target.stateRoot = runner_.options().stateRoot;
  target.hybridCgroups = runner_.hybridCgroups();
  target.containerId = recordId(containerId);
  {
    std::lock_guard lock(mutex_);
    if (!processes_.count(target.containerId)) {
      throw RuntimeError("container " + containerId + " is not running");
    }
  }
  // As the container's process (exec_sync.h): its bundle's whole process object.
  std::string dir = records_.containerDir(target.containerId);
  try {
    bj::value config = json::parse(images::readFile(dir + "/config.json"));
    const auto* process = json::getObject(config.as_object(), "process");
    if (!process) throw std::runtime_error("no process");
    target.process = *process;
  } catch (const std::exception& e) {
    throw RuntimeError("exec in " + containerId + ": its bundle: " + e.what());
  }
  target.processFile = dir + "/exec-" + newId() + ".json";
  return target;
}

std::vector<ContainerStatus> CrunRuntime::listContainers(const std::string& sandboxId) {
  std::lock_guard lock(mutex_);
  std::vector<ContainerStatus> out;
  for (const auto& [id, r] : containers_) {
    if (r.sandboxId == sandboxId) out.push_back(statusOf(r));
  }
  return out;
}

std::set<std::string> CrunRuntime::layersInUse() {
  std::set<std::string> refs;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, r] : containers_) refs.insert(r.imageRef);
  }
  std::set<std::string> out;
  for (const auto& image : images_->list()) {
    if (!refs.count(image.id)) continue;
    for (const auto& d : image.diffIds()) out.insert(d);
  }
  return out;
}

}  // namespace cube::runtime::crun
