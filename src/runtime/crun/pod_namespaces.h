#pragma once
// What a pod's containers share besides the network, kept without a pause process: the IPC and
// UTS namespaces as bind-mounted namespace files (a short-lived thread unshares them, sets the
// pod's hostname in the UTS one and bind-mounts /proc/thread-self/ns/{ipc,uts}; the mount keeps
// the namespace alive with no process in it), and /dev/shm as a tmpfs of the pod's.
//
//   <dir>/ipc   IPC namespace file (absent for a hostIPC pod)
//   <dir>/uts   UTS namespace file (absent for a hostNetwork pod: it keeps the node's name)
//   <dir>/shm   the pod's /dev/shm (a 64 MiB tmpfs; absent for a hostIPC pod)
//
// Mounts are made in the calling process's mount namespace (the one crun runs in). Throws
// RuntimeError.

#include <string>

namespace cube::runtime::crun {

struct PodNamespacePaths {
  std::string ipc;  // empty: none made
  std::string uts;
  std::string shm;
};

// Creates what is asked for under `dir` (created too); what exists already is kept. A failure
// removes what this call made.
PodNamespacePaths createPodNamespaces(const std::string& dir, bool ipc, bool uts,
                                      const std::string& hostname);
// Unmounts and deletes <dir>/{ipc,uts,shm}; what is missing is fine.
void removePodNamespaces(const std::string& dir);

}  // namespace cube::runtime::crun
