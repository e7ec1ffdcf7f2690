#pragma once
// PodWorker: drives one pod (one uid) on this node through the runtime and reports its status,
// level-triggered: every sync compares the pod from the API with what the runtime holds and does
// the next step — run the sandbox, create/start containers, restart exited ones per
// restartPolicy with crash-loop back-off, write status through pods/status, and on deletion stop
// the containers within the grace period, then confirm with a delete of grace 0 (uid
// precondition). Pods that vanish from the API are stopped locally.
//
// Syncs run on the shared executor, never two at once for one pod (a dirty flag re-runs a sync
// asked for while one is running, as the work queue does), so the fields marked "sync-only" need
// no lock.

#include "agent/executor.h"
#include "agent/node_config.h"
#include "agent/pod_ip_allocator.h"
#include "client/api_client.h"
#include "client/event_recorder.h"
#include "runtime/runtime.h"

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace cube::agent {

struct ContainerView;
namespace probes {
class ProbeManager;
struct ProbeResult;
}  // namespace probes

namespace volumes {
class VolumeManager;
class VolumeSetupError;
}  // namespace volumes

using PodPtr = std::shared_ptr<const boost::json::object>;

struct PodWorkerDeps {
  ExecutorPtr executor;
  runtime::RuntimePtr runtime;
  client::ApiClientPtr client;
  std::shared_ptr<PodIpAllocator> ips;
  std::shared_ptr<const NodeConfig> config;
  // The kubelet's events on the pod (Pulled, Created, Started, Killing, BackOff); may be null.
  client::EventRecorderPtr recorder;
  // The mirror pod of this name in the API (null: none, or no static pods on this node). A
  // static pod's status goes there.
  std::function<PodPtr(const std::string& ns, const std::string& name)> mirrorPod;
};

class PodWorker : public std::enable_shared_from_this<PodWorker> {
 public:
  PodWorker(PodWorkerDeps deps, PodPtr pod);

  // The newest object from the API; schedules a sync.
  void update(PodPtr pod);
  // The pod is gone from the API: stop it locally; schedules a sync.
  void markGone();
  void requestSync();
  // Torn down (containers stopped and removed, deletion confirmed): nothing more to do.
  bool finished() const;
  const std::string& uid() const { return uid_; }

 private:
  void runSync();
  void sync();
  void syncAlive(const PodPtr& podPtr);
  // Takes over the runtime's sandboxes of this pod (after an agent restart): a Ready one keeps
  // running with its containers; the others are removed (unless `keepAny`: a finished pod's
  // sandbox stays, with its containers and logs, until the pod is deleted).
  void adoptSandboxes(bool keepAny);
  void teardown(const boost::json::object& pod, bool gone);
  // Writes the status through pods/status — for a static pod, to its mirror pod (skipped while
  // there is none), and kept as the pod's own, since the API never echoes it back.
  void writeStatus(const boost::json::object& pod, boost::json::object status);
  // A static pod first seen (after an agent restart) takes its mirror's status as its last one.
  PodPtr withMirrorStatus(PodPtr pod);
  void wakeAt(TimePoint when);
  // Creates and starts one instance of a container, with the kubelet's events.
  void startContainer(const PodPtr& pod, const boost::json::object& containerSpec,
                      uint32_t attempt);
  // startContainer unless the container waits (image back-off, config error retry); a failure
  // to create it becomes the container's waiting reason. Returns whether it started.
  bool tryStartContainer(const PodPtr& pod, const boost::json::object& containerSpec,
                         uint32_t attempt, TimePoint now);
  // A ConfigMap or Secret for the container's environment; nullopt when it does not exist.
  std::optional<boost::json::object> lookupEnvObject(const std::string& resource,
                                                     const std::string& ns,
                                                     const std::string& name);
  void recordContainerEvent(const boost::json::object& pod, const std::string& container,
                            const std::string& type, const std::string& reason,
                            const std::string& message);
  // An event on the pod itself (no container field path).
  void recordPodEvent(const boost::json::object& pod, const std::string& type,
                      const std::string& reason, const std::string& message);

  // Probes, hooks, init containers, termination messages: probes/pod_worker_lifecycle.cpp.
  // Init containers in order, as the kubelet: `syncContainer` for the first one that has not
  // completed (a regular one) or started (a sidecar: running, its startup probe passed); the
  // sidecars before it are kept running. True when all are done (the app containers may run).
  bool syncInitContainers(const boost::json::object& spec,
                          std::map<std::string, ContainerView>& views,
                          const std::function<void(const boost::json::object&)>& syncContainer);
  // A sidecar counts as started: running, and its startup probe (if any) has passed.
  bool sidecarStarted(const boost::json::object& containerSpec, const ContainerView& view) const;
  // Probes the running containers and sidecars (their started/ready into `views`); kills those
  // a liveness or startup probe failed.
  void syncProbes(const PodPtr& pod, std::map<std::string, ContainerView>& views);
  // terminationMessagePolicy FallbackToLogsOnError: the log's end for a failed container's
  // empty message.
  void addTerminationMessages(const boost::json::object& spec,
                              std::map<std::string, ContainerView>& views);
  // lifecycle.postStart of a container just started; a failure kills it.
  void runPostStart(const PodPtr& pod, const boost::json::object& containerSpec,
                    const std::string& containerId);
  // Stops a container, after its preStop hook (run on the probe pool) when `preStop`.
  // Stops a running container whose spec has another image now (restarted once it has ended).
  void restartIfDefinitionChanged(const boost::json::object& pod, const boost::json::object& cspec,
                                  const runtime::ContainerStatus& container);
  void stopContainer(const boost::json::object& pod, const runtime::ContainerStatus& container,
                     std::chrono::seconds grace, bool preStop);
  // A probe's failure, errored run or warning: the kubelet's Unhealthy / ProbeWarning event.
  void probeReported(const std::string& container, int probeType,
                     const probes::ProbeResult& result);

  // Stopping containers in the kubelet's order: probes/pod_worker_termination.cpp. The app
  // containers at once (preStop first); each sidecar's preStop at once too, but its stop waits
  // until the app containers and the sidecars after it have exited, or the grace has run out,
  // and gets what is left of the grace (at least 2 s). True when nothing runs any more.
  bool stopContainersInOrder(const boost::json::object& pod, std::chrono::seconds grace);
  // A sidecar's preStop hook on the probe pool, its stop left to stopContainersInOrder.
  void runSidecarPreStop(const boost::json::object& pod, const runtime::ContainerStatus& container,
                         std::chrono::seconds grace);
  bool preStopDone(const std::string& containerId) const;

  // Volumes: volumes/pod_worker_volumes.cpp. Sets the pod's volumes up (FailedMount events and
  // a retry while one fails); true when containers may start.
  bool volumesReady(const PodPtr& pod, TimePoint now);
  // Writes the API-backed volume files again now and then while the pod runs (updates).
  void refreshVolumes(const PodPtr& pod, TimePoint now);
  std::vector<volumes::VolumeSetupError> setUpVolumes(const PodPtr& pod);
  // The container's volumeMounts as host paths; throws runtime::ContainerConfigError.
  std::vector<runtime::ContainerMount> volumeMounts(const boost::json::object& pod,
                                                    const boost::json::object& containerSpec,
                                                    const runtime::ContainerConfig& config);
  // Unmounts and removes the pod's volumes (after its containers are gone).
  void tearDownVolumes();
  // The eviction manager's local storage check, every 10 s for a pod with an emptyDir sizeLimit
  // on disk: when one is over, an Evicted event and evictionMessage_ set; the sync then stops
  // the containers (in the kubelet's order, with kEvictionGrace) and restarts none, and the pod
  // becomes Failed/Evicted. True when it evicted the pod now.
  bool evictIfOverLimits(const PodPtr& pod, TimePoint now);
  // The grace the kubelet gives the containers of a pod evicted for local storage.
  static constexpr std::chrono::seconds kEvictionGrace{1};

  PodWorkerDeps deps_;
  const std::string uid_;

  mutable std::mutex mutex_;  // guards pod_, gone_, queued_, running_, dirty_, finished_,
                              // preStopsDone_
  PodPtr pod_;
  bool gone_ = false;
  bool queued_ = false;   // a runSync is posted
  bool running_ = false;  // a runSync is running
  bool dirty_ = false;    // asked for again while running
  bool finished_ = false;
  std::set<std::string> preStopsDone_;  // sidecars (by container id) whose preStop has returned
  // Containers (by id) stopped because their image changed: started again once ended.
  std::set<std::string> definitionChanged_;

  // Sync-only state.
  std::string sandboxId_;
  std::string podIP_;
  TimePoint startTime_;
  // The containers being stopped (deletion, or a finished pod's sidecars).
  struct Termination {
    TimePoint began;
    std::chrono::seconds grace{0};
    bool preStop = true;              // hooks run with the first stop only
    std::set<std::string> announced;  // container ids with their Killing event (and preStop)
    std::set<std::string> stopped;    // container ids asked to stop
  };
  std::optional<Termination> termination_;
  bool terminal_ = false;            // reached Succeeded/Failed: containers stay down
  boost::json::object lastWritten_;  // the status last written, to skip identical writes
  std::string writtenTo_;            // the uid of the mirror pod it went to (static pods)
  std::chrono::milliseconds retry_{0};
  std::shared_ptr<volumes::VolumeManager> volumes_;  // made at the first set-up or teardown
  bool volumesReady_ = false;
  TimePoint mountRetryAt_;
  uint32_t mountFailures_ = 0;
  TimePoint volumesRefreshAt_;
  TimePoint localStorageCheckAt_;  // the next emptyDir usage measurement
  std::string evictionMessage_;    // set once the pod is evicted

  // A container that could not be created: why (ErrImagePull, ImagePullBackOff,
  // ErrImageNeverPull, CreateContainerConfigError) and when to try again. Sync-only.
  struct Waiting {
    std::string reason;
    std::string message;
    std::string image;
    TimePoint retryAt;
    uint32_t pullFailures = 0;  // for the image pull back-off
  };
  std::map<std::string, Waiting> waiting_;          // by container name
  std::shared_ptr<probes::ProbeManager> probes_;    // made when a container has probes
  std::map<std::string, std::string> logMessages_;  // FallbackToLogsOnError, by container id
};

}  // namespace cube::agent
