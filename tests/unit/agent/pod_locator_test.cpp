// findContainer: which instance of a container logs, exec and attach reach. The pod's status
// names it (a running state carries no containerID: the entry's own is the running one); the
// runtime's attempts decide when the status does not say yet.
#include "agent/streaming/pod_locator.h"
#include "one_sandbox_runtime.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace cube::agent::streaming {
namespace {

namespace bj = boost::json;

// Two instances of container "c": attempt 0 (exited) and attempt 1 (running).
class TwoInstancesRuntime : public testing::OneSandboxRuntime {
 public:
  std::vector<runtime::ContainerStatus> listContainers(const std::string&) override {
    runtime::ContainerStatus old, now;
    old.id = "fake://old";
    old.name = now.name = "c";
    old.state = runtime::ContainerState::Exited;
    now.id = "fake://new";
    now.attempt = 1;
    now.state = runtime::ContainerState::Running;
    return {old, now};
  }
};

LocatedPod located(const std::string& status) {
  auto pod = std::make_shared<bj::object>(
      bj::parse(R"({"metadata":{"name":"p","uid":"uid-1"},"status":)" + status + "}").as_object());
  return LocatedPod{pod, "uid-1", std::make_shared<TwoInstancesRuntime>()};
}

TEST(FindContainer, ARestartedRunningContainerIsTheNewInstance) {
  auto pod = located(R"({"containerStatuses":[{"name":"c","containerID":"fake://new",
      "state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}},
      "lastState":{"terminated":{"exitCode":137,"containerID":"fake://old"}}}]})");
  EXPECT_EQ(findContainer(pod, "c", false)->id, "fake://new");
  EXPECT_EQ(findContainer(pod, "c", true)->id, "fake://old");
}

TEST(FindContainer, InBackOffTheCurrentIsTheLastOneThatRan) {
  auto pod = located(R"({"containerStatuses":[{"name":"c",
      "state":{"waiting":{"reason":"CrashLoopBackOff"}},
      "lastState":{"terminated":{"exitCode":1,"containerID":"fake://old"}}}]})");
  EXPECT_EQ(findContainer(pod, "c", false)->id, "fake://old");
}

TEST(FindContainer, WithoutAStatusTheNewestAttempt) {
  auto pod = located("{}");
  EXPECT_EQ(findContainer(pod, "c", false)->id, "fake://new");
  EXPECT_EQ(findContainer(pod, "c", true)->id, "fake://old");
  EXPECT_FALSE(findContainer(pod, "nope", false));
}

}  // namespace
}  // namespace cube::agent::streaming
