// computePodStatus: phase, conditions and containerStatuses for each runtime state.

#include "agent/pod_status.h"
#include "common/json_util.h"

#include <gtest/gtest.h>

namespace cube::agent {
namespace {

namespace bj = boost::json;
using runtime::ContainerState;
using runtime::ContainerStatus;
using namespace std::chrono_literals;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1767225600));

bj::object pod(std::vector<std::string> containers, std::string restartPolicy = "Always") {
  bj::array cs;
  for (auto& c : containers) cs.push_back(bj::object{{"name", c}, {"image", "nginx:1.27"}});
  return bj::object{
      {"metadata", bj::object{{"name", "web"}, {"namespace", "default"}, {"uid", "u1"}}},
      {"spec", bj::object{{"containers", cs}, {"restartPolicy", restartPolicy}}},
      {"status", bj::object{{"phase", "Pending"}, {"qosClass", "BestEffort"}}}};
}

ContainerStatus instance(ContainerState state, uint32_t attempt = 0, int exitCode = 0) {
  ContainerStatus c;
  c.id = "fake://c" + std::to_string(attempt);
  c.name = "app";
  c.attempt = attempt;
  c.state = state;
  c.image = "nginx:1.27";
  c.imageId = "nginx:1.27@sha256:abc";
  c.createdAt = kT0;
  if (state != ContainerState::Created) c.startedAt = kT0 + 1s;
  if (state == ContainerState::Exited) {
    c.finishedAt = kT0 + 5s;
    c.exitCode = exitCode;
    c.reason = exitCode == 0 ? "Completed" : "Error";
  }
  return c;
}

PodRuntimeView view(std::optional<ContainerStatus> current,
                    std::optional<ContainerStatus> previous = std::nullopt) {
  PodRuntimeView v;
  v.sandboxReady = true;
  v.hostIP = "127.1.0.1";
  v.podIP = "10.42.0.5";
  v.startTime = kT0;
  if (current) v.containers["app"].current = current;
  if (previous) v.containers["app"].previous = previous;
  return v;
}

const bj::object& conditionOf(const bj::object& status, const std::string& type) {
  for (const auto& c : status.at("conditions").as_array()) {
    if (c.as_object().at("type").as_string() == type) return c.as_object();
  }
  static const bj::object kNone;
  ADD_FAILURE() << "no condition " << type;
  return kNone;
}

const bj::object& containerOf(const bj::object& status) {
  return status.at("containerStatuses").as_array().at(0).as_object();
}

TEST(PodStatus, CreatingIsPendingWithContainerCreating) {
  auto s = computePodStatus(pod({"app"}), view(std::nullopt), kT0);
  EXPECT_EQ(s.at("phase"), "Pending");
  EXPECT_EQ(s.at("hostIP"), "127.1.0.1");
  EXPECT_EQ(s.at("podIP"), "10.42.0.5");
  EXPECT_EQ(s.at("podIPs").as_array().at(0).as_object().at("ip"), "10.42.0.5");
  EXPECT_EQ(s.at("startTime"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(s.at("qosClass"), "BestEffort");  // kept
  const auto& c = containerOf(s);
  EXPECT_EQ(c.at("state").as_object().at("waiting").as_object().at("reason"), "ContainerCreating");
  EXPECT_EQ(c.at("ready"), false);
  EXPECT_EQ(c.at("restartCount"), 0);
  EXPECT_EQ(c.at("image"), "nginx:1.27");
  EXPECT_EQ(conditionOf(s, "Ready").at("status"), "False");
  EXPECT_EQ(conditionOf(s, "Ready").at("reason"), "ContainersNotReady");
  EXPECT_EQ(conditionOf(s, "Ready").at("message"), "containers with unready status: [app]");
  EXPECT_EQ(conditionOf(s, "PodScheduled").at("status"), "True");
  EXPECT_EQ(conditionOf(s, "Initialized").at("status"), "True");
  EXPECT_EQ(conditionOf(s, "PodReadyToStartContainers").at("status"), "True");

  s = computePodStatus(pod({"app"}), view(instance(ContainerState::Created)), kT0);
  EXPECT_EQ(s.at("phase"), "Pending");
  EXPECT_EQ(containerOf(s).at("containerID"), "fake://c0");
}

TEST(PodStatus, RunningIsReady) {
  auto s = computePodStatus(pod({"app"}), view(instance(ContainerState::Running)), kT0 + 2s);
  EXPECT_EQ(s.at("phase"), "Running");
  const auto& c = containerOf(s);
  EXPECT_EQ(c.at("state").as_object().at("running").as_object().at("startedAt"),
            "2026-01-01T00:00:01Z");
  EXPECT_EQ(c.at("ready"), true);
  EXPECT_EQ(c.at("started"), true);
  EXPECT_EQ(c.at("imageID"), "nginx:1.27@sha256:abc");
  EXPECT_EQ(conditionOf(s, "Ready").at("status"), "True");
  EXPECT_EQ(conditionOf(s, "ContainersReady").at("status"), "True");
  EXPECT_EQ(conditionOf(s, "Ready").at("lastTransitionTime"), "2026-01-01T00:00:02Z");
}

TEST(PodStatus, TransitionTimesMoveOnlyOnChange) {
  auto p = pod({"app"});
  auto first = computePodStatus(p, view(instance(ContainerState::Running)), kT0 + 2s);
  p["status"] = first;
  auto again = computePodStatus(p, view(instance(ContainerState::Running)), kT0 + 60s);
  EXPECT_EQ(again, first);  // nothing to write
  auto exited = computePodStatus(p, view(instance(ContainerState::Exited, 0, 1)), kT0 + 90s);
  EXPECT_EQ(conditionOf(exited, "Ready").at("lastTransitionTime"), "2026-01-01T00:01:30Z");
  EXPECT_EQ(conditionOf(exited, "PodScheduled").at("lastTransitionTime"), "2026-01-01T00:00:02Z");
}

TEST(PodStatus, ExitZeroForGoodSucceeds) {
  auto s = computePodStatus(pod({"app"}, "Never"), view(instance(ContainerState::Exited, 0, 0)),
                            kT0 + 6s);
  EXPECT_EQ(s.at("phase"), "Succeeded");
  const auto& t = containerOf(s).at("state").as_object().at("terminated").as_object();
  EXPECT_EQ(t.at("exitCode"), 0);
  EXPECT_EQ(t.at("reason"), "Completed");
  EXPECT_EQ(t.at("finishedAt"), "2026-01-01T00:00:05Z");
  EXPECT_EQ(t.at("containerID"), "fake://c0");
  EXPECT_EQ(conditionOf(s, "Ready").at("reason"), "PodCompleted");
  EXPECT_FALSE(conditionOf(s, "Ready").contains("message"));
}

TEST(PodStatus, AnyFailureForGoodFails) {
  auto p = pod({"app", "side"}, "Never");
  auto v = view(instance(ContainerState::Exited, 0, 2));
  auto side = instance(ContainerState::Exited, 0, 0);
  side.name = "side";
  v.containers["side"].current = side;
  auto s = computePodStatus(p, v, kT0 + 6s);
  EXPECT_EQ(s.at("phase"), "Failed");
  EXPECT_EQ(containerOf(s).at("state").as_object().at("terminated").as_object().at("reason"),
            "Error");
  // The kubelet's reasons for a failed pod: PodFailed, and Initialized without PodCompleted.
  EXPECT_EQ(conditionOf(s, "Ready").at("reason"), "PodFailed");
  EXPECT_EQ(conditionOf(s, "ContainersReady").at("reason"), "PodFailed");
  EXPECT_EQ(conditionOf(s, "Initialized").at("status"), "True");
  EXPECT_FALSE(conditionOf(s, "Initialized").contains("reason"));
}

TEST(PodStatus, OneRunningOneExitedIsRunning) {
  auto p = pod({"app", "side"}, "Never");
  auto v = view(instance(ContainerState::Running));
  auto side = instance(ContainerState::Exited, 0, 0);
  side.name = "side";
  v.containers["side"].current = side;
  auto s = computePodStatus(p, v, kT0 + 6s);
  EXPECT_EQ(s.at("phase"), "Running");
  EXPECT_EQ(conditionOf(s, "Ready").at("status"), "False");
  EXPECT_EQ(conditionOf(s, "Ready").at("message"), "containers with unready status: [side]");
}

TEST(PodStatus, CrashLoopBackOffShowsTheLastExit) {
  auto v = view(instance(ContainerState::Exited, 3, 1), instance(ContainerState::Exited, 2, 1));
  v.containers["app"].backoffUntil = kT0 + 45s;
  v.containers["app"].backoff = 40s;
  auto s = computePodStatus(pod({"app"}), v, kT0 + 6s);
  EXPECT_EQ(s.at("phase"), "Running");
  const auto& c = containerOf(s);
  EXPECT_EQ(c.at("restartCount"), 3);
  const auto& w = c.at("state").as_object().at("waiting").as_object();
  EXPECT_EQ(w.at("reason"), "CrashLoopBackOff");
  EXPECT_EQ(w.at("message"), "back-off 40s restarting failed container=app pod=web_default(u1)");
  EXPECT_EQ(c.at("lastState").as_object().at("terminated").as_object().at("containerID"),
            "fake://c3");
  EXPECT_EQ(c.at("ready"), false);
}

TEST(PodStatus, RestartedContainerKeepsLastState) {
  auto v = view(instance(ContainerState::Running, 1), instance(ContainerState::Exited, 0, 1));
  auto s = computePodStatus(pod({"app"}), v, kT0 + 6s);
  const auto& c = containerOf(s);
  EXPECT_EQ(c.at("restartCount"), 1);
  EXPECT_EQ(c.at("lastState").as_object().at("terminated").as_object().at("exitCode"), 1);
  EXPECT_TRUE(c.at("state").as_object().contains("running"));
  // A restart still being created keeps the pod Running.
  v = view(instance(ContainerState::Created, 1), instance(ContainerState::Exited, 0, 1));
  EXPECT_EQ(computePodStatus(pod({"app"}), v, kT0 + 6s).at("phase"), "Running");
}

TEST(PodStatus, TerminalPhaseNeverGoesBack) {
  auto p = pod({"app"});
  p["status"].as_object()["phase"] = "Succeeded";
  auto s = computePodStatus(p, view(instance(ContainerState::Running)), kT0);
  EXPECT_EQ(s.at("phase"), "Succeeded");
}

TEST(PodStatus, GoDurations) {
  EXPECT_EQ(formatGoDuration(10s), "10s");
  EXPECT_EQ(formatGoDuration(80s), "1m20s");
  EXPECT_EQ(formatGoDuration(300s), "5m0s");
}

}  // namespace
}  // namespace cube::agent
