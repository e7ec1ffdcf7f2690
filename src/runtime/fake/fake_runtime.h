#pragma once
// FakeRuntime: a Runtime without processes, for hollow nodes (scale tests of the control plane,
// as kubemark does). A started container is Running after `startDelay`; it runs until stopped
// unless told to exit (docs/agent.md):
//
//   per pod, annotation            per container, env var    meaning
//   cube.dev/fake-exit-code        CUBE_FAKE_EXIT_CODE       exit with this code...
//   cube.dev/fake-run-seconds      CUBE_FAKE_RUN_SECONDS     ...after running this long (0)
//   cube.dev/fake-stop-seconds     CUBE_FAKE_STOP_SECONDS    time a SIGTERM takes to end it (0)
//
// Setting only the run time means exit code 0; setting neither means "runs until stopped". The
// env var wins over the annotation. A stop that takes less than the grace period exits 0
// (Completed); one that would take longer is killed at the end of the grace with 137 (Error).
//
// State is a pure function of the injected clock, so tests move a fake clock instead of
// sleeping; the timer callback only tells the agent when a state changes by itself.

#include "runtime/runtime.h"

#include <mutex>
#include <optional>

namespace cube::runtime {

// Runs `fn` at (or soon after) `when`, on some thread other than the caller's stack.
using TimerFn = std::function<void(TimePoint when, std::function<void()> fn)>;

struct FakeRuntimeOptions {
  std::chrono::milliseconds startDelay{500};
};

// The convention's names, for tests and docs.
inline constexpr const char* kFakeExitCodeAnnotation = "cube.dev/fake-exit-code";
inline constexpr const char* kFakeRunSecondsAnnotation = "cube.dev/fake-run-seconds";
inline constexpr const char* kFakeStopSecondsAnnotation = "cube.dev/fake-stop-seconds";
inline constexpr const char* kFakeExitCodeEnv = "CUBE_FAKE_EXIT_CODE";
inline constexpr const char* kFakeRunSecondsEnv = "CUBE_FAKE_RUN_SECONDS";
inline constexpr const char* kFakeStopSecondsEnv = "CUBE_FAKE_STOP_SECONDS";

class FakeRuntime : public Runtime {
 public:
  FakeRuntime(ClockPtr clock, TimerFn timer, FakeRuntimeOptions options = {});

  std::string version() const override { return "fake://0.1.0"; }
  void setEventHandler(EventHandler handler) override;

  std::string runSandbox(const SandboxConfig& config) override;
  void stopSandbox(const std::string& sandboxId) override;
  void removeSandbox(const std::string& sandboxId) override;
  std::vector<SandboxStatus> listSandboxes() override;

  std::string createContainer(const std::string& sandboxId, const ContainerConfig& config) override;
  void startContainer(const std::string& containerId) override;
  void stopContainer(const std::string& containerId, std::chrono::seconds grace) override;
  void removeContainer(const std::string& containerId) override;
  // Runs the exec handler (see setExecHandler); throws unless the container is running.
  ExecResult execSync(const std::string& containerId, const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout) override;
  std::vector<ContainerStatus> listContainers(const std::string& sandboxId) override;

  // What execSync answers, for tests of exec probes and hooks: called with the container's
  // status and the command. Without one every exec exits 0 with no output.
  using ExecHandler =
      std::function<ExecResult(const ContainerStatus& container, const std::vector<std::string>&)>;
  void setExecHandler(ExecHandler handler);

  // How many containers this runtime holds (all sandboxes), for tests and benchmarks.
  size_t containerCount() const;

 private:
  using Duration = std::chrono::milliseconds;

  struct Sandbox {
    SandboxStatus status;
    std::map<std::string, std::string> annotations;
  };

  // What the container was told to do, from env over annotations.
  struct Behaviour {
    std::optional<int> exitCode;
    std::optional<Duration> runFor;
    Duration stopTakes{0};
  };

  struct Container {
    ContainerStatus base;  // identity and creation; state is computed by unsafeStatus
    std::string sandboxId;
    Behaviour behaviour;
    std::optional<TimePoint> startedAt;  // when startContainer was called
    std::optional<TimePoint> stopAt;     // when the stop (SIGTERM, or kill) ends it
    int stopExitCode = 0;
  };

  static Behaviour behaviourOf(const ContainerConfig& config,
                               const std::map<std::string, std::string>& annotations);
  // The container's status at `now`. Requires mutex_.
  ContainerStatus unsafeStatus(const Container& c, TimePoint now) const;
  // When an exit that is already decided happens (natural exit or stop), if any.
  std::optional<TimePoint> unsafeExitAt(const Container& c, bool* natural) const;
  void notifyAt(TimePoint when, const std::string& sandboxId);
  std::string newId();

  ClockPtr clock_;
  TimerFn timer_;
  FakeRuntimeOptions options_;
  EventHandler handler_;     // set before use, read-only afterwards
  ExecHandler execHandler_;  // guarded by mutex_

  mutable std::mutex mutex_;  // guards sandboxes_, containers_
  std::map<std::string, Sandbox> sandboxes_;
  std::map<std::string, Container> containers_;
};

}  // namespace cube::runtime
