#include "runtime/fake/fake_runtime.h"

#include <atomic>
#include <cmath>
#include <cstdio>

namespace cube::runtime {

namespace {

std::optional<double> parseNumber(const std::string& s) {
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used != s.size() || !std::isfinite(v) || v < 0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<int> parseExitCode(const std::string& s) {
  auto v = parseNumber(s);
  if (!v || *v > 255 || *v != std::floor(*v)) return std::nullopt;
  return static_cast<int>(*v);
}

std::chrono::milliseconds secondsToMs(double s) {
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(s * 1000)));
}

// A stable, docker-like image digest: the fake has no content, only the reference.
std::string fakeDigest(const std::string& image) {
  std::string out = "sha256:";
  uint64_t h = 1469598103934665603ULL;
  for (int round = 0; round < 4; ++round) {
    for (char c : image) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ static_cast<uint64_t>(round)) * 1099511628211ULL;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    out += buf;
  }
  return out;
}

}  // namespace

FakeRuntime::FakeRuntime(ClockPtr clock, TimerFn timer, FakeRuntimeOptions options)
    : clock_(std::move(clock)), timer_(std::move(timer)), options_(options) {}

void FakeRuntime::setEventHandler(EventHandler handler) {
  handler_ = std::move(handler);
}

std::string FakeRuntime::newId() {
  // Unique in the process, so many hollow nodes in one process never share an id.
  static std::atomic<uint64_t> next{1};
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", 0xcbe0000000000000ULL,
                static_cast<unsigned long long>(next.fetch_add(1)));
  return buf;
}

std::string FakeRuntime::runSandbox(const SandboxConfig& config) {
  Sandbox s;
  s.status.id = newId();
  s.status.podUid = config.podUid;
  s.status.ip = config.ip;
  s.status.createdAt = clock_->now();
  s.annotations = config.annotations;
  std::lock_guard lock(mutex_);
  std::string id = s.status.id;
  sandboxes_.emplace(id, std::move(s));
  return id;
}

void FakeRuntime::stopSandbox(const std::string& sandboxId) {
  auto now = clock_->now();
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto it = sandboxes_.find(sandboxId);
    if (it == sandboxes_.end()) return;
    it->second.status.state = SandboxState::NotReady;
    for (auto& [id, c] : containers_) {
      if (c.sandboxId != sandboxId) continue;
      if (unsafeStatus(c, now).state == ContainerState::Exited || !c.startedAt) continue;
      c.stopAt = now;
      c.stopExitCode = 137;
      changed = true;
    }
  }
  if (changed) notifyAt(now, sandboxId);
}

void FakeRuntime::removeSandbox(const std::string& sandboxId) {
  std::lock_guard lock(mutex_);
  sandboxes_.erase(sandboxId);
  std::erase_if(containers_, [&](const auto& kv) { return kv.second.sandboxId == sandboxId; });
}

std::vector<SandboxStatus> FakeRuntime::listSandboxes() {
  std::lock_guard lock(mutex_);
  std::vector<SandboxStatus> out;
  for (const auto& [id, s] : sandboxes_) out.push_back(s.status);
  return out;
}

FakeRuntime::Behaviour FakeRuntime::behaviourOf(
    const ContainerConfig& config, const std::map<std::string, std::string>& annotations) {
  std::map<std::string, std::string> settings;
  auto fromAnnotation = [&](const char* annotation, const char* env) {
    if (auto it = annotations.find(annotation); it != annotations.end()) settings[env] = it->second;
  };
  fromAnnotation(kFakeExitCodeAnnotation, kFakeExitCodeEnv);
  fromAnnotation(kFakeRunSecondsAnnotation, kFakeRunSecondsEnv);
  fromAnnotation(kFakeStopSecondsAnnotation, kFakeStopSecondsEnv);
  for (const auto& [k, v] : config.env) {
    if (k == kFakeExitCodeEnv || k == kFakeRunSecondsEnv || k == kFakeStopSecondsEnv) {
      settings[k] = v;
    }
  }
  // Malformed values are ignored: a typo must not make a hollow pod crash-loop.
  Behaviour b;
  if (auto it = settings.find(kFakeExitCodeEnv); it != settings.end()) {
    b.exitCode = parseExitCode(it->second);
  }
  if (auto it = settings.find(kFakeRunSecondsEnv); it != settings.end()) {
    if (auto s = parseNumber(it->second)) b.runFor = secondsToMs(*s);
  }
  if (auto it = settings.find(kFakeStopSecondsEnv); it != settings.end()) {
    if (auto s = parseNumber(it->second)) b.stopTakes = secondsToMs(*s);
  }
  if (b.exitCode && !b.runFor) b.runFor = Duration(0);
  if (b.runFor && !b.exitCode) b.exitCode = 0;
  return b;
}

std::string FakeRuntime::createContainer(const std::string& sandboxId,
                                         const ContainerConfig& config) {
  std::lock_guard lock(mutex_);
  auto sb = sandboxes_.find(sandboxId);
  if (sb == sandboxes_.end()) throw RuntimeError("sandbox " + sandboxId + " not found");
  if (sb->second.status.state != SandboxState::Ready) {
    throw RuntimeError("sandbox " + sandboxId + " is stopped");
  }
  Container c;
  c.base.id = "fake://" + newId();
  c.base.name = config.name;
  c.base.attempt = config.attempt;
  c.base.image = config.image;
  c.base.imageId = config.image + "@" + fakeDigest(config.image);
  c.base.createdAt = clock_->now();
  c.sandboxId = sandboxId;
  c.behaviour = behaviourOf(config, sb->second.annotations);
  std::string id = c.base.id;
  containers_.emplace(id, std::move(c));
  return id;
}

void FakeRuntime::startContainer(const std::string& containerId) {
  auto now = clock_->now();
  std::string sandboxId;
  std::optional<TimePoint> exitAt;
  {
    std::lock_guard lock(mutex_);
    auto it = containers_.find(containerId);
    if (it == containers_.end()) throw RuntimeError("container " + containerId + " not found");
    if (it->second.startedAt) return;
    it->second.startedAt = now;
    sandboxId = it->second.sandboxId;
    bool natural = false;
    exitAt = unsafeExitAt(it->second, &natural);
  }
  notifyAt(now + options_.startDelay, sandboxId);
  if (exitAt) notifyAt(*exitAt, sandboxId);
}

void FakeRuntime::stopContainer(const std::string& containerId, std::chrono::seconds grace) {
  auto now = clock_->now();
  std::string sandboxId;
  TimePoint stopAt;
  {
    std::lock_guard lock(mutex_);
    auto it = containers_.find(containerId);
    if (it == containers_.end()) return;
    Container& c = it->second;
    if (unsafeStatus(c, now).state == ContainerState::Exited) return;
    if (!c.startedAt) c.startedAt = now;  // a never-started container just ends
    Duration graceMs = std::chrono::duration_cast<Duration>(grace);
    TimePoint graceful = now + c.behaviour.stopTakes;
    TimePoint killed = now + graceMs;
    TimePoint candidate = c.behaviour.stopTakes < graceMs ? graceful : killed;
    // A second stop may only bring the end closer (as a shorter grace does).
    if (c.stopAt && *c.stopAt <= candidate) return;
    c.stopAt = candidate;
    c.stopExitCode = c.behaviour.stopTakes < graceMs ? 0 : 137;
    sandboxId = c.sandboxId;
    stopAt = candidate;
  }
  notifyAt(stopAt, sandboxId);
}

void FakeRuntime::removeContainer(const std::string& containerId) {
  std::lock_guard lock(mutex_);
  containers_.erase(containerId);
}

void FakeRuntime::setExecHandler(ExecHandler handler) {
  std::lock_guard lock(mutex_);
  execHandler_ = std::move(handler);
}

ExecResult FakeRuntime::execSync(const std::string& containerId,
                                 const std::vector<std::string>& argv, std::chrono::milliseconds) {
  ContainerStatus status;
  std::optional<TimePoint> startedAt;
  ExecHandler handler;
  {
    std::lock_guard lock(mutex_);
    auto it = containers_.find(containerId);
    if (it == containers_.end()) throw RuntimeError("container " + containerId + " not found");
    status = unsafeStatus(it->second, clock_->now());
    startedAt = it->second.startedAt;
    handler = execHandler_;
  }
  // Started counts (a postStart hook runs before the start delay has passed).
  if (status.state == ContainerState::Exited || !startedAt) {
    throw RuntimeError("container " + containerId + " is not running");
  }
  return handler ? handler(status, argv) : ExecResult{};
}

std::vector<ContainerStatus> FakeRuntime::listContainers(const std::string& sandboxId) {
  auto now = clock_->now();
  std::lock_guard lock(mutex_);
  std::vector<ContainerStatus> out;
  for (const auto& [id, c] : containers_) {
    if (c.sandboxId == sandboxId) out.push_back(unsafeStatus(c, now));
  }
  return out;
}

size_t FakeRuntime::containerCount() const {
  std::lock_guard lock(mutex_);
  return containers_.size();
}

std::optional<TimePoint> FakeRuntime::unsafeExitAt(const Container& c, bool* natural) const {
  std::optional<TimePoint> exitAt;
  *natural = false;
  if (c.startedAt && c.behaviour.runFor) {
    exitAt = *c.startedAt + options_.startDelay + *c.behaviour.runFor;
    *natural = true;
  }
  if (c.stopAt && (!exitAt || *c.stopAt < *exitAt)) {
    exitAt = c.stopAt;
    *natural = false;
  }
  return exitAt;
}

ContainerStatus FakeRuntime::unsafeStatus(const Container& c, TimePoint now) const {
  ContainerStatus s = c.base;
  if (!c.startedAt) return s;  // Created
  TimePoint runningAt = *c.startedAt + options_.startDelay;
  bool natural = false;
  auto exitAt = unsafeExitAt(c, &natural);
  if (exitAt && now >= *exitAt) {
    s.state = ContainerState::Exited;
    if (*exitAt >= runningAt) s.startedAt = runningAt;
    s.finishedAt = *exitAt;
    s.exitCode = natural ? *c.behaviour.exitCode : c.stopExitCode;
    s.reason = s.exitCode == 0 ? "Completed" : "Error";
    return s;
  }
  if (now >= runningAt) {
    s.state = ContainerState::Running;
    s.startedAt = runningAt;
  }
  return s;
}

void FakeRuntime::notifyAt(TimePoint when, const std::string& sandboxId) {
  std::string podUid;
  {
    std::lock_guard lock(mutex_);
    auto it = sandboxes_.find(sandboxId);
    if (it == sandboxes_.end()) return;
    podUid = it->second.status.podUid;
  }
  RuntimeEvent event{sandboxId, podUid};
  // The handler is copied, not reached through `this`: a timer may outlive this runtime.
  timer_(when, [handler = handler_, event] {
    if (handler) handler(event);
  });
}

}  // namespace cube::runtime
