// PodWorker with volumes (fake runtime, a temp pods dir): a missing ConfigMap holds the pod in
// ContainerCreating with FailedMount events, without a sandbox or an IP, and is retried until it
// exists; the runtime gets the container's mounts; a container restart keeps the emptyDir's
// data; deletion removes the pod's volume directory; an emptyDir over its sizeLimit evicts the
// pod.

#include "agent/volumes/volume_manager.h"
#include "pod_worker_fixture.h"
#include "volume_test_dir.h"

#include <filesystem>

namespace cube::agent {
namespace {

namespace fs = std::filesystem;
using namespace cube::agent::testing;

class VolumePodWorkerTest : public PodWorkerTest {
 protected:
  void SetUp() override {
    PodWorkerTest::SetUp();
    auto config = std::make_shared<NodeConfig>(*deps_.config);
    config->podsDir = tmp_.path() + "/pods";
    deps_.config = config;
  }
  PodPtr volumePod() {
    auto p = *pod("Always");
    auto& spec = p["spec"].as_object();
    spec["volumes"] =
        bj::array{bj::object{{"name", "html"}, {"emptyDir", bj::object{}}},
                  bj::object{{"name", "cfg"}, {"configMap", bj::object{{"name", "web"}}}}};
    spec["containers"].as_array()[0].as_object()["volumeMounts"] =
        bj::array{bj::object{{"name", "html"}, {"mountPath", "/var/htdocs"}},
                  bj::object{{"name", "cfg"}, {"mountPath", "/etc/web"}}};
    return std::make_shared<const bj::object>(std::move(p));
  }
  std::string podDir() { return tmp_.path() + "/pods/uid-1"; }
  std::string emptyDir() { return podDir() + "/volumes/kubernetes.io~empty-dir/html"; }

  VolumeTestDir tmp_;
};

TEST_F(VolumePodWorkerTest, MissingConfigMapHoldsThePodUntilItExists) {
  startWorker(volumePod());
  EXPECT_EQ(phase(), "Pending");
  EXPECT_EQ(stateName(), "waiting");
  EXPECT_EQ(container().at("state").at("waiting").at("reason"), "ContainerCreating");
  EXPECT_EQ(runtime_->containerCount(), 0u);
  ASSERT_FALSE(events_->events().empty());
  auto e = events_->events().back();  // events() is a copy
  EXPECT_EQ(e.type, "Warning");
  EXPECT_EQ(e.reason, "FailedMount");
  EXPECT_EQ(e.message, "MountVolume.SetUp failed for volume \"cfg\" : configmap \"web\" not found");
  EXPECT_TRUE(e.about.fieldPath.empty());  // on the pod, not a container
  // As with the kubelet, no sandbox (and no IP) before the volumes are there.
  EXPECT_TRUE(runtime_->listSandboxes().empty());
  EXPECT_FALSE(last().contains("podIP"));
  EXPECT_EQ(last().at("hostIP"), "127.1.0.1");
  EXPECT_FALSE(json::getString(last(), "startTime").empty());
  const auto& ready = last().at("conditions").as_array().at(0).as_object();
  EXPECT_EQ(ready.at("type"), "PodReadyToStartContainers");
  EXPECT_EQ(ready.at("status"), "False");

  // Retried with a back-off (0.5 s, 1 s, ...), the pod starts once the ConfigMap is there.
  executor_->advance(500ms);
  EXPECT_EQ(events_->count("FailedMount"), 2u);
  client_->objects["configmaps/default/web"] =
      bj::object{{"data", bj::object{{"index.html", "hello"}}}};
  executor_->advance(1s);
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(runtime_->listSandboxes().size(), 1u);
  EXPECT_EQ(json::getString(last(), "podIP").rfind("10.42.7.", 0), 0u);
  const auto& mounts = runtime_->lastConfig.mounts;
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].hostPath, emptyDir());
  EXPECT_EQ(mounts[0].containerPath, "/var/htdocs");
  EXPECT_FALSE(mounts[0].readOnly);
  EXPECT_EQ(mounts[1].containerPath, "/etc/web");
  EXPECT_TRUE(mounts[1].readOnly);
  EXPECT_EQ(readText(mounts[1].hostPath + "/index.html"), "hello");
}

TEST_F(VolumePodWorkerTest, RestartsKeepTheDataAndDeletionRemovesIt) {
  client_->objects["configmaps/default/web"] = bj::object{{"data", bj::object{}}};
  auto p = volumePod();
  auto w = startWorker(p);
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  writeText(emptyDir() + "/index.html", "Running loop seq 1");
  // The container exits and is restarted (first restart at once): same volume, same data.
  auto id = runtime_->listContainers(runtime_->listSandboxes()[0].id)[0].id;
  runtime_->stopContainer(id, 0s);
  executor_->advance(1s);
  EXPECT_EQ(container().at("restartCount"), 1);
  EXPECT_EQ(runtime_->lastConfig.mounts.at(0).hostPath, emptyDir());
  EXPECT_EQ(readText(emptyDir() + "/index.html"), "Running loop seq 1");

  bj::object deleting = *p;
  deleting["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:31Z";
  deleting["metadata"].as_object()["deletionGracePeriodSeconds"] = 0;
  w->update(std::make_shared<const bj::object>(deleting));
  executor_->advance(2s);
  EXPECT_TRUE(w->finished());
  EXPECT_FALSE(fs::exists(podDir()));
}

TEST_F(VolumePodWorkerTest, ConfigMapUpdatesReachTheRunningPod) {
  client_->objects["configmaps/default/web"] = bj::object{{"data", bj::object{{"a", "1"}}}};
  startWorker(volumePod());
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  std::string file = runtime_->lastConfig.mounts.at(1).hostPath + "/a";
  EXPECT_EQ(readText(file), "1");
  client_->objects["configmaps/default/web"] = bj::object{{"data", bj::object{{"a", "2"}}}};
  executor_->advance(9s);
  EXPECT_EQ(readText(file), "1");
  executor_->advance(1s);  // the 10 s refresh
  EXPECT_EQ(readText(file), "2");
  // Deleted meanwhile: the files stay as they were, and FailedMount says why.
  client_->objects.erase("configmaps/default/web");
  executor_->advance(10s);
  EXPECT_EQ(readText(file), "2");
  EXPECT_EQ(events_->count("FailedMount"), 1u);
  EXPECT_EQ(stateName(), "running");
}

TEST_F(VolumePodWorkerTest, ATerminatedPodsVolumesGo) {
  client_->objects["configmaps/default/web"] = bj::object{{"data", bj::object{}}};
  auto p = *volumePod();
  p["spec"].as_object()["restartPolicy"] = "Never";
  p["metadata"].as_object()["annotations"] = bj::object{{runtime::kFakeRunSecondsAnnotation, "2"},
                                                        {runtime::kFakeExitCodeAnnotation, "0"}};
  startWorker(std::make_shared<const bj::object>(std::move(p)));
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  EXPECT_TRUE(fs::exists(emptyDir()));
  executor_->advance(3s);
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_FALSE(fs::exists(podDir()));
}

TEST_F(VolumePodWorkerTest, ABadSubPathIsCreateContainerConfigError) {
  client_->objects["configmaps/default/web"] = bj::object{{"data", bj::object{}}};
  auto p = *volumePod();
  p["spec"].as_object()["containers"].as_array()[0].as_object()["volumeMounts"] =
      bj::array{bj::object{{"name", "html"}, {"mountPath", "/x"}, {"subPath", "../../etc"}}};
  startWorker(std::make_shared<const bj::object>(std::move(p)));
  EXPECT_EQ(container().at("state").at("waiting").at("reason"), "CreateContainerConfigError");
  EXPECT_EQ(runtime_->containerCount(), 0u);
}

TEST_F(VolumePodWorkerTest, AnEmptyDirOverItsSizeLimitEvictsThePod) {
  // The container ignores SIGTERM (stops in 5 s): the 1 s grace ends with a kill.
  auto p = *pod("Always", {{runtime::kFakeStopSecondsAnnotation, "5"}});
  auto& spec = p["spec"].as_object();
  spec["volumes"] =
      bj::array{bj::object{{"name", "html"}, {"emptyDir", bj::object{{"sizeLimit", "64Ki"}}}}};
  startWorker(std::make_shared<const bj::object>(std::move(p)));
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");
  // Within the limit: measured every 10 s, nothing happens.
  writeText(emptyDir() + "/small", std::string(16 << 10, 'x'));
  executor_->advance(10s);
  EXPECT_EQ(phase(), "Running");
  EXPECT_EQ(events_->count("Evicted"), 0u);
  // Past it: at the next measurement the pod is evicted, its container stopped (1 s grace).
  writeText(emptyDir() + "/big", std::string(256 << 10, 'x'));
  ::sync();
  executor_->advance(10s);
  ASSERT_EQ(events_->count("Evicted"), 1u);
  std::string message = "Usage of EmptyDir volume \"html\" exceeds the limit \"64Ki\". ";
  for (const auto& e : events_->events()) {
    if (e.reason != "Evicted") continue;
    EXPECT_EQ(e.type, "Warning");
    EXPECT_EQ(e.message, message);
    EXPECT_TRUE(e.about.fieldPath.empty());
  }
  EXPECT_EQ(events_->count("Killing"), 1u);
  executor_->advance(2s);
  EXPECT_EQ(phase(), "Failed");
  EXPECT_EQ(last().at("reason"), "Evicted");
  EXPECT_EQ(json::getString(last(), "message"), message);
  EXPECT_EQ(stateName(), "terminated");
  EXPECT_EQ(container().at("state").at("terminated").at("exitCode"), 137);
  // Never restarted (restartPolicy Always notwithstanding); its volumes are gone.
  executor_->advance(30s);
  EXPECT_EQ(container().at("restartCount"), 0);
  EXPECT_EQ(phase(), "Failed");
  EXPECT_FALSE(fs::exists(podDir()));
}

TEST_F(VolumePodWorkerTest, NodesWithoutPodsDirMountNothing) {
  auto config = std::make_shared<NodeConfig>(*deps_.config);
  config->podsDir.clear();
  deps_.config = config;
  startWorker(volumePod());
  executor_->advance(500ms);
  EXPECT_EQ(stateName(), "running");  // hollow nodes ignore volumes
  EXPECT_TRUE(runtime_->lastConfig.mounts.empty());
  EXPECT_FALSE(fs::exists(podDir()));
}

}  // namespace
}  // namespace cube::agent
