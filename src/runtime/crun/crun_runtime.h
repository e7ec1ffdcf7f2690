#pragma once
// CrunRuntime: the Runtime of real containers. A pod sandbox is a network namespace with the
// pod's address (PodNetwork), IPC and UTS namespaces kept as bind-mounted namespace files, a
// /dev/shm and the pod's /etc/hosts, /etc/resolv.conf and /etc/hostname (pod_namespaces.h,
// pod_files.h) — no pause process. A container is an OCI bundle (buildOciSpec over an overlayfs
// root of the image's layers from the ImageStore) run by crun (CrunRunner), joining the
// sandbox's namespaces.
//
// Layout under `root` (e.g. <dataDir>/agent/crun-runtime):
//
//   sandboxes/<id>/sandbox.json             the sandbox's record
//   sandboxes/<id>/{hosts,resolv.conf,hostname}
//   sandboxes/<id>/ns/{ipc,uts,shm}         namespace files, the pod's /dev/shm
//   containers/<id>/container.json          the container's record
//   containers/<id>/{config.json,rootfs/,upper/,work/,init.pid}   its bundle
//   containers/<id>/attach                  its shim's attach socket (container_shim.h)
//   crun/                                   crun's state (--root)
//   pods/<ns>_<name>_<uid>/<container>/<attempt>.log   stdout and stderr (unless the agent
//                                           gives a log path)
//
// Exits: one ExitWatcher thread polls every running container's pidfd. A container started by
// this instance is a child of this process (CrunRunner makes it a subreaper), so its exit code
// is exact. Restart survival: every record is on disk; a new instance over the same root lists
// the same sandboxes and containers, finds running inits by pid and start time, and follows them
// by pidfd. Those are no longer children, so their exit code cannot be read (waitid on the pidfd
// fails); the rule then: OOMKilled (137) when the cgroup says so, 137 (Error) when this runtime
// had sent SIGKILL, else exit code 255 with reason "Unknown" and a message saying why. Nothing
// is restarted and nothing is killed when an instance goes away.
//
// Thread-safe; the event handler is called from the watcher thread, never under the lock.

#include "network/pod_network.h"
#include "runtime/crun/crun_runner.h"
#include "runtime/crun/exec_sync.h"
#include "runtime/crun/exit_watcher.h"
#include "runtime/crun/pod_files.h"
#include "runtime/crun/runtime_records.h"
#include "runtime/images/image_store.h"
#include "runtime/runtime.h"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace cube::runtime::crun {

struct CrunRuntimeOptions {
  std::string root;  // records, bundles, crun state and logs (see above)
  std::string crunPath = "crun";
  std::string cgroupRoot = "/cube";  // containers' cgroups: <cgroupRoot>/pod<uid>/<id>
  ClusterDns dns;
  std::string hostHostsPath = "/etc/hosts";  // for host-network pods
  std::string hostResolvConfPath = "/etc/resolv.conf";
  // How long remove*/stopSandbox wait for a killed container's exit to be recorded.
  std::chrono::milliseconds killWait{10000};
};

class CrunRuntime : public Runtime {
 public:
  // `network` may be null for a node that only runs host-network pods.
  CrunRuntime(CrunRuntimeOptions options, std::shared_ptr<images::ImageStore> images,
              std::shared_ptr<network::PodNetwork> network);
  // Stops following the containers; they keep running (a later instance adopts them).
  ~CrunRuntime() override;

  std::string version() const override { return version_; }
  void setEventHandler(EventHandler handler) override;

  std::string runSandbox(const SandboxConfig& config) override;
  void stopSandbox(const std::string& sandboxId) override;
  void removeSandbox(const std::string& sandboxId) override;
  std::vector<SandboxStatus> listSandboxes() override;

  std::string createContainer(const std::string& sandboxId, const ContainerConfig& config) override;
  void startContainer(const std::string& containerId) override;
  void stopContainer(const std::string& containerId, std::chrono::seconds grace) override;
  void removeContainer(const std::string& containerId) override;
  ExecResult execSync(const std::string& containerId, const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout) override;
  std::vector<ContainerStatus> listContainers(const std::string& sandboxId) override;
  // kubectl exec: `crun exec` with pipes or a terminal (exec_session.cpp).
  std::unique_ptr<ExecProcess> startExec(const std::string& containerId,
                                         const ExecOptions& options) override;
  // kubectl attach: a connection to the container's shim (attach_session.cpp).
  std::unique_ptr<AttachSession> attach(const std::string& containerId,
                                        const AttachOptions& options) override;
  std::string sandboxNetworkNamespace(const std::string& sandboxId) override;

  // The store's diffIDs of layers under containers this runtime holds (ImageStore GC keeps them).
  std::set<std::string> layersInUse();
  const CrunRuntimeOptions& options() const { return options_; }
  // "crun://<id>" for a record id.
  static std::string statusId(const std::string& id) { return "crun://" + id; }

 private:
  // How to exec in a running container as its process runs (its bundle's process object, and a
  // fresh process-file path in its dir); throws RuntimeError when it is not running. execSync and
  // startExec both use it.
  ExecTarget execTargetOf(const std::string& containerId);

  // A running container's init, followed by watcher_.
  struct Process {
    ContainerProcess process;
    bool child = true;    // started by this instance: waitpid works
    bool killed = false;  // SIGKILL sent by this runtime
  };

  void load();
  void adopt(ContainerRecord& r);  // requires mutex_
  void onExit(const std::string& id);
  void onDeadline(const std::string& id);
  // Records the end of container `r` (state, times, exit code, reason) and saves it. Requires
  // mutex_.
  void unsafeRecordExit(ContainerRecord& r, int exitCode, bool known, bool killed);
  // Waits (releasing `lock`) until container `id` is no longer running, up to killWait.
  bool waitExited(std::unique_lock<std::mutex>& lock, const std::string& id);
  void killRunning(std::unique_lock<std::mutex>& lock, const std::vector<std::string>& ids);
  void notify(const std::string& sandboxId, const std::string& podUid);
  std::string podLogDir(const SandboxRecord& s) const;
  void removeSandboxFiles(const SandboxRecord& s);
  void tearDownNetwork(const SandboxRecord& s);

  CrunRuntimeOptions options_;
  std::shared_ptr<images::ImageStore> images_;
  std::shared_ptr<network::PodNetwork> network_;
  RecordStore records_;
  CrunRunner runner_;
  std::string version_;

  std::mutex mutex_;  // guards everything below; taken before the watcher's and runner's locks
  std::condition_variable exited_;  // a container's exit was recorded, or a start finished
  EventHandler handler_;
  std::map<std::string, SandboxRecord> sandboxes_;
  std::map<std::string, ContainerRecord> containers_;
  std::map<std::string, Process> processes_;  // running containers by id
  std::set<std::string> starting_;            // in startContainer (crun create + start)

  // Last: its thread calls back into the members above, and is stopped first on destruction.
  std::unique_ptr<ExitWatcher> watcher_;
};

}  // namespace cube::runtime::crun
