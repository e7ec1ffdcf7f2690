#include "agent/probes/probe_manager.h"

#include "agent/probes/probe_action.h"
#include "common/log.h"

namespace cube::agent::probes {

namespace bj = boost::json;

namespace {

// The kubelet's maxProbeRetries: an errored probe is run up to this many times in a row.
constexpr int kRunsWhenErrored = 3;

}  // namespace

ExecutorPtr probeActionExecutor(const ExecutorPtr& executor) {
  if (!std::dynamic_pointer_cast<ThreadPoolExecutor>(executor)) return executor;
  // Made once and never destroyed: probes may still be in flight while the process exits.
  static auto* pool = new ExecutorPtr(std::make_shared<ThreadPoolExecutor>(4));
  return *pool;
}

bool hasProbes(const bj::object& containerSpec) {
  return containerSpec.contains("livenessProbe") || containerSpec.contains("readinessProbe") ||
         containerSpec.contains("startupProbe");
}

ProbeManager::ProbeManager(ProbeManagerDeps deps) : deps_(std::move(deps)) {}

void ProbeManager::update(const std::string& podIP, const std::vector<Instance>& running) {
  std::vector<std::pair<std::string, ProbeType>> toSchedule;
  std::vector<TimePoint> when;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    std::map<std::string, Probing> next;
    for (const auto& inst : running) {
      auto old = probing_.find(inst.id);
      if (old != probing_.end()) {
        next.emplace(inst.id, std::move(old->second));
        probing_.erase(old);
        continue;
      }
      Probing p;
      p.instance = inst;
      p.podIP = podIP;
      for (ProbeType type : {ProbeType::Startup, ProbeType::Liveness, ProbeType::Readiness}) {
        if (auto spec = parseProbe(inst.spec, type)) p.probes[type] = Probe{std::move(*spec)};
      }
      p.started = !p.probes.count(ProbeType::Startup);
      p.ready = p.started && !p.probes.count(ProbeType::Readiness);
      for (const auto& [type, probe] : p.probes) {
        toSchedule.emplace_back(inst.id, type);
        when.push_back(inst.startedAt + probe.spec.initialDelay);
      }
      next.emplace(inst.id, std::move(p));
    }
    for (auto& [id, p] : probing_) p.done = true;  // gone: their timers find nothing
    probing_ = std::move(next);
  }
  for (size_t i = 0; i < toSchedule.size(); ++i) {
    schedule(toSchedule[i].first, toSchedule[i].second, when[i]);
  }
}

ProbeManager::State ProbeManager::state(const std::string& containerId) const {
  std::lock_guard lock(mutex_);
  auto it = probing_.find(containerId);
  if (it == probing_.end()) return State{false, false};
  return State{it->second.started, it->second.ready};
}

std::vector<ProbeManager::Kill> ProbeManager::takeKills() {
  std::lock_guard lock(mutex_);
  return std::exchange(kills_, {});
}

void ProbeManager::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  probing_.clear();
}

void ProbeManager::schedule(const std::string& id, ProbeType type, TimePoint when) {
  std::weak_ptr<ProbeManager> weak = weak_from_this();
  deps_.timers->postAt(when, [weak, id, type] {
    if (auto self = weak.lock()) self->tick(id, type);
  });
}

void ProbeManager::tick(const std::string& id, ProbeType type) {
  ProbeAction action;
  ActionTarget target;
  std::chrono::milliseconds timeout;
  {
    std::lock_guard lock(mutex_);
    auto it = probing_.find(id);
    if (stopped_ || it == probing_.end() || it->second.done) return;
    Probing& p = it->second;
    const Probe& probe = p.probes.at(type);
    bool held = type != ProbeType::Startup && !p.started;
    bool finished = type == ProbeType::Startup && p.started;
    if (finished) return;  // a startup probe ends with its success
    if (held) {
      // The startup probe has not succeeded yet: look again a period later.
      auto next = deps_.timers->now() + probe.spec.period;
      std::weak_ptr<ProbeManager> weak = weak_from_this();
      deps_.timers->postAt(next, [weak, id, type] {
        if (auto self = weak.lock()) self->tick(id, type);
      });
      return;
    }
    action = probe.spec.action;
    timeout = probe.spec.timeout;
    target.runtime = deps_.runtime;
    target.network = runtimeHasNetwork(*deps_.runtime);
    target.containerId = id;
    target.podIP = p.podIP;
    target.containerSpec = p.instance.spec;
  }
  std::weak_ptr<ProbeManager> weak = weak_from_this();
  deps_.actions->post(
      [weak, id, type, action = std::move(action), target = std::move(target), timeout] {
        ProbeResult result;
        for (int run = 0; run < kRunsWhenErrored; ++run) {
          result = runAction(action, target, timeout);
          if (result.errorState.empty()) break;
        }
        if (auto self = weak.lock()) self->onResult(id, type, result);
      });
}

void ProbeManager::onResult(const std::string& id, ProbeType type, const ProbeResult& result) {
  bool changed = false;
  std::string name;
  TimePoint next;
  {
    std::lock_guard lock(mutex_);
    auto it = probing_.find(id);
    if (stopped_ || it == probing_.end() || it->second.done) return;
    Probing& p = it->second;
    Probe& probe = p.probes.at(type);
    name = p.instance.name;
    if (result.success) {
      probe.failures = 0;
      ++probe.successes;
    } else {
      probe.successes = 0;
      ++probe.failures;
    }
    switch (type) {
      case ProbeType::Startup:
        if (probe.successes >= probe.spec.successThreshold && !p.started) {
          p.started = true;
          p.ready = !p.probes.count(ProbeType::Readiness);
          changed = true;
        }
        break;
      case ProbeType::Readiness:
        if (!p.ready && probe.successes >= probe.spec.successThreshold) {
          p.ready = true;
          changed = true;
        } else if (p.ready && probe.failures >= probe.spec.failureThreshold) {
          p.ready = false;
          changed = true;
        }
        break;
      case ProbeType::Liveness:
        break;
    }
    if (type != ProbeType::Readiness && probe.failures >= probe.spec.failureThreshold) {
      p.done = true;
      p.ready = false;
      kills_.push_back(Kill{id, name, type, probe.spec.terminationGracePeriodSeconds});
      changed = true;
    }
    next = deps_.timers->now() + probe.spec.period;
    if (!p.done && !(type == ProbeType::Startup && p.started)) {
      std::weak_ptr<ProbeManager> weak = weak_from_this();
      deps_.timers->postAt(next, [weak, id, type] {
        if (auto self = weak.lock()) self->tick(id, type);
      });
    }
  }
  if ((!result.success || result.warning) && deps_.onReport) deps_.onReport(name, type, result);
  if (changed && deps_.onChange) deps_.onChange();
}

}  // namespace cube::agent::probes
