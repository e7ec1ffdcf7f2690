#pragma once
// ProbeManager: the liveness, readiness and startup probes of one pod's running container
// instances, as the kubelet's prober runs them:
//  - each probe of an instance runs first at its start + initialDelaySeconds, then every
//    periodSeconds, each run bounded by timeoutSeconds;
//  - a startup probe holds the other two until it has succeeded (`started`); without one an
//    instance is started when it runs;
//  - readiness starts false, becomes true after successThreshold successes in a row and false
//    again after failureThreshold failures in a row; without a readiness probe a started
//    instance is ready;
//  - failureThreshold liveness (or startup) failures in a row: the instance is to be killed and
//    restarted (takeKills); its probes stop. A new instance starts over.
// Every failure and warning is reported (the kubelet's Unhealthy and ProbeWarning events); a
// change of started/ready or a kill calls onChange (the pod worker syncs). A run that errored
// (could not probe at all) is tried again at once, three runs in all, as the kubelet's prober
// retries; then it counts as one failure.
//
// Timers are on the agent's executor; the actions (which block up to their timeout) run on
// `actions`, a small pool shared by every pod, so probes never hold up a pod's sync nor each
// other's timers. No thread per probe.

#include "agent/executor.h"
#include "agent/probes/probe_result.h"
#include "agent/probes/probe_spec.h"
#include "runtime/runtime.h"

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cube::agent::probes {

struct ProbeManagerDeps {
  ExecutorPtr timers;   // the agent's executor (and clock)
  ExecutorPtr actions;  // where probe actions run; see probeActionExecutor
  runtime::RuntimePtr runtime;
  std::function<void()> onChange;
  // A failure, an errored run or a success with a warning: the worker's event.
  std::function<void(const std::string& container, ProbeType type, const ProbeResult& result)>
      onReport;
};

// Where probe and hook actions run for an agent on `executor`: a process-wide pool of a few
// threads, made on first use, when `executor` is a ThreadPoolExecutor; else `executor` itself (a
// test's manual executor runs them in order, on its own time).
ExecutorPtr probeActionExecutor(const ExecutorPtr& executor);

// Whether a container spec has any probe.
bool hasProbes(const boost::json::object& containerSpec);

class ProbeManager : public std::enable_shared_from_this<ProbeManager> {
 public:
  explicit ProbeManager(ProbeManagerDeps deps);

  struct Instance {
    std::string name;
    std::string id;
    TimePoint startedAt;
    boost::json::object spec;  // the container's entry of the pod spec
  };
  // The pod's running instances now: probing starts for new ones and ends for the others.
  void update(const std::string& podIP, const std::vector<Instance>& running);

  struct State {
    bool started = true;
    bool ready = true;
  };
  // started/ready of a running instance; an unknown one is neither.
  State state(const std::string& containerId) const;

  struct Kill {
    std::string containerId;
    std::string name;
    ProbeType type;                       // Liveness or Startup
    std::optional<int64_t> graceSeconds;  // the probe's terminationGracePeriodSeconds
  };
  // Instances a probe failed for good, each returned once.
  std::vector<Kill> takeKills();

  // Ends all probing (the pod is stopping).
  void stop();

 private:
  struct Probe {
    ProbeSpec spec;
    int successes = 0;  // in a row
    int failures = 0;   // in a row
  };
  struct Probing {
    Instance instance;
    std::string podIP;
    std::map<ProbeType, Probe> probes;
    bool started = false;
    bool ready = false;
    bool done = false;  // killed or gone: results are ignored
  };

  void schedule(const std::string& id, ProbeType type, TimePoint when);
  void tick(const std::string& id, ProbeType type);
  void onResult(const std::string& id, ProbeType type, const ProbeResult& result);

  ProbeManagerDeps deps_;
  mutable std::mutex mutex_;                // guards everything below
  std::map<std::string, Probing> probing_;  // by container id
  std::vector<Kill> kills_;
  bool stopped_ = false;
};

}  // namespace cube::agent::probes
