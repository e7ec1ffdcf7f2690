// PodWorker with sidecars (init containers with restartPolicy Always), on the fake runtime and
// the manual executor: start order (the next init container waits for the sidecar to start,
// its startup probe included), restarts whatever the pod's restartPolicy, readiness in Ready,
// a Job-style pod completing when its app containers finish, the termination order (app
// containers first, sidecars last one first, bounded by the grace), and the probe events that
// are not plain failures (errored grpc probes).

#include "pod_worker_fixture.h"

namespace cube::agent {
namespace {

using namespace cube::agent::testing;

class PodWorkerSidecarsTest : public PodWorkerTest {
 protected:
  // A pod with these init containers and containers (JSON arrays' members) and pod fields.
  PodPtr podWith(const std::string& policy, const std::string& inits, const std::string& apps,
                 const std::string& podFields = "") {
    std::string text = R"({"metadata":{"name":"p","namespace":"default","uid":"uid-1"},
        "spec":{"nodeName":"n1","restartPolicy":")" +
                       policy + "\"" + (podFields.empty() ? "" : "," + podFields) +
                       R"(,"initContainers":[)" + inits + R"(],"containers":[)" + apps + R"(]},
        "status":{"phase":"Pending"}})";
    return std::make_shared<const bj::object>(json::parse(text).as_object());
  }

  const bj::object& init(size_t i) {
    return last().at("initContainerStatuses").as_array().at(i).as_object();
  }
  static std::string stateOf(const bj::object& s) {
    return std::string(s.at("state").as_object().begin()->key());
  }
  const bj::object& conditionOf(const std::string& type) {
    for (const auto& c : last().at("conditions").as_array()) {
      if (json::getString(c.as_object(), "type") == type) return c.as_object();
    }
    throw std::runtime_error("no condition " + type);
  }
  std::string condition(const std::string& type) {
    return json::getString(conditionOf(type), "status");
  }
  std::vector<std::string> eventsWithReason(const std::string& reason) {
    std::vector<std::string> out;
    for (const auto& e : events_->events()) {
      if (e.reason == reason) out.push_back(e.message);
    }
    return out;
  }
  // The runtime's state of the latest instance of `name`.
  runtime::ContainerState runtimeState(const std::string& name) {
    std::optional<runtime::ContainerStatus> latest;
    for (const auto& s : runtime_->listSandboxes()) {
      for (auto& c : runtime_->listContainers(s.id)) {
        if (c.name == name && (!latest || c.attempt >= latest->attempt)) latest = c;
      }
    }
    EXPECT_TRUE(latest) << name;
    return latest ? latest->state : runtime::ContainerState::Created;
  }
  bj::object deleting(const PodPtr& p, int64_t grace) {
    bj::object d = *p;
    d["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:31Z";
    d["metadata"].as_object()["deletionGracePeriodSeconds"] = grace;
    return d;
  }
};

constexpr const char* kSidecar = R"({"name":"sidecar","image":"busybox","restartPolicy":"Always"})";
constexpr const char* kApp = R"({"name":"app","image":"busybox"})";

TEST_F(PodWorkerSidecarsTest, StartsInInitOrderAndKeepsRunningBesideTheApp) {
  startWorker(podWith("Always", std::string(kSidecar) + R"(,{"name":"init-b","image":"busybox",
                          "env":[{"name":"CUBE_FAKE_RUN_SECONDS","value":"1"}]})",
                      kApp));
  EXPECT_EQ(eventsWithReason("Started"), std::vector<std::string>{"Started container sidecar"});
  executor_->advance(1100ms);  // the sidecar ran at 0.5 s: started, so init-b started
  EXPECT_EQ(stateOf(init(0)), "running");
  EXPECT_EQ(init(0).at("started"), true);
  EXPECT_EQ(init(0).at("ready"), true);
  EXPECT_EQ(stateOf(init(1)), "running");
  EXPECT_EQ(phase(), "Pending");
  EXPECT_EQ(json::getString(conditionOf("Initialized"), "message"),
            "containers with incomplete status: [init-b]");
  executor_->advance(2s);  // init-b done at 2 s; the app started, running at 2.5 s
  EXPECT_EQ(stateOf(init(1)), "terminated");
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(phase(), "Running");
  EXPECT_EQ(condition("Initialized"), "True");
  EXPECT_EQ(condition("Ready"), "True");
  EXPECT_EQ(stateOf(init(0)), "running");  // still running beside the app
  EXPECT_EQ(init(0).at("restartCount"), 0);
  EXPECT_EQ(eventsWithReason("Started"),
            (std::vector<std::string>{"Started container sidecar", "Started container init-b",
                                      "Started container app"}));
}

TEST_F(PodWorkerSidecarsTest, TheNextInitContainerWaitsForTheStartupProbe) {
  execAnswers();
  failing_.insert("boot");
  startWorker(podWith("Always", R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
      "startupProbe":{"exec":{"command":["boot"]},"periodSeconds":1,"failureThreshold":30}})",
                      kApp));
  executor_->advance(5s);
  EXPECT_EQ(stateOf(init(0)), "running");
  EXPECT_EQ(init(0).at("started"), false);
  EXPECT_EQ(init(0).at("ready"), false);
  EXPECT_EQ(container().at("state").as_object().at("waiting").as_object().at("reason"),
            "PodInitializing");
  EXPECT_EQ(json::getString(conditionOf("Initialized"), "message"),
            "containers with incomplete status: [sidecar]");
  EXPECT_EQ(phase(), "Pending");
  failing_.erase("boot");
  executor_->advance(2s);
  EXPECT_EQ(init(0).at("started"), true);
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(phase(), "Running");
}

TEST_F(PodWorkerSidecarsTest, ItsReadinessCountsTowardReady) {
  execAnswers();
  failing_.insert("ready");
  startWorker(podWith("Always", R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
      "readinessProbe":{"exec":{"command":["ready"]},"periodSeconds":1}})",
                      kApp));
  executor_->advance(3s);
  EXPECT_EQ(phase(), "Running");  // not ready does not hold the app back
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(init(0).at("started"), true);
  EXPECT_EQ(init(0).at("ready"), false);
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(json::getString(conditionOf("ContainersReady"), "message"),
            "containers with unready status: [sidecar]");
  failing_.erase("ready");
  executor_->advance(2s);
  EXPECT_EQ(init(0).at("ready"), true);
  EXPECT_EQ(condition("Ready"), "True");
}

TEST_F(PodWorkerSidecarsTest, RestartedWhateverThePodsRestartPolicy) {
  startWorker(podWith("Never", R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
      "env":[{"name":"CUBE_FAKE_RUN_SECONDS","value":"2"},{"name":"CUBE_FAKE_EXIT_CODE","value":"1"}]})",
                      kApp));
  executor_->advance(6s);  // ran 2 s, restarted at once, ran 2 s again: back-off
  EXPECT_GE(init(0).at("restartCount").as_int64(), 1);
  EXPECT_EQ(
      init(0).at("lastState").as_object().at("terminated").as_object().at("exitCode").as_int64(),
      1);
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(phase(), "Running");  // an exited sidecar does not end the pod
  EXPECT_EQ(condition("Initialized"), "True");
  executor_->advance(60s);
  EXPECT_GE(init(0).at("restartCount").as_int64(), 3);
  EXPECT_EQ(container().at("restartCount"), 0);
}

TEST_F(PodWorkerSidecarsTest, AJobPodSucceedsWhenItsAppFinishesAndTheSidecarStops) {
  startWorker(podWith("Never", R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
      "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"1"}]})",
                      R"({"name":"app","image":"busybox",
      "env":[{"name":"CUBE_FAKE_RUN_SECONDS","value":"3"}]})"));
  executor_->advance(4200ms);  // the app exited 0 at 4 s (started 1 s in)
  EXPECT_EQ(stateName(), "terminated");
  EXPECT_EQ(eventsWithReason("Killing"), std::vector<std::string>{"Stopping container sidecar"});
  EXPECT_EQ(phase(), "Running");  // the sidecar is still stopping
  executor_->advance(1s);
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_EQ(stateOf(init(0)), "terminated");
  EXPECT_EQ(init(0).at("ready"), false);
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(json::getString(conditionOf("Ready"), "reason"), "PodCompleted");
  EXPECT_EQ(json::getString(conditionOf("Initialized"), "reason"), "PodCompleted");
  EXPECT_EQ(init(0).at("restartCount"), 0);  // never restarted once the app was done
  executor_->advance(30s);
  EXPECT_EQ(init(0).at("restartCount"), 0);
}

TEST_F(PodWorkerSidecarsTest, ASidecarThatIgnoresSigtermIsKilledAndDoesNotFailThePod) {
  startWorker(podWith("OnFailure", R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
      "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"100"}]})",
                      R"({"name":"app","image":"busybox",
      "env":[{"name":"CUBE_FAKE_RUN_SECONDS","value":"1"}]})",
                      R"("terminationGracePeriodSeconds":2)"));
  executor_->advance(3s);  // the app succeeded at 2 s; the sidecar is killed 2 s after
  EXPECT_EQ(phase(), "Running");
  executor_->advance(2s);
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_EQ(init(0).at("state").as_object().at("terminated").as_object().at("exitCode"), 137);
}

TEST_F(PodWorkerSidecarsTest, AJobPodFailsByItsApp) {
  startWorker(podWith("Never", kSidecar, R"({"name":"app","image":"busybox",
      "env":[{"name":"CUBE_FAKE_RUN_SECONDS","value":"1"},{"name":"CUBE_FAKE_EXIT_CODE","value":"3"}]})",
                      R"("terminationGracePeriodSeconds":0)"));
  executor_->advance(5s);
  EXPECT_EQ(phase(), "Failed");
  EXPECT_EQ(stateOf(init(0)), "terminated");
}

TEST_F(PodWorkerSidecarsTest, DeletionStopsTheAppThenTheSidecarsLastOneFirst) {
  auto p = podWith("Always",
                   R"({"name":"s1","image":"busybox","restartPolicy":"Always",
                       "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"1"}]},
                      {"name":"s2","image":"busybox","restartPolicy":"Always",
                       "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"1"}]})",
                   R"({"name":"app","image":"busybox",
                       "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"3"}]})");
  auto w = startWorker(p);
  executor_->advance(3s);
  ASSERT_EQ(phase(), "Running");
  w->update(std::make_shared<const bj::object>(deleting(p, 30)));
  executor_->runUntilIdle();
  // Every container is told at once, as the kubelet's events show.
  EXPECT_EQ(eventsWithReason("Killing"),
            (std::vector<std::string>{"Stopping container app", "Stopping container s2",
                                      "Stopping container s1"}));
  executor_->advance(2900ms);
  EXPECT_EQ(runtimeState("app"), runtime::ContainerState::Running);  // still stopping
  EXPECT_EQ(runtimeState("s2"), runtime::ContainerState::Running);
  executor_->advance(200ms);  // the app exited at 3 s: s2 is stopped now, takes 1 s
  EXPECT_EQ(runtimeState("app"), runtime::ContainerState::Exited);
  EXPECT_EQ(runtimeState("s2"), runtime::ContainerState::Running);
  executor_->advance(1s);
  EXPECT_EQ(runtimeState("s2"), runtime::ContainerState::Exited);
  EXPECT_EQ(runtimeState("s1"), runtime::ContainerState::Running);  // its turn came at 4 s
  EXPECT_FALSE(w->finished());
  executor_->advance(1s);
  EXPECT_TRUE(w->finished());  // s1 exited at 5 s: the sandbox is gone
}

TEST_F(PodWorkerSidecarsTest, ASidecarsTurnComesAtTheEndOfTheGraceAtTheLatest) {
  auto p = podWith("Always",
                   R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
                       "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"1"}]})",
                   R"({"name":"app","image":"busybox",
                       "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"100"}]})");
  auto w = startWorker(p);
  executor_->advance(2s);
  w->update(std::make_shared<const bj::object>(deleting(p, 3)));
  executor_->advance(2900ms);
  EXPECT_EQ(runtimeState("sidecar"), runtime::ContainerState::Running);
  executor_->advance(200ms);  // 3 s: the app is killed; the sidecar gets the 2 s minimum
  EXPECT_EQ(runtimeState("app"), runtime::ContainerState::Exited);
  executor_->advance(1s);  // it stops gracefully in 1 s: the sandbox is gone
  EXPECT_TRUE(w->finished());
}

TEST_F(PodWorkerSidecarsTest, ASidecarsPreStopRunsAtTheStartOfTheTermination) {
  execAnswers();
  auto p = podWith("Always", R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
      "lifecycle":{"preStop":{"exec":{"command":["bye"]}}}})",
                   R"({"name":"app","image":"busybox",
                       "env":[{"name":"CUBE_FAKE_STOP_SECONDS","value":"2"}]})");
  auto w = startWorker(p);
  executor_->advance(2s);
  w->update(std::make_shared<const bj::object>(deleting(p, 30)));
  executor_->runUntilIdle();
  std::lock_guard lock(mu_);
  EXPECT_EQ(std::count(execs_.begin(), execs_.end(), "sidecar:bye"), 1);
  EXPECT_EQ(runtimeState("sidecar"), runtime::ContainerState::Running);  // not stopped yet
}

TEST_F(PodWorkerSidecarsTest, ALivenessFailureRestartsTheSidecar) {
  execAnswers();
  failing_.insert("live");
  startWorker(podWith("Never", R"({"name":"sidecar","image":"busybox","restartPolicy":"Always",
      "livenessProbe":{"exec":{"command":["live"]},"periodSeconds":1,"failureThreshold":2}})",
                      kApp, R"("terminationGracePeriodSeconds":1)"));
  executor_->advance(4s);
  EXPECT_GE(init(0).at("restartCount").as_int64(), 1);
  auto killing = eventsWithReason("Killing");
  ASSERT_FALSE(killing.empty());
  EXPECT_EQ(killing[0], "Init container sidecar failed liveness probe");
  EXPECT_EQ(eventsWithReason("Unhealthy").at(0), "Liveness probe failed: no\n");
  EXPECT_EQ(phase(), "Running");
}

TEST_F(PodWorkerSidecarsTest, AGrpcProbeErrorsWithAClearEvent) {
  startWorker(podWith("Always", kSidecar, R"({"name":"app","image":"busybox",
      "readinessProbe":{"grpc":{"port":9000},"periodSeconds":1}})"));
  executor_->advance(3s);
  auto unhealthy = eventsWithReason("Unhealthy");
  ASSERT_FALSE(unhealthy.empty());
  EXPECT_EQ(unhealthy[0],
            "Readiness probe errored and resulted in unknown state: grpc probes are not "
            "supported by this node");
  EXPECT_EQ(container().at("ready"), false);
  EXPECT_EQ(phase(), "Running");
}

}  // namespace
}  // namespace cube::agent
