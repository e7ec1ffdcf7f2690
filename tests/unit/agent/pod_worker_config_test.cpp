// PodWorker when a container cannot be created: an image not on the node (ErrImagePull, then
// ImagePullBackOff with a doubling back-off; ErrImageNeverPull with imagePullPolicy Never), a
// spec the runtime refuses and a missing ConfigMap (CreateContainerConfigError), and what the
// runtime is given for real containers (the pod, the container spec, resolved env).

#include "pod_worker_fixture.h"

namespace cube::agent {
namespace {

using namespace cube::agent::testing;

class PodWorkerConfigTest : public PodWorkerTest {
 protected:
  PodPtr podWith(bj::object container) {
    auto p = *pod("Always");
    p["spec"].as_object()["containers"] = bj::array{std::move(container)};
    return std::make_shared<const bj::object>(std::move(p));
  }
  const bj::object& waiting() {
    return container().at("state").as_object().at("waiting").as_object();
  }
  std::string reason() { return std::string(waiting().at("reason").as_string()); }
  bool hasEvent(const std::string& line) {
    auto lines = eventLines();
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  }
};

TEST_F(PodWorkerConfigTest, MissingImageIsErrImagePullThenImagePullBackOff) {
  runtime_->missingImages.insert("nope:1");
  startWorker(podWith(bj::object{{"name", "app"}, {"image", "nope:1"}}));
  EXPECT_EQ(phase(), "Pending");
  EXPECT_EQ(reason(), "ErrImagePull");
  EXPECT_TRUE(
      hasEvent("Failed: Failed to pull image \"nope:1\": image \"nope:1\" is not on this "
               "node"));
  EXPECT_TRUE(hasEvent("Failed: Error: ErrImagePull"));
  executor_->advance(1s);
  EXPECT_EQ(reason(), "ImagePullBackOff");
  EXPECT_EQ(waiting().at("message"), "Back-off pulling image \"nope:1\"");
  EXPECT_TRUE(hasEvent("BackOff: Back-off pulling image \"nope:1\""));
  EXPECT_EQ(runtime_->containerCount(), 0u);
  // Tried again after 10 s: still missing, the next back-off is 20 s.
  executor_->advance(9s);
  EXPECT_EQ(reason(), "ErrImagePull");
  executor_->advance(1s);
  EXPECT_EQ(reason(), "ImagePullBackOff");
  // The image arrives (cube image import): the next try runs it.
  runtime_->missingImages.clear();
  executor_->advance(18s);
  EXPECT_EQ(reason(), "ImagePullBackOff");
  executor_->advance(1s);
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(phase(), "Running");
}

TEST_F(PodWorkerConfigTest, MissingImageWithPullPolicyNeverIsErrImageNeverPull) {
  runtime_->missingImages.insert("nope:1");
  startWorker(
      podWith(bj::object{{"name", "app"}, {"image", "nope:1"}, {"imagePullPolicy", "Never"}}));
  EXPECT_EQ(reason(), "ErrImageNeverPull");
  std::string message = "Container image \"nope:1\" is not present with pull policy of Never";
  EXPECT_EQ(json::getString(waiting(), "message"), message);
  EXPECT_TRUE(hasEvent("ErrImageNeverPull: " + message));
  executor_->advance(1min);
  EXPECT_EQ(reason(), "ErrImageNeverPull");
}

TEST_F(PodWorkerConfigTest, ASpecTheRuntimeRefusesIsCreateContainerConfigError) {
  runtime_->badImages.insert("bad:1");
  startWorker(podWith(bj::object{{"name", "app"}, {"image", "bad:1"}}));
  EXPECT_EQ(reason(), "CreateContainerConfigError");
  EXPECT_EQ(waiting().at("message"), "bad spec");
  EXPECT_TRUE(hasEvent("Failed: Error: bad spec"));
}

TEST_F(PodWorkerConfigTest, AMissingConfigMapWaitsUntilItExists) {
  bj::object ref{{"name", "cfg"}, {"key", "k"}};
  startWorker(podWith(bj::object{
      {"name", "app"},
      {"image", "busybox"},
      {"env", bj::array{bj::object{{"name", "V"},
                                   {"valueFrom", bj::object{{"configMapKeyRef", ref}}}}}}}));
  EXPECT_EQ(reason(), "CreateContainerConfigError");
  EXPECT_EQ(waiting().at("message"), "configmap \"cfg\" not found");
  client_->objects["configmaps/default/cfg"] = bj::object{{"data", bj::object{{"other", "x"}}}};
  executor_->advance(10s);
  EXPECT_EQ(waiting().at("message"), "couldn't find key k in ConfigMap default/cfg");
  client_->objects["configmaps/default/cfg"] = bj::object{{"data", bj::object{{"k", "v1"}}}};
  executor_->advance(10s);
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(runtime_->lastConfig.valueFrom.at("V"), "v1");
}

TEST_F(PodWorkerConfigTest, TheRuntimeGetsThePodTheSpecAndTheDownwardApi) {
  startWorker(podWith(bj::object{
      {"name", "app"},
      {"image", "busybox"},
      {"env",
       bj::array{
           bj::object{
               {"name", "IP"},
               {"valueFrom", bj::object{{"fieldRef", bj::object{{"fieldPath", "status.podIP"}}}}}},
           bj::object{{"name", "NODE"},
                      {"valueFrom",
                       bj::object{{"fieldRef", bj::object{{"fieldPath", "spec.nodeName"}}}}}}}}}));
  const auto& c = runtime_->lastConfig;
  ASSERT_TRUE(c.spec);
  EXPECT_EQ(json::getString(*c.spec, "image"), "busybox");
  EXPECT_EQ(c.valueFrom.at("IP"), "10.42.7.2");
  EXPECT_EQ(c.valueFrom.at("NODE"), "n1");
  auto sandboxes = runtime_->listSandboxes();
  ASSERT_EQ(sandboxes.size(), 1u);
}

TEST_F(PodWorkerConfigTest, AHostNetworkPodHasTheNodesAddress) {
  auto p = *pod("Always");
  p["spec"].as_object()["hostNetwork"] = true;
  startWorker(std::make_shared<const bj::object>(std::move(p)));
  EXPECT_EQ(last().at("podIP"), "127.1.0.1");
  EXPECT_EQ(last().at("hostIP"), "127.1.0.1");
}

}  // namespace
}  // namespace cube::agent
