#pragma once
// Runtime: the container runtime the node agent drives, one per node. A pod is a sandbox (its
// network/UTS/IPC namespaces; the IP the agent allocated) holding containers; each container
// start is a new instance (`attempt` 0, 1, 2, ...) so restarts keep the previous instance's exit
// as `lastState` and the restart count lives in the runtime (which also survives an agent
// restart for a runtime that keeps state on disk).
//
// The agent decides (restart policy, back-off, deletion); the runtime only does. Calls return
// quickly: stopContainer asks for a stop and the exit arrives later, reported through the event
// handler like any other change a container makes by itself (starting, exiting). Implementations:
// fake/ (no processes, for hollow nodes) and crun/ (real containers, issue #4).
//
// Failures throw RuntimeError; every method is safe to call from any thread.

#include "common/clock.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::json {
class object;
}

namespace cube::runtime {

struct SandboxConfig {
  std::string podUid;
  std::string podNamespace;
  std::string podName;
  std::string hostname;
  std::string ip;  // allocated by the agent from the node's pod CIDR
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // The pod (metadata and spec) when the agent has it. A runtime with real containers reads
  // hostNetwork, hostIPC, dnsPolicy, dnsConfig, hostAliases, subdomain and the containers'
  // hostPorts from it; nullptr means a pod with only the fields above.
  std::shared_ptr<const boost::json::object> pod;
};

enum class SandboxState { Ready, NotReady };

struct SandboxStatus {
  std::string id;
  std::string podUid;
  SandboxState state = SandboxState::Ready;
  std::string ip;
  TimePoint createdAt;
};

// A host path bind-mounted into a container (a volume the agent prepared).
struct ContainerMount {
  std::string hostPath;
  std::string containerPath;
  bool readOnly = false;
};

struct ContainerConfig {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // literal values only
  std::string workingDir;
  uint32_t attempt = 0;  // 0 for the first start, +1 per restart

  // The container's entry of spec.containers/initContainers when the agent has it (resources,
  // securityContext, tty, env with valueFrom...); it then replaces the literal fields above,
  // which are what a runtime uses without it.
  std::shared_ptr<const boost::json::object> spec;
  // Resolved by the agent: envFrom variables in order (prefix applied), the values of env
  // entries with valueFrom (by name), and the service variables.
  std::vector<std::pair<std::string, std::string>> envFrom;
  std::map<std::string, std::string> valueFrom;
  std::vector<std::pair<std::string, std::string>> serviceEnv;
  std::vector<ContainerMount> mounts;
  std::string logPath;  // stdout and stderr; empty: the runtime chooses
};

enum class ContainerState {
  Created,  // created, or started but not yet running (pulling, starting)
  Running,
  Exited,
};

struct ContainerStatus {
  std::string id;  // with the runtime's scheme: "fake://...", "crun://..."
  std::string name;
  uint32_t attempt = 0;
  ContainerState state = ContainerState::Created;
  std::string image;
  std::string imageId;
  TimePoint createdAt;
  std::optional<TimePoint> startedAt;
  std::optional<TimePoint> finishedAt;
  int exitCode = 0;
  std::string reason;  // for Exited: Completed, Error, OOMKilled, ...
  std::string message;
  std::string logPath;  // where the container's output goes; empty when it has none
};

// The end of a command run in a container (execSync): exec probes and lifecycle hooks.
struct ExecResult {
  int exitCode = 0;    // the command's, or 128 + signal
  std::string output;  // stdout and stderr interleaved, at most kExecOutputCap bytes
  bool timedOut = false;
};
inline constexpr size_t kExecOutputCap = 16 * 1024;

// Something in a sandbox changed by itself: read its containers again.
struct RuntimeEvent {
  std::string sandboxId;
  std::string podUid;
};
using EventHandler = std::function<void(const RuntimeEvent&)>;

class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// createContainer: the image is not on the node (the agent's ErrImagePull).
class ImageNotFoundError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

// createContainer: the spec cannot make a container (no command, unknown user, runAsNonRoot as
// root, invalid quantity: the agent's CreateContainerConfigError).
class ContainerConfigError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

class Runtime {
 public:
  virtual ~Runtime() = default;

  // For the Node's nodeInfo.containerRuntimeVersion, e.g. "fake://0.1.0".
  virtual std::string version() const = 0;
  // Set once, before the first sandbox runs. Called from runtime threads, never under its locks.
  virtual void setEventHandler(EventHandler handler) = 0;

  virtual std::string runSandbox(const SandboxConfig& config) = 0;
  // Kills what still runs in the sandbox (no grace) and releases its resources; idempotent.
  virtual void stopSandbox(const std::string& sandboxId) = 0;
  // Removes the sandbox and its containers; unknown ids are fine.
  virtual void removeSandbox(const std::string& sandboxId) = 0;
  virtual std::vector<SandboxStatus> listSandboxes() = 0;

  virtual std::string createContainer(const std::string& sandboxId,
                                      const ContainerConfig& config) = 0;
  virtual void startContainer(const std::string& containerId) = 0;
  // Asks the container to terminate (SIGTERM) and kills it when `grace` has passed. Returns at
  // once; the exit is reported by an event. Stopping an exited container does nothing.
  virtual void stopContainer(const std::string& containerId, std::chrono::seconds grace) = 0;
  virtual void removeContainer(const std::string& containerId) = 0;
  // Runs `argv` in the running container (its user, environment and working dir) and waits for
  // it; after `timeout` the exec is killed and the result says timedOut. Throws when the
  // container is not running.
  virtual ExecResult execSync(const std::string& containerId, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout) = 0;
  // Every container instance the sandbox holds (current and kept previous attempts).
  virtual std::vector<ContainerStatus> listContainers(const std::string& sandboxId) = 0;

  // --- Streams: kubectl exec (agent/streaming). A runtime without them throws RuntimeError
  // saying so (the fake runtime's hollow containers run nothing).

  struct ExecOptions {
    std::vector<std::string> command;
    bool stdin = false;              // a pipe (or the terminal) the caller writes
    bool tty = false;                // one pseudo-terminal for stdin, stdout and stderr
    uint16_t width = 0, height = 0;  // the terminal's size from the start (0: unknown)
  };
  // A command running in a container. The fds belong to it; -1 where there is no such stream
  // (stderr with a tty). Reading stdout/stderr ends (0, or EIO from a terminal) when the command
  // and what it started have closed them.
  class ExecProcess {
   public:
    virtual ~ExecProcess() = default;
    virtual int stdinFd() const = 0;
    virtual int stdoutFd() const = 0;
    virtual int stderrFd() const = 0;
    // No more input: closes stdin (a terminal gets its end-of-file character).
    virtual void closeStdin() = 0;
    virtual void resize(uint16_t width, uint16_t height) = 0;
    // Waits for the command's end: its exit code, or 128 + signal.
    virtual int wait() = 0;
    // Kills the command (the caller went away).
    virtual void kill() = 0;
  };
  virtual std::unique_ptr<ExecProcess> startExec(const std::string& containerId,
                                                 const ExecOptions& options) {
    (void)containerId;
    (void)options;
    throw RuntimeError("exec is not supported by the " + version() + " runtime");
  }
  // --- kubectl attach: the container's own stdin (when its spec says `stdin: true`) and its
  // output from now on. Whether there is a terminal is the container's (its spec's `tty`), not
  // the caller's.
  struct AttachOptions {
    bool stdin = false;  // this session writes the container's stdin
    bool stdout = false, stderr = false;
  };
  // One attach session. Output pieces arrive in the order the container wrote them; several
  // sessions of one container all get them, and any may write stdin.
  class AttachSession {
   public:
    virtual ~AttachSession() = default;
    // The next piece of output: 1 stdout, 2 stderr (a terminal's output is stdout). False when
    // the session has ended: the container's output ended, or its stdin did (below), or
    // shutdown() was called.
    virtual bool read(uint8_t* stream, std::string* data) = 0;
    // Input for the container; false when it takes none (no `stdin: true`, or closed).
    virtual bool writeStdin(std::string_view data) = 0;
    // This session's input has ended. With `stdinOnce` (and no tty) the container's stdin
    // closes, so it reads end of file; otherwise this session ends (the kubelet's rule).
    virtual void closeStdin() = 0;
    virtual void resize(uint16_t width, uint16_t height) = 0;
    // The caller went away: read() returns false, from any thread.
    virtual void shutdown() = 0;
  };
  virtual std::unique_ptr<AttachSession> attach(const std::string& containerId,
                                                const AttachOptions& options) {
    (void)containerId;
    (void)options;
    throw RuntimeError("attach is not supported by the " + version() + " runtime");
  }

  // kubectl port-forward dials the pod's ports from its network namespace: the path of the
  // sandbox's one (a file setns() takes), or "" for the host's (hostNetwork) or none.
  virtual std::string sandboxNetworkNamespace(const std::string& sandboxId) {
    (void)sandboxId;
    return "";
  }
};

using RuntimePtr = std::shared_ptr<Runtime>;

}  // namespace cube::runtime
