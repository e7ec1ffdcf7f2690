#include "agent/pod_worker.h"

#include "agent/container_env.h"
#include "agent/pod_spec.h"
#include "agent/pod_status.h"
#include "agent/probes/probe_manager.h"
#include "agent/static_pods.h"
#include "common/json_util.h"
#include "common/log.h"

#include <algorithm>

namespace cube::agent {

namespace bj = boost::json;
using runtime::ContainerState;
using runtime::ContainerStatus;

namespace {

const client::Resource kPods{"", "v1", "pods", true};

std::string uidOf(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta ? json::getString(*meta, "uid") : "";
}

std::map<std::string, std::string> stringMap(const bj::object* o) {
  std::map<std::string, std::string> out;
  if (!o) return out;
  for (const auto& [k, v] : *o) {
    if (v.is_string()) out[std::string(k)] = std::string(v.as_string());
  }
  return out;
}

runtime::ContainerConfig containerConfig(const bj::object& spec, uint32_t attempt) {
  runtime::ContainerConfig c;
  c.name = json::getString(spec, "name");
  c.image = json::getString(spec, "image");
  c.workingDir = json::getString(spec, "workingDir");
  c.attempt = attempt;
  for (const char* field : {"command", "args"}) {
    if (const auto* a = json::getArray(spec, field)) {
      auto& out = std::string(field) == "command" ? c.command : c.args;
      for (const auto& v : *a) {
        if (v.is_string()) out.emplace_back(v.as_string());
      }
    }
  }
  if (const auto* env = json::getArray(spec, "env")) {
    for (const auto& v : *env) {
      if (!v.is_object()) continue;
      const auto& e = v.as_object();
      if (!e.contains("valueFrom")) {
        c.env.emplace_back(json::getString(e, "name"), json::getString(e, "value"));
      }
    }
  }
  return c;
}

const std::string kAlways = "Always";

bool shouldRestart(const std::string& policy, int exitCode) {
  if (policy == "Never") return false;
  if (policy == "OnFailure") return exitCode != 0;
  return true;  // Always, the default
}

// Every app container has run and exited for good (restartPolicy Never, or OnFailure after a
// success): the kubelet's "nothing to keep, nothing to start".
bool appContainersFinished(const bj::object& spec,
                           const std::map<std::string, ContainerView>& views,
                           const std::string& policy) {
  const auto* containers = json::getArray(spec, "containers");
  if (!containers || containers->empty() || policy == kAlways) return false;
  for (const auto& cv : *containers) {
    if (!cv.is_object()) continue;
    auto it = views.find(json::getString(cv.as_object(), "name"));
    if (it == views.end() || !it->second.current) return false;
    const ContainerStatus& cur = *it->second.current;
    if (cur.state != ContainerState::Exited || shouldRestart(policy, cur.exitCode)) return false;
  }
  return true;
}

}  // namespace

PodWorker::PodWorker(PodWorkerDeps deps, PodPtr pod)
    : deps_(std::move(deps)), uid_(uidOf(*pod)), pod_(std::move(pod)) {}

void PodWorker::update(PodPtr pod) {
  {
    std::lock_guard lock(mutex_);
    pod_ = std::move(pod);
  }
  requestSync();
}

void PodWorker::markGone() {
  {
    std::lock_guard lock(mutex_);
    gone_ = true;
  }
  requestSync();
}

bool PodWorker::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

void PodWorker::requestSync() {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    if (running_) {
      dirty_ = true;
      return;
    }
    if (queued_) return;
    queued_ = true;
  }
  deps_.executor->post([self = shared_from_this()] { self->runSync(); });
}

void PodWorker::wakeAt(TimePoint when) {
  std::weak_ptr<PodWorker> weak = weak_from_this();
  deps_.executor->postAt(when, [weak] {
    if (auto self = weak.lock()) self->requestSync();
  });
}

void PodWorker::startContainer(const PodPtr& pod, const bj::object& containerSpec,
                               uint32_t attempt) {
  runtime::ContainerConfig config = containerConfig(containerSpec, attempt);
  // A runtime with real containers builds them from the spec and the resolved environment.
  config.spec = std::make_shared<const bj::object>(containerSpec);
  EnvContext context;
  context.hostIP = deps_.config->internalIP;
  context.podIP = podIP_;
  context.nodeCpu = deps_.config->cpu;
  context.nodeMemory = deps_.config->memory;
  ResolvedEnv env = resolveContainerEnv(
      *pod, containerSpec, context,
      [this](const std::string& resource, const std::string& ns, const std::string& name) {
        return lookupEnvObject(resource, ns, name);
      });
  config.envFrom = std::move(env.envFrom);
  config.valueFrom = std::move(env.valueFrom);
  config.mounts = volumeMounts(*pod, containerSpec, config);
  std::string id = deps_.runtime->createContainer(sandboxId_, config);
  // The runtimes have no registry to pull from: an image they found was on the node already,
  // as with imagePullPolicy IfNotPresent.
  recordContainerEvent(*pod, config.name, "Normal", "Pulled",
                       "Container image \"" + config.image + "\" already present on machine");
  recordContainerEvent(*pod, config.name, "Normal", "Created", "Created container: " + config.name);
  deps_.runtime->startContainer(id);
  recordContainerEvent(*pod, config.name, "Normal", "Started", "Started container " + config.name);
  runPostStart(pod, containerSpec, id);
}

std::optional<bj::object> PodWorker::lookupEnvObject(const std::string& resource,
                                                     const std::string& ns,
                                                     const std::string& name) {
  try {
    return deps_.client->get(client::Resource{"", "v1", resource, true}, ns, name);
  } catch (const ApiError& e) {
    if (e.code() == 404) return std::nullopt;
    throw;
  }
}

bool PodWorker::tryStartContainer(const PodPtr& pod, const bj::object& cspec, uint32_t attempt,
                                  TimePoint now) {
  if (!volumesReady(pod, now)) return false;  // the pod waits in ContainerCreating
  const auto& config = *deps_.config;
  std::string name = json::getString(cspec, "name");
  std::string image = json::getString(cspec, "image");
  auto w = waiting_.find(name);
  if (w != waiting_.end() && now < w->second.retryAt) {
    Waiting& wait = w->second;
    if (wait.reason == "ErrImagePull" || wait.reason == "ImagePullBackOff") {
      wait.reason = "ImagePullBackOff";
      wait.message = "Back-off pulling image \"" + wait.image + "\"";
      // Repeated at every sync in back-off; the recorder folds repeats into one Event.
      recordContainerEvent(*pod, name, "Normal", "BackOff", wait.message);
      recordContainerEvent(*pod, name, "Warning", "Failed", "Error: ImagePullBackOff");
    }
    return false;  // the wake-up for retryAt is scheduled
  }
  auto fail = [&](const std::string& reason, const std::string& message, TimePoint retryAt) {
    Waiting& wait = waiting_[name];
    wait.reason = reason;
    wait.message = message;
    wait.image = image;
    wait.retryAt = retryAt;
    wakeAt(retryAt);
  };
  try {
    startContainer(pod, cspec, attempt);
    waiting_.erase(name);
    return true;
  } catch (const runtime::ImageNotFoundError& e) {
    std::string policy = json::getString(cspec, "imagePullPolicy");
    if (policy == "Never") {
      std::string message =
          "Container image \"" + image + "\" is not present with pull policy of Never";
      recordContainerEvent(*pod, name, "Warning", "ErrImageNeverPull", message);
      fail("ErrImageNeverPull", message, now + config.restartBackoffBase);
      return false;
    }
    // The kubelet's image back-off: base, 2*base, ... up to max, per container.
    uint32_t failures = waiting_.count(name) ? waiting_[name].pullFailures + 1 : 1;
    std::chrono::milliseconds backoff = config.restartBackoffBase;
    for (uint32_t i = 1; i < failures && backoff < config.restartBackoffMax; ++i) backoff *= 2;
    backoff = std::min(backoff, config.restartBackoffMax);
    recordContainerEvent(*pod, name, "Warning", "Failed",
                         "Failed to pull image \"" + image + "\": " + e.what());
    recordContainerEvent(*pod, name, "Warning", "Failed", "Error: ErrImagePull");
    fail("ErrImagePull", e.what(), now + backoff);
    waiting_[name].pullFailures = failures;
    // A sync soon after shows ImagePullBackOff, as the kubelet's next sync does.
    wakeAt(now + std::min<std::chrono::milliseconds>(backoff / 2, std::chrono::seconds(1)));
    return false;
  } catch (const runtime::ContainerConfigError& e) {
    recordContainerEvent(*pod, name, "Warning", "Failed", std::string("Error: ") + e.what());
    fail("CreateContainerConfigError", e.what(), now + config.restartBackoffBase);
    return false;
  } catch (const ContainerEnvError& e) {
    recordContainerEvent(*pod, name, "Warning", "Failed", std::string("Error: ") + e.what());
    fail("CreateContainerConfigError", e.what(), now + config.restartBackoffBase);
    return false;
  }
}

void PodWorker::recordContainerEvent(const bj::object& pod, const std::string& container,
                                     const std::string& type, const std::string& reason,
                                     const std::string& message) {
  if (!deps_.recorder) return;
  client::ObjectReference ref = client::ObjectReference::of(pod, "v1", "Pod");
  ref.fieldPath = (isInitContainer(pod, container) ? "spec.initContainers{" : "spec.containers{") +
                  container + "}";
  deps_.recorder->event(ref, type, reason, message);
}

void PodWorker::recordPodEvent(const bj::object& pod, const std::string& type,
                               const std::string& reason, const std::string& message) {
  if (!deps_.recorder) return;
  deps_.recorder->event(client::ObjectReference::of(pod, "v1", "Pod"), type, reason, message);
}

void PodWorker::runSync() {
  {
    std::lock_guard lock(mutex_);
    queued_ = false;
    running_ = true;
  }
  bool failed = false;
  try {
    sync();
    retry_ = std::chrono::milliseconds(0);
  } catch (const std::exception& e) {
    // Level-triggered: the next sync starts over from what the API and runtime say.
    retry_ =
        std::clamp(retry_ * 2, std::chrono::milliseconds(200), std::chrono::milliseconds(10000));
    CUBE_LOG(Warn) << "pod " << uid_ << ": sync failed (retry in " << retry_.count()
                   << " ms): " << e.what();
    failed = true;
  }
  bool again;
  {
    std::lock_guard lock(mutex_);
    running_ = false;
    again = dirty_ && !finished_;
    dirty_ = false;
  }
  if (failed) wakeAt(deps_.executor->now() + retry_);
  if (again) requestSync();
}

void PodWorker::sync() {
  PodPtr pod;
  bool gone;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    pod = pod_;
    gone = gone_;
  }
  if (!gone && isStaticPod(*pod) && !pod->contains("status")) pod = withMirrorStatus(pod);
  const auto* meta = json::getObject(*pod, "metadata");
  bool deleting = meta && !json::getString(*meta, "deletionTimestamp").empty();
  if (gone || deleting) {
    teardown(*pod, gone);
    return;
  }
  syncAlive(pod);
}

void PodWorker::adoptSandboxes(bool keepAny) {
  std::vector<runtime::SandboxStatus> mine;
  for (auto& s : deps_.runtime->listSandboxes()) {
    if (s.podUid == uid_) mine.push_back(std::move(s));
  }
  // Newest first: the one to keep when there are several.
  std::sort(mine.begin(), mine.end(),
            [](const auto& a, const auto& b) { return a.createdAt > b.createdAt; });
  for (const auto& s : mine) {
    if (sandboxId_.empty() && (keepAny || s.state == runtime::SandboxState::Ready)) {
      sandboxId_ = s.id;
      podIP_ = s.ip;
      startTime_ = s.createdAt;
      CUBE_LOG(Info) << "pod " << uid_ << ": adopted sandbox " << s.id;
    } else {
      deps_.runtime->removeSandbox(s.id);
    }
  }
}

void PodWorker::syncAlive(const PodPtr& podPtr) {
  static const bj::object kEmpty;
  const bj::object& pod = *podPtr;
  const auto* metaPtr = json::getObject(pod, "metadata");
  const auto& meta = metaPtr ? *metaPtr : kEmpty;
  const auto* specPtr = json::getObject(pod, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  const auto* statusPtr = json::getObject(pod, "status");
  std::string phase = statusPtr ? json::getString(*statusPtr, "phase") : "";
  auto now = deps_.executor->now();

  if (sandboxId_.empty()) {
    // The runtime may hold this pod from before an agent restart.
    adoptSandboxes(isTerminalPhase(phase));
    // A pod that finished before we knew it (an agent restart) never runs again.
    if (isTerminalPhase(phase)) {
      terminal_ = true;
      return;
    }
  }
  if (startTime_ == TimePoint{}) startTime_ = now;  // the kubelet's: when it first saw the pod
  if (sandboxId_.empty() && !volumesReady(podPtr, now)) {
    // As the kubelet: the volumes first, then the sandbox; one that cannot be mounted holds the
    // pod in ContainerCreating without a sandbox or an IP (FailedMount says why).
    PodRuntimeView waiting;
    waiting.hostIP = deps_.config->internalIP;
    waiting.startTime = startTime_;
    writeStatus(pod, computePodStatus(pod, waiting, now));
    return;
  }
  if (sandboxId_.empty()) {
    // A host-network pod has the node's address, as with the kubelet.
    bool hostNetwork = json::getBool(spec, "hostNetwork");
    auto ip =
        hostNetwork ? std::optional<std::string>(deps_.config->internalIP) : deps_.ips->allocate();
    if (!ip) throw std::runtime_error("no free pod IP in " + deps_.ips->cidr());
    runtime::SandboxConfig config;
    config.podUid = uid_;
    config.podNamespace = json::getString(meta, "namespace");
    config.podName = json::getString(meta, "name");
    config.hostname = json::getString(spec, "hostname", config.podName);
    config.ip = *ip;
    config.labels = stringMap(json::getObject(meta, "labels"));
    config.annotations = stringMap(json::getObject(meta, "annotations"));
    config.pod = podPtr;
    try {
      sandboxId_ = deps_.runtime->runSandbox(config);
    } catch (...) {
      if (!hostNetwork) deps_.ips->release(*ip);
      throw;
    }
    podIP_ = *ip;
    // A runtime with a pod network gives the address itself (the node's IPAM).
    for (const auto& s : deps_.runtime->listSandboxes()) {
      if (s.id == sandboxId_ && !s.ip.empty() && s.ip != podIP_) {
        deps_.ips->release(podIP_);
        podIP_ = s.ip;
      }
    }
  }

  // Latest and previous instance of each container; older ones are removed.
  auto group = [&] {
    std::map<std::string, ContainerView> views;
    auto all = deps_.runtime->listContainers(sandboxId_);
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.attempt > b.attempt; });
    for (auto& c : all) {
      auto& v = views[c.name];
      if (!v.current) {
        v.current = c;
      } else if (!v.previous) {
        v.previous = c;
      } else {
        deps_.runtime->removeContainer(c.id);
      }
    }
    return views;
  };
  auto views = group();

  if (!terminal_) refreshVolumes(podPtr, now);
  if (!terminal_ && evictIfOverLimits(podPtr, now)) views = group();
  std::string policy = json::getString(spec, "restartPolicy", "Always");
  const auto& config = *deps_.config;
  bool changed = false;
  // Starts the container, or restarts it after its back-off as restartPolicy says.
  std::function<void(const bj::object&)> syncContainer = [&](const bj::object& cspec) {
    auto& view = views[json::getString(cspec, "name")];
    if (!view.current) {
      if (tryStartContainer(podPtr, cspec, 0, now)) changed = true;
      return;
    }
    const ContainerStatus& cur = *view.current;
    if (cur.state != ContainerState::Exited) {
      restartIfDefinitionChanged(pod, cspec, cur);
      return;
    }
    // Stopped for a new image: started again at once, whatever restartPolicy says.
    if (definitionChanged_.erase(cur.id)) {
      if (tryStartContainer(podPtr, cspec, cur.attempt + 1, now)) changed = true;
      return;
    }
    // A sidecar is restarted whatever the pod's restartPolicy says.
    const std::string& restart = isSidecarSpec(cspec) ? kAlways : policy;
    if (!shouldRestart(restart, cur.exitCode)) return;
    // First restart at once, then base, 2*base, ... up to max (kubelet's crash loop).
    std::chrono::milliseconds backoff(0);
    if (cur.attempt > 0) {
      backoff = config.restartBackoffBase;
      for (uint32_t i = 1; i < cur.attempt && backoff < config.restartBackoffMax; ++i) {
        backoff *= 2;
      }
      backoff = std::min(backoff, config.restartBackoffMax);
    }
    TimePoint due = cur.finishedAt.value_or(now) + backoff;
    if (now >= due) {
      if (tryStartContainer(podPtr, cspec, cur.attempt + 1, now)) changed = true;
    } else {
      // Repeated at every sync in back-off; the recorder folds repeats into one Event.
      recordContainerEvent(
          pod, cur.name, "Warning", "BackOff",
          "Back-off restarting failed container " + cur.name + " in pod " + podDescription(pod));
      view.backoffUntil = due;
      view.backoff = std::chrono::duration_cast<std::chrono::seconds>(backoff);
      wakeAt(due);
    }
  };
  if (!terminal_ && !evictionMessage_.empty()) {
    stopContainersInOrder(pod, kEvictionGrace);
  } else if (!terminal_ && definitionChanged_.empty() &&
             appContainersFinished(spec, views, policy)) {
    // Nothing of the app will run again: the kubelet kills the pod, so its sidecars stop (in
    // order), and then the pod is Succeeded or Failed as its app containers ended.
    stopContainersInOrder(pod, podGrace(pod));
  } else if (!terminal_ && syncInitContainers(spec, views, syncContainer)) {
    if (const auto* containers = json::getArray(spec, "containers")) {
      for (const auto& cv : *containers) {
        if (cv.is_object()) syncContainer(cv.as_object());
      }
    }
  }
  if (changed) {
    // Keep the back-off marks we computed; re-read the instances we just made.
    auto fresh = group();
    for (auto& [name, v] : fresh) {
      v.backoffUntil = views[name].backoffUntil;
      v.backoff = views[name].backoff;
      if (v.current && views[name].current && v.current->id != views[name].current->id) {
        v.backoffUntil.reset();
      }
    }
    views = std::move(fresh);
  }
  for (const auto& [name, wait] : waiting_) {
    auto& v = views[name];
    v.waitingReason = wait.reason;
    v.waitingMessage = wait.message;
    v.backoffUntil.reset();
  }
  syncProbes(podPtr, views);
  addTerminationMessages(spec, views);

  PodRuntimeView view;
  view.sandboxReady = !terminal_;
  view.hostIP = config.internalIP;
  view.podIP = podIP_;
  view.startTime = startTime_;
  view.containers = std::move(views);
  view.evictionMessage = evictionMessage_;
  bj::object status = computePodStatus(pod, view, now);
  if (isTerminalPhase(json::getString(status, "phase")) && !terminal_) {
    // Nothing will run again: release the sandbox's resources (the IP stays in the status).
    terminal_ = true;
    if (probes_) probes_->stop();
    deps_.runtime->stopSandbox(sandboxId_);
    tearDownVolumes();  // the kubelet unmounts a terminated pod's volumes too
  }
  writeStatus(pod, std::move(status));
}

PodPtr PodWorker::withMirrorStatus(PodPtr pod) {
  const auto* meta = json::getObject(*pod, "metadata");
  auto mirror = deps_.mirrorPod && meta ? deps_.mirrorPod(json::getString(*meta, "namespace"),
                                                          json::getString(*meta, "name"))
                                        : nullptr;
  const auto* status = mirror ? json::getObject(*mirror, "status") : nullptr;
  if (!status || mirrorHashOf(*mirror) != uid_) return pod;
  auto copy = std::make_shared<bj::object>(*pod);
  (*copy)["status"] = *status;
  std::lock_guard lock(mutex_);
  if (pod_ == pod) pod_ = copy;
  return copy;
}

void PodWorker::writeStatus(const bj::object& pod, bj::object status) {
  const auto* meta = json::getObject(pod, "metadata");
  std::string ns = meta ? json::getString(*meta, "namespace") : "";
  std::string name = meta ? json::getString(*meta, "name") : "";
  std::string target;  // the mirror pod's uid for a static pod
  if (isStaticPod(pod)) {
    // Its own last status, for the next sync (transition times, phase after a restart).
    auto copy = std::make_shared<bj::object>(pod);
    (*copy)["status"] = status;
    {
      std::lock_guard lock(mutex_);
      pod_ = copy;
    }
    auto mirror = deps_.mirrorPod ? deps_.mirrorPod(ns, name) : nullptr;
    if (!mirror || mirrorHashOf(*mirror) != uid_) return;  // shown once there is one
    target = uidOf(*mirror);
  }
  if (status == lastWritten_ && target == writtenTo_) return;
  // A merge patch: the arrays we own (conditions, containerStatuses) are replaced whole, fields
  // others own (qosClass, nominatedNodeName, ...) stay. The uid makes it fail, as the kubelet's,
  // on a pod that was replaced under the same name.
  bj::object body{{"metadata", bj::object{{"uid", target.empty() ? uid_ : target}}},
                  {"status", status}};
  try {
    deps_.client->patch(kPods, ns, name, client::PatchKind::Merge, json::serialize(body), "status");
  } catch (const ApiError& e) {
    // Deleted meanwhile (404) or replaced (422, the uid differs): the informer tells us next.
    if (e.code() == 404 || e.code() == 422) return;
    throw;
  }
  lastWritten_ = std::move(status);
  writtenTo_ = std::move(target);
}

void PodWorker::teardown(const bj::object& pod, bool gone) {
  const auto* meta = json::getObject(pod, "metadata");
  int64_t grace = gone || !meta ? 0 : json::getInt(*meta, "deletionGracePeriodSeconds", 0);
  // A static pod's file was removed or changed: stopped with its own grace period, as the kubelet.
  if (isStaticPod(pod)) grace = podGrace(pod).count();
  if (grace < 0) grace = 0;
  if (probes_) probes_->stop();
  // Sandboxes an earlier agent run left for this pod go too.
  if (sandboxId_.empty()) adoptSandboxes(true);
  if (!sandboxId_.empty()) {
    // A pod gone from the API is only known by the last object we saw; its events still help
    // `kubectl get events` explain what happened.
    if (!stopContainersInOrder(pod, std::chrono::seconds(grace))) return;
    deps_.runtime->removeSandbox(sandboxId_);
    deps_.ips->release(podIP_);
    sandboxId_.clear();
  }
  tearDownVolumes();
  if (!gone && meta) {
    client::DeleteOptions options;
    options.gracePeriodSeconds = 0;
    options.preconditionUid = uid_;
    try {
      deps_.client->remove(kPods, json::getString(*meta, "namespace"),
                           json::getString(*meta, "name"), options);
    } catch (const ApiError& e) {
      // Gone already, or a new pod of the same name (uid precondition): ours is gone either way.
      if (e.code() != 404 && e.code() != 409) throw;
    }
  }
  std::lock_guard lock(mutex_);
  finished_ = true;
}

}  // namespace cube::agent
