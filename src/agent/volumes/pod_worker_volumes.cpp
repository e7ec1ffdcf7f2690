// The PodWorker's side of volumes: set them up before the pod's sandbox and containers start
// (retrying with a back-off, a FailedMount event per failure), give each container its mounts,
// evict the pod whose emptyDir outgrows its sizeLimit, remove them all when the pod is torn
// down. The work itself is VolumeManager's.

#include "agent/pod_worker.h"
#include "agent/volumes/empty_dir_limits.h"
#include "agent/volumes/volume_manager.h"
#include "common/log.h"

#include <algorithm>

namespace cube::agent {

namespace bj = boost::json;

namespace {

// The back-off between set-up attempts of a pod whose volumes fail: 0.5 s doubling to 32 s (the
// kubelet retries a failed mount from 0.5 s up to about 2 min).
constexpr std::chrono::milliseconds kMountRetryBase{500};
constexpr std::chrono::milliseconds kMountRetryMax{32000};
// How often the files of configMap, secret, downwardAPI and projected volumes are written again
// from the API while the pod runs (the kubelet's resync is about a minute; it watches the
// objects, cube reads them).
constexpr std::chrono::milliseconds kVolumeRefreshInterval{10000};
// How often emptyDir usage is measured against sizeLimit: the kubelet's eviction manager looks
// every 10 s (its housekeeping interval), at stats its fsStats gathered by a `du`.
constexpr std::chrono::milliseconds kLocalStorageCheckInterval{10000};

}  // namespace

std::vector<volumes::VolumeSetupError> PodWorker::setUpVolumes(const PodPtr& pod) {
  if (!volumes_) volumes_ = std::make_shared<volumes::VolumeManager>(deps_.config->podsDir);
  EnvContext context;
  context.hostIP = deps_.config->internalIP;
  context.podIP = podIP_;
  context.nodeCpu = deps_.config->cpu;
  context.nodeMemory = deps_.config->allocatableMemory.empty() ? deps_.config->memory
                                                               : deps_.config->allocatableMemory;
  auto failures = volumes_->setUp(
      *pod, context,
      [this](const std::string& resource, const std::string& ns, const std::string& name) {
        return lookupEnvObject(resource, ns, name);
      });
  for (const auto& f : failures) {
    if (!deps_.recorder) break;
    // On the pod itself, as the kubelet's volume manager reports it.
    deps_.recorder->event(client::ObjectReference::of(*pod, "v1", "Pod"), "Warning", "FailedMount",
                          f.eventMessage());
  }
  return failures;
}

bool PodWorker::volumesReady(const PodPtr& pod, TimePoint now) {
  if (volumesReady_) return true;
  if (deps_.config->podsDir.empty()) return volumesReady_ = true;  // hollow nodes mount nothing
  if (now < mountRetryAt_) return false;  // the wake-up for it is scheduled
  if (setUpVolumes(pod).empty()) {
    mountFailures_ = 0;
    volumesRefreshAt_ = now + kVolumeRefreshInterval;
    if (volumes::hasApiVolumes(*pod)) wakeAt(volumesRefreshAt_);
    return volumesReady_ = true;
  }
  auto backoff = kMountRetryBase;
  for (uint32_t i = 0; i < mountFailures_ && backoff < kMountRetryMax; ++i) backoff *= 2;
  backoff = std::min(backoff, kMountRetryMax);
  ++mountFailures_;
  mountRetryAt_ = now + backoff;
  wakeAt(mountRetryAt_);
  return false;
}

void PodWorker::refreshVolumes(const PodPtr& pod, TimePoint now) {
  if (!volumesReady_ || !volumes_ || now < volumesRefreshAt_) return;
  if (!volumes::hasApiVolumes(*pod)) return;
  volumesRefreshAt_ = now + kVolumeRefreshInterval;
  wakeAt(volumesRefreshAt_);
  try {
    // A failure keeps the files the containers have (and says so with FailedMount).
    setUpVolumes(pod);
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "pod " << uid_ << ": refreshing volumes: " << e.what();
  }
}

std::vector<runtime::ContainerMount> PodWorker::volumeMounts(const bj::object& pod,
                                                             const bj::object& containerSpec,
                                                             const runtime::ContainerConfig& c) {
  if (!volumes_) return {};
  // The container's variables for subPathExpr: envFrom, then env (valueFrom resolved).
  std::map<std::string, std::string> vars(c.envFrom.begin(), c.envFrom.end());
  for (const auto& [k, v] : c.env) vars[k] = v;
  for (const auto& [k, v] : c.valueFrom) vars[k] = v;
  return volumes_->mountsFor(pod, containerSpec, [&vars](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : &it->second;
  });
}

bool PodWorker::evictIfOverLimits(const PodPtr& pod, TimePoint now) {
  if (!evictionMessage_.empty() || !volumesReady_ || deps_.config->podsDir.empty()) return false;
  if (now < localStorageCheckAt_ || !volumes::hasEmptyDirSizeLimits(*pod)) return false;
  localStorageCheckAt_ = now + kLocalStorageCheckInterval;
  wakeAt(localStorageCheckAt_);
  auto message = volumes::emptyDirOverLimit(*pod, deps_.config->podsDir, volumes::diskUsageBytes);
  if (!message) return false;
  evictionMessage_ = *message;
  CUBE_LOG(Info) << "pod " << uid_ << ": evicted: " << evictionMessage_;
  if (deps_.recorder) {
    deps_.recorder->event(client::ObjectReference::of(*pod, "v1", "Pod"), "Warning", "Evicted",
                          evictionMessage_);
  }
  return true;
}

void PodWorker::tearDownVolumes() {
  if (deps_.config->podsDir.empty()) return;
  // From the disk, not from memory: an agent restarted since the set-up knows only the uid.
  if (!volumes_) volumes_ = std::make_shared<volumes::VolumeManager>(deps_.config->podsDir);
  volumes_->tearDown(uid_);
  volumesReady_ = false;
}

}  // namespace cube::agent
