// PodWorker with probes, lifecycle hooks and init containers, on the fake runtime (its exec
// handler answers exec probes and hooks) and the manual executor: the kubelet's semantics of
// liveness/readiness/startup, the events, postStart/preStop and init containers in order.

#include "pod_worker_fixture.h"

namespace cube::agent {
namespace {

using namespace cube::agent::testing;

class PodWorkerProbesTest : public PodWorkerTest {
 protected:
  // A pod of one container "app" with the given extra container fields (JSON members).
  PodPtr podWith(const std::string& policy, const std::string& containerFields,
                 const std::string& podFields = "") {
    std::string text = R"({"metadata":{"name":"p","namespace":"default","uid":"uid-1"},
        "spec":{"nodeName":"n1","restartPolicy":")" +
                       policy + "\"" + (podFields.empty() ? "" : "," + podFields) +
                       R"(,"containers":[{"name":"app","image":"busybox")" +
                       (containerFields.empty() ? "" : "," + containerFields) + R"(}]},
        "status":{"phase":"Pending"}})";
    return std::make_shared<const bj::object>(json::parse(text).as_object());
  }

  std::string condition(const std::string& type) {
    for (const auto& c : last().at("conditions").as_array()) {
      if (json::getString(c.as_object(), "type") == type)
        return std::string(c.as_object().at("status").as_string());
    }
    return "";
  }
};

TEST_F(PodWorkerProbesTest, LivenessFailuresRestartTheContainer) {
  execAnswers();
  failing_.insert("check");
  startWorker(podWith("Always", R"("livenessProbe":{"exec":{"command":["check"]},
      "periodSeconds":1,"failureThreshold":3})"));
  executor_->advance(500ms);  // running
  EXPECT_EQ(container().at("restartCount"), 0);
  executor_->advance(1500ms);  // failures at 0.5 s and 1.5 s: not yet
  EXPECT_EQ(events_->count("Unhealthy"), 2u);
  EXPECT_EQ(container().at("restartCount"), 0);
  executor_->advance(1s);  // the third: killed (the fake stops at once) and restarted
  EXPECT_EQ(container().at("restartCount"), 1);
  bool killing = false;
  for (const auto& e : events_->events()) {
    if (e.reason == "Unhealthy") {
      EXPECT_EQ(e.type, "Warning");
      EXPECT_EQ(e.message, "Liveness probe failed: no\n");
    }
    if (e.reason == "Killing") {
      EXPECT_EQ(e.message, "Container app failed liveness probe, will be restarted");
      killing = true;
    }
  }
  EXPECT_TRUE(killing);
  // The new instance is probed from scratch: three more failures before the next kill.
  executor_->advance(1s);
  EXPECT_EQ(events_->count("Killing"), 1u);
}

TEST_F(PodWorkerProbesTest, PassingLivenessKeepsItRunning) {
  execAnswers();
  startWorker(podWith("Always", R"("livenessProbe":{"exec":{"command":["check"]},
      "periodSeconds":1})"));
  executor_->advance(30s);
  EXPECT_EQ(container().at("restartCount"), 0);
  EXPECT_EQ(events_->count("Unhealthy"), 0u);
  EXPECT_GE(countExecs("app:check"), 29u);
  EXPECT_LE(countExecs("app:check"), 31u);
}

TEST_F(PodWorkerProbesTest, ReadinessGatesReadyAndFollowsFailures) {
  execAnswers();
  failing_.insert("ready");
  startWorker(podWith("Always", R"("readinessProbe":{"exec":{"command":["ready"]},
      "initialDelaySeconds":2,"periodSeconds":1,"failureThreshold":2,"successThreshold":2})"));
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(container().at("ready"), false);  // no success yet
  EXPECT_EQ(container().at("started"), true);
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(countExecs("app:ready"), 0u);  // initialDelaySeconds
  executor_->advance(3s);
  EXPECT_GE(countExecs("app:ready"), 1u);
  EXPECT_EQ(container().at("ready"), false);
  failing_.clear();
  executor_->advance(1s);  // one success of the two needed
  EXPECT_EQ(container().at("ready"), false);
  executor_->advance(1s);
  EXPECT_EQ(container().at("ready"), true);
  EXPECT_EQ(condition("Ready"), "True");
  EXPECT_EQ(condition("ContainersReady"), "True");
  failing_.insert("ready");
  executor_->advance(1s);  // one failure of two
  EXPECT_EQ(condition("Ready"), "True");
  executor_->advance(1s);
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(container().at("restartCount"), 0);  // readiness never restarts
  for (const auto& e : events_->events()) {
    if (e.reason == "Unhealthy") EXPECT_EQ(e.message, "Readiness probe failed: no\n");
  }
}

TEST_F(PodWorkerProbesTest, NoReadinessProbeMeansReadyWhenRunning) {
  execAnswers();
  startWorker(podWith("Always", R"("livenessProbe":{"exec":{"command":["check"]}})"));
  executor_->advance(500ms);
  EXPECT_EQ(container().at("ready"), true);
  EXPECT_EQ(condition("Ready"), "True");
}

TEST_F(PodWorkerProbesTest, StartupProbeHoldsLivenessAndReadiness) {
  execAnswers();
  failing_.insert("boot");
  failing_.insert("live");  // would kill it at once if it ran
  startWorker(podWith("Always", R"(
      "startupProbe":{"exec":{"command":["boot"]},"periodSeconds":1,"failureThreshold":30},
      "livenessProbe":{"exec":{"command":["live"]},"periodSeconds":1,"failureThreshold":1},
      "readinessProbe":{"exec":{"command":["ready"]},"periodSeconds":1})"));
  executor_->advance(10s);
  EXPECT_EQ(container().at("started"), false);
  EXPECT_EQ(container().at("ready"), false);
  EXPECT_EQ(countExecs("app:live"), 0u);
  EXPECT_EQ(countExecs("app:ready"), 0u);
  EXPECT_EQ(container().at("restartCount"), 0);
  failing_.erase("boot");
  failing_.erase("live");
  executor_->advance(1s);
  EXPECT_EQ(container().at("started"), true);
  size_t boots = countExecs("app:boot");
  executor_->advance(3s);
  EXPECT_EQ(countExecs("app:boot"), boots);  // done once it succeeded
  EXPECT_GE(countExecs("app:ready"), 1u);    // the other two run now
  EXPECT_GE(countExecs("app:live"), 1u);
  EXPECT_EQ(container().at("ready"), true);
  EXPECT_EQ(container().at("restartCount"), 0);
}

TEST_F(PodWorkerProbesTest, StartupFailureRestarts) {
  execAnswers();
  failing_.insert("boot");
  startWorker(podWith("Always", R"(
      "startupProbe":{"exec":{"command":["boot"]},"periodSeconds":1,"failureThreshold":3})"));
  executor_->advance(3s);
  EXPECT_EQ(container().at("restartCount"), 1);
  bool killing = false;
  for (const auto& e : events_->events()) {
    if (e.reason == "Killing") {
      EXPECT_EQ(e.message, "Container app failed startup probe, will be restarted");
      killing = true;
    }
    if (e.reason == "Unhealthy") EXPECT_EQ(e.message, "Startup probe failed: no\n");
  }
  EXPECT_TRUE(killing);
}

TEST_F(PodWorkerProbesTest, HttpAndTcpProbesOfHollowPodsSucceedWithoutNetwork) {
  startWorker(podWith("Always", R"("ports":[{"name":"web","containerPort":8080}],
      "livenessProbe":{"httpGet":{"path":"/healthz","port":"web"},"periodSeconds":1},
      "readinessProbe":{"tcpSocket":{"port":8080},"periodSeconds":1})"));
  executor_->advance(5s);
  EXPECT_EQ(container().at("ready"), true);
  EXPECT_EQ(container().at("restartCount"), 0);
  EXPECT_EQ(events_->count("Unhealthy"), 0u);
}

TEST_F(PodWorkerProbesTest, PostStartRunsAfterTheStartAndItsFailureKills) {
  execAnswers();
  failing_.insert("hook");
  startWorker(podWith("Never", R"("lifecycle":{"postStart":{"exec":{"command":["hook"]}}})",
                      R"("terminationGracePeriodSeconds":1)"));
  EXPECT_EQ(countExecs("app:hook"), 1u);
  executor_->advance(2s);
  EXPECT_EQ(events_->count("FailedPostStartHook"), 1u);
  for (const auto& e : events_->events()) {
    if (e.reason == "FailedPostStartHook") {
      EXPECT_EQ(e.type, "Warning");
      EXPECT_EQ(e.message,
                "Exec lifecycle hook ([hook]) for Container \"app\" in Pod \"p_default(uid-1)\" "
                "failed - error: command 'hook' exited with 1: , message: \"no\n\"");
    }
  }
  EXPECT_EQ(stateName(), "terminated");
}

TEST_F(PodWorkerProbesTest, PreStopRunsBeforeTheStopOnDeletion) {
  execAnswers();
  auto p = podWith("Always", R"("lifecycle":{"preStop":{"exec":{"command":["bye"]}}})");
  auto w = startWorker(p);
  executor_->advance(1s);
  EXPECT_EQ(countExecs("app:bye"), 0u);
  bj::object deleting = *p;
  deleting["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:31Z";
  deleting["metadata"].as_object()["deletionGracePeriodSeconds"] = 30;
  w->update(std::make_shared<const bj::object>(deleting));
  executor_->advance(1s);
  EXPECT_EQ(countExecs("app:bye"), 1u);
  EXPECT_TRUE(w->finished());
}

TEST_F(PodWorkerProbesTest, InitContainersRunInOrderBeforeTheApp) {
  // init-a runs 2 s, init-b 1 s, both exit 0.
  auto p = std::make_shared<const bj::object>(json::parse(R"({
      "metadata":{"name":"p","namespace":"default","uid":"uid-1"},
      "spec":{"nodeName":"n1","restartPolicy":"Always",
        "initContainers":[
          {"name":"init-a","image":"busybox","env":[{"name":"CUBE_FAKE_RUN_SECONDS","value":"2"}]},
          {"name":"init-b","image":"busybox","env":[{"name":"CUBE_FAKE_RUN_SECONDS","value":"1"}]}],
        "containers":[{"name":"app","image":"busybox"}]},
      "status":{"phase":"Pending"}})")
                                                  .as_object());
  startWorker(p);
  auto init = [&](size_t i) {
    return last().at("initContainerStatuses").as_array().at(i).as_object();
  };
  auto stateOf = [](const bj::object& s) {
    return std::string(s.at("state").as_object().begin()->key());
  };
  EXPECT_EQ(phase(), "Pending");
  EXPECT_EQ(condition("Initialized"), "False");
  EXPECT_EQ(eventLines().size(), 3u);  // only init-a was created and started
  executor_->advance(1s);
  EXPECT_EQ(stateOf(init(0)), "running");
  EXPECT_EQ(init(1).at("state").as_object().at("waiting").as_object().at("reason"),
            "PodInitializing");
  EXPECT_EQ(container().at("state").as_object().at("waiting").as_object().at("reason"),
            "PodInitializing");
  executor_->advance(2s);  // init-a done at 2.5 s; init-b started
  EXPECT_EQ(stateOf(init(0)), "terminated");
  EXPECT_EQ(init(0).at("ready"), true);
  EXPECT_EQ(stateOf(init(1)), "running");
  EXPECT_EQ(phase(), "Pending");
  executor_->advance(2s);  // init-b done at 4 s; app started, running 0.5 s later
  EXPECT_EQ(condition("Initialized"), "True");
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(phase(), "Running");
  std::vector<std::string> started;
  for (const auto& e : events_->events()) {
    if (e.reason == "Started") started.push_back(e.message);
  }
  for (const auto& e : events_->events()) {
    if (e.message == "Started container init-a") {
      EXPECT_EQ(e.about.fieldPath, "spec.initContainers{init-a}");
    }
    if (e.message == "Started container app") EXPECT_EQ(e.about.fieldPath, "spec.containers{app}");
  }
  EXPECT_EQ(started,
            (std::vector<std::string>{"Started container init-a", "Started container init-b",
                                      "Started container app"}));
}

TEST_F(PodWorkerProbesTest, AFailingInitContainerIsRetriedOrFailsThePod) {
  auto make =
      [](const std::string& policy) {
        return std::make_shared<const bj::object>(json::parse(R"({
      "metadata":{"name":"p","namespace":"default","uid":"uid-1"},
      "spec":{"nodeName":"n1","restartPolicy":")" + policy + R"(",
        "initContainers":[{"name":"init","image":"busybox",
          "env":[{"name":"CUBE_FAKE_EXIT_CODE","value":"1"}]}],
        "containers":[{"name":"app","image":"busybox"}]},
      "status":{"phase":"Pending"}})")
                                                      .as_object());
      };
  startWorker(make("Never"));
  executor_->advance(1s);
  EXPECT_EQ(phase(), "Failed");
  EXPECT_EQ(last()
                .at("initContainerStatuses")
                .as_array()
                .at(0)
                .as_object()
                .at("state")
                .as_object()
                .at("terminated")
                .as_object()
                .at("reason"),
            "Error");
  EXPECT_EQ(events_->count("Started"), 1u);  // the app never started
}

TEST_F(PodWorkerProbesTest, AFailingInitContainerCrashLoopsUnderOnFailure) {
  startWorker(std::make_shared<const bj::object>(json::parse(R"({
      "metadata":{"name":"p","namespace":"default","uid":"uid-1"},
      "spec":{"nodeName":"n1","restartPolicy":"OnFailure",
        "initContainers":[{"name":"init","image":"busybox",
          "env":[{"name":"CUBE_FAKE_EXIT_CODE","value":"1"}]}],
        "containers":[{"name":"app","image":"busybox"}]},
      "status":{"phase":"Pending"}})")
                                                     .as_object()));
  executor_->advance(1s);  // failed, retried at once, failed again: back-off
  const auto& init = last().at("initContainerStatuses").as_array().at(0).as_object();
  EXPECT_EQ(init.at("restartCount"), 1);
  EXPECT_EQ(init.at("state").as_object().at("waiting").as_object().at("reason"),
            "CrashLoopBackOff");
  EXPECT_EQ(phase(), "Pending");
  EXPECT_EQ(container().at("state").as_object().at("waiting").as_object().at("reason"),
            "PodInitializing");
}

}  // namespace
}  // namespace cube::agent
