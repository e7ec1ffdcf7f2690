#pragma once
// The OCI runtime config (`config.json` of a bundle) for one container of a pod, built as
// Kubernetes (kubelet + containerd's CRI plugin) would build it. A pure function: everything it
// needs is passed in, nothing is read but the container root's /etc/passwd and /etc/group when
// a user or group is given by name.
//
// Rules (the Kubernetes behaviours, matched exactly):
//  - process args: `command` replaces the image ENTRYPOINT and then the image CMD is ignored;
//    `args` alone replaces CMD; neither means ENTRYPOINT + CMD. Nothing at all is an error.
//  - env: PATH (default), HOSTNAME, TERM=xterm for a tty, then the image's Env, then the
//    container's (envFrom first, then env); a later name replaces an earlier one in place.
//    `$(VAR)` in an env value sees the container variables defined before it and the service
//    variables; in command and args it sees the final container variables (not the image's).
//  - cwd: the container's workingDir, else the image's, else "/".
//  - user: runAsUser/runAsGroup (container's securityContext, else the pod's), else the image
//    User ("uid", "uid:gid", "name", "name:group"; names looked up in the rootfs); the gid of a
//    uid comes from the rootfs /etc/passwd (0 when absent); the gid itself, supplementalGroups,
//    fsGroup and the user's /etc/group memberships (not with supplementalGroupsPolicy Strict)
//    become additional gids, as containerd sets them. runAsNonRoot with uid 0 is an error.
//  - capabilities: the container runtimes' default set, minus `drop`, plus `add` ("ALL" works in
//    both); privileged gives every capability, no masked or read-only paths, /sys read-write
//    and every device allowed.
//  - resources: limits.memory → memory.limit; limits.cpu → quota over a 100000 µs period
//    (at least 1000 µs); requests.cpu → shares (max(2, milli*1024/1000), at most 262144; the
//    limit when there is no request, 2 when there is neither); pidsLimit when given.

#include "runtime/images/image_record.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cube::runtime::crun {

// The pod sandbox's namespaces, as paths (/proc/<pid>/ns/net or a bind-mounted ns file). An
// empty path means a new namespace for the container; a pod with hostNetwork/hostIPC/hostPID
// uses the host's instead (its spec says so; the paths are then ignored).
struct SandboxNamespaces {
  std::string network;
  std::string ipc;
  std::string uts;
};

// Files the pod shares with its containers (bind-mounted when not empty).
struct PodFiles {
  std::string hosts;       // → /etc/hosts
  std::string resolvConf;  // → /etc/resolv.conf
  std::string hostname;    // → /etc/hostname
  std::string shm;         // → /dev/shm (the sandbox's); a private tmpfs when empty
};

struct VolumeMount {
  std::string source;  // host path
  std::string containerPath;
  bool readOnly = false;
};

struct OciSpecInput {
  const boost::json::object* pod = nullptr;        // metadata and spec
  const boost::json::object* container = nullptr;  // one entry of spec.containers
  images::ImageConfig image;
  std::string rootfsPath;
  std::string cgroupsPath;  // linux.cgroupsPath, e.g. /cube/pod<uid>/<id>
  SandboxNamespaces namespaces;
  PodFiles podFiles;
  std::vector<VolumeMount> volumes;
  // Resolved by the caller: envFrom variables in order (prefix applied), the values of env
  // entries with valueFrom (by name; an entry with no resolved value is left out), and the
  // service variables ($(VAR) sees them; they are added unless the container defines them).
  std::vector<std::pair<std::string, std::string>> envFrom;
  std::map<std::string, std::string> valueFrom;
  std::vector<std::pair<std::string, std::string>> serviceEnv;
  std::optional<int64_t> pidsLimit;
};

// Input that cannot make a container (Kubernetes' CreateContainerConfigError / CreateContainer
// errors): no command, unknown user name, runAsNonRoot as root, invalid quantity.
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The default capabilities of container runtimes (containerd, CRI-O, Docker), CAP_ names.
const std::vector<std::string>& defaultCapabilities();

boost::json::object buildOciSpec(const OciSpecInput& input);

// Exposed for tests: the process args by the command/args rules; the final env list
// ("NAME=value") by the env rules.
std::vector<std::string> processArgs(const OciSpecInput& input);
std::vector<std::string> processEnv(const OciSpecInput& input);

}  // namespace cube::runtime::crun
