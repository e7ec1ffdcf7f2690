// Static pods run from their files: the source hands the node a pod whose uid is the config
// hash, with or without an API server; the mirror pod only reflects it (status, recreated when
// deleted without touching the containers); a changed file replaces the pod once the old one has
// stopped; a removed file stops it and deletes its mirror; a new agent adopts the containers.
#include "agent/static_pods.h"

#include "../client/fake_api_client.h"
#include "agent/node_agent.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "manual_executor.h"
#include "runtime/fake/fake_runtime.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cube::agent {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using client::testing::FakeApiClient;

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};

const char* kWebYaml = R"(apiVersion: v1
kind: Pod
metadata:
  name: static-web
  labels:
    role: myrole
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - name: web
      containerPort: 80
)";

std::string annotation(const bj::object& pod, const char* key) {
  return json::getString(*json::getObject(*json::getObject(pod, "metadata"), "annotations"), key);
}

std::string metaOf(const bj::object& pod, const char* key) {
  return json::getString(*json::getObject(pod, "metadata"), key);
}

TEST(StaticPodOf, NamesBindsAndAnnotatesTheManifestsPodWithTheHashAsUid) {
  bj::object pod = staticPodOf(kWebYaml, "node-1");
  EXPECT_EQ(metaOf(pod, "name"), "static-web-node-1");
  EXPECT_EQ(metaOf(pod, "namespace"), "default");
  EXPECT_EQ(json::getString(*json::getObject(*json::getObject(pod, "metadata"), "labels"), "role"),
            "myrole");
  EXPECT_EQ(annotation(pod, kConfigSourceAnnotation), "file");
  EXPECT_EQ(metaOf(pod, "uid").size(), 32u);
  EXPECT_EQ(annotation(pod, kConfigHashAnnotation), metaOf(pod, "uid"));
  EXPECT_FALSE(annotation(pod, kConfigSeenAnnotation).empty());
  EXPECT_EQ(annotation(pod, kConfigMirrorAnnotation), "");
  EXPECT_EQ(json::getString(*json::getObject(pod, "spec"), "nodeName"), "node-1");
  EXPECT_TRUE(isStaticPod(pod));
  EXPECT_FALSE(isMirrorPod(pod));
  // Stable for the same pod (comments and layout aside); another node or spec, another hash.
  EXPECT_EQ(metaOf(staticPodOf(std::string("# the web server\n") + kWebYaml, "node-1"), "uid"),
            metaOf(pod, "uid"));
  EXPECT_NE(metaOf(staticPodOf(kWebYaml, "node-2"), "uid"), metaOf(pod, "uid"));
  EXPECT_NE(
      metaOf(staticPodOf(std::string(kWebYaml) + "  restartPolicy: Never\n", "node-1"), "uid"),
      metaOf(pod, "uid"));
}

TEST(StaticPodOf, KeepsTheManifestsNamespaceAndReadsJson) {
  bj::object pod = staticPodOf(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"kube-system"},)"
      R"("spec":{"containers":[{"name":"c","image":"busybox"}]}})",
      "n");
  EXPECT_EQ(metaOf(pod, "namespace"), "kube-system");
  EXPECT_EQ(metaOf(pod, "name"), "x-n");
}

TEST(StaticPodOf, RefusesWhatIsNotAPod) {
  EXPECT_THROW(staticPodOf("a: [b", "n"), std::invalid_argument);
  EXPECT_THROW(staticPodOf("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n", "n"),
               std::invalid_argument);
  EXPECT_THROW(staticPodOf("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {}\n", "n"),
               std::invalid_argument);
  EXPECT_THROW(staticPodOf("- 1\n- 2\n", "n"), std::invalid_argument);
}

TEST(MirrorPodOf, IsTheStaticPodForTheApiOwnedByTheNode) {
  bj::object pod = staticPodOf(kWebYaml, "node-1");
  bj::object mirror = mirrorPodOf(pod, "node-1", "uid-1");
  EXPECT_FALSE(json::getObject(mirror, "metadata")->contains("uid"));
  EXPECT_EQ(metaOf(mirror, "name"), "static-web-node-1");
  EXPECT_EQ(annotation(mirror, kConfigMirrorAnnotation), metaOf(pod, "uid"));
  EXPECT_EQ(mirrorHashOf(mirror), metaOf(pod, "uid"));
  EXPECT_TRUE(isMirrorPod(mirror));
  EXPECT_FALSE(isStaticPod(mirror));
  const auto& owner =
      json::getObject(mirror, "metadata")->at("ownerReferences").as_array().at(0).as_object();
  EXPECT_EQ(json::getString(owner, "kind"), "Node");
  EXPECT_EQ(json::getString(owner, "name"), "node-1");
  EXPECT_EQ(json::getString(owner, "uid"), "uid-1");
  EXPECT_FALSE(
      json::getObject(mirrorPodOf(pod, "node-1", ""), "metadata")->contains("ownerReferences"));
}

class StaticPodSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cube-static-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    client_ = std::make_shared<FakeApiClient>();
    auto timer = [e = executor_](TimePoint when, std::function<void()> fn) {
      e->postAt(when, std::move(fn));
    };
    runtime_ = std::make_shared<runtime::FakeRuntime>(executor_, timer,
                                                      runtime::FakeRuntimeOptions{500ms});
    startAgent();
  }
  void TearDown() override {
    agent_->stop();
    fs::remove_all(dir_);
  }

  // A node agent and its static pod source, as AgentHost wires them (again: an agent restart).
  void startAgent() {
    if (agent_) agent_->stop();
    NodeConfig config;
    config.nodeName = "node-1";
    config.internalIP = "127.1.0.1";
    config.fallbackPodCIDR = "10.42.7.0/24";
    agent_ = std::make_shared<NodeAgent>(config, executor_, client_, runtime_);
    // Mirrors are made once the node's pod watch has listed what is there.
    source_ =
        std::make_shared<StaticPodSource>(StaticPodOptions{dir_.string(), "node-1"}, executor_,
                                          client_, agent_, [this] { return watched_; });
    seen_.clear();
    watched_ = false;
  }

  // The node's pod watch: hands the agent what changed among the pods bound to node-1.
  void watch() {
    client::ListOptions options;
    options.fieldSelector = "spec.nodeName=node-1";
    std::map<std::string, bj::object> now;
    try {
      for (auto& pod : client_->list(kPods, "", options).items) now[metaOf(*pod, "uid")] = *pod;
    } catch (const std::exception&) {
      return;  // the API server is down: the watch delivers nothing
    }
    watched_ = true;
    for (auto& [uid, pod] : seen_) {
      if (!now.count(uid)) agent_->podDeleted(std::make_shared<const bj::object>(pod));
    }
    for (auto& [uid, pod] : now) {
      auto it = seen_.find(uid);
      if (it == seen_.end() || it->second != pod) {
        agent_->podChanged(std::make_shared<const bj::object>(pod));
      }
    }
    seen_ = std::move(now);
  }
  // Source passes and watch deliveries until the API settles, with time moving on.
  void settle(std::chrono::milliseconds step = 1s, int rounds = 3) {
    for (int i = 0; i < rounds; ++i) {
      source_->sync();
      watch();
      executor_->advance(step);
      watch();
    }
  }

  void write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file) << text;
  }
  std::optional<bj::object> mirror(const std::string& name = "static-web-node-1") {
    return client_->stored(kPods, "default", name);
  }
  std::string phaseOf(const bj::object& pod) {
    const auto* status = json::getObject(pod, "status");
    return status ? json::getString(*status, "phase") : "";
  }
  // The containers of the sandboxes of pod `uid`.
  std::vector<runtime::ContainerStatus> containersOf(const std::string& uid) {
    std::vector<runtime::ContainerStatus> out;
    for (const auto& s : runtime_->listSandboxes()) {
      if (s.podUid != uid) continue;
      for (auto& c : runtime_->listContainers(s.id)) out.push_back(c);
    }
    return out;
  }
  size_t creates() {
    size_t n = 0;
    for (const auto& a : client_->actions()) n += a.verb == "create" && a.resource == "pods";
    return n;
  }

  fs::path dir_;
  std::shared_ptr<ManualExecutor> executor_ = std::make_shared<ManualExecutor>();
  std::shared_ptr<FakeApiClient> client_;
  std::shared_ptr<runtime::FakeRuntime> runtime_;
  std::shared_ptr<NodeAgent> agent_;
  std::shared_ptr<StaticPodSource> source_;
  std::map<std::string, bj::object> seen_;  // what the pod watch delivered, by uid
  bool watched_ = false;                    // it has listed the pods once
  const std::string hash_ = metaOf(staticPodOf(kWebYaml, "node-1"), "uid");
};

TEST_F(StaticPodSourceTest, RunsTheFilesPodWhileTheApiServerIsDownThenMirrorsIt) {
  client_->setReactor(
      [](const client::testing::FakeAction&) { throw std::runtime_error("connection refused"); });
  agent_->start();  // registration fails and is retried
  write("web.yaml", kWebYaml);
  write(".hidden.yaml", kWebYaml);
  settle();
  EXPECT_FALSE(agent_->registered());
  EXPECT_FALSE(mirror());
  EXPECT_TRUE(source_->hasSynced());
  EXPECT_EQ(agent_->workerCount(), 1u);
  auto containers = containersOf(hash_);
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0].state, runtime::ContainerState::Running);

  // The API server comes up: the node registers and the mirror shows the pod Running.
  client_->setReactor(nullptr);
  executor_->advance(3s);
  ASSERT_TRUE(agent_->registered());
  settle();
  auto pod = mirror();
  ASSERT_TRUE(pod);
  EXPECT_EQ(mirrorHashOf(*pod), hash_);
  EXPECT_NE(metaOf(*pod, "uid"), hash_);
  EXPECT_EQ(json::getString(
                json::getObject(*pod, "metadata")->at("ownerReferences").at(0).as_object(), "uid"),
            agent_->nodeUid());
  EXPECT_EQ(phaseOf(*pod), "Running");
  // The mirror got no worker of its own, and the running container is the first one.
  EXPECT_EQ(agent_->workerCount(), 1u);
  ASSERT_EQ(containersOf(hash_).size(), 1u);
  EXPECT_EQ(containersOf(hash_)[0].id, containers[0].id);
  // Nothing more to do on the next passes.
  client_->clearActions();
  settle();
  EXPECT_EQ(creates(), 0u);
}

TEST_F(StaticPodSourceTest, ADeletedMirrorIsConfirmedAtOnceAndMadeAgainWithoutARestart) {
  agent_->start();
  executor_->advance(1s);
  write("web.yaml", kWebYaml);
  settle();
  auto first = mirror();
  ASSERT_TRUE(first);
  ASSERT_EQ(phaseOf(*first), "Running");
  auto before = containersOf(hash_);
  ASSERT_EQ(before.size(), 1u);

  // `kubectl delete pod`: the server marks it (30 s grace); the node deletes it with grace 0.
  bj::object deleting = *first;
  deleting["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  deleting["metadata"].as_object()["deletionGracePeriodSeconds"] = 30;
  client_->update(kPods, "default", "static-web-node-1", deleting);
  watch();
  client_->clearActions();
  source_->sync();
  bool confirmed = false;
  for (const auto& a : client_->actions()) confirmed |= a.verb == "delete";
  EXPECT_TRUE(confirmed);
  EXPECT_FALSE(mirror());
  watch();
  settle();
  auto second = mirror();
  ASSERT_TRUE(second);
  EXPECT_NE(metaOf(*second, "uid"), metaOf(*first, "uid"));
  EXPECT_EQ(phaseOf(*second), "Running");
  auto after = containersOf(hash_);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[0].attempt, 0u);
  EXPECT_EQ(after[0].state, runtime::ContainerState::Running);
}

TEST_F(StaticPodSourceTest, AChangedFileReplacesThePodOnceTheOldOneHasStopped) {
  agent_->start();
  executor_->advance(1s);
  // The old version takes 3 s to stop after SIGTERM.
  std::string slow = std::string(kWebYaml) + "  terminationGracePeriodSeconds: 10\n";
  slow.insert(slow.find("  labels:"), "  annotations:\n    cube.dev/fake-stop-seconds: \"3\"\n");
  write("web.yaml", slow);
  settle();
  const std::string oldUid = mirrorHashOf(*mirror());
  ASSERT_EQ(containersOf(oldUid).size(), 1u);

  std::string changed = slow;
  changed.replace(changed.find("myrole"), 6, "changed");
  write("web.yaml", changed);
  const std::string newUid = metaOf(staticPodOf(changed, "node-1"), "uid");
  source_->sync();
  executor_->advance(1s);
  source_->sync();
  EXPECT_EQ(containersOf(oldUid).size(), 1u) << "the old one is still stopping";
  EXPECT_TRUE(containersOf(newUid).empty()) << "the new one waits for it";
  executor_->advance(3s);
  settle();
  EXPECT_TRUE(containersOf(oldUid).empty());
  auto fresh = containersOf(newUid);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].state, runtime::ContainerState::Running);
  auto pod = mirror();
  ASSERT_TRUE(pod);
  EXPECT_EQ(mirrorHashOf(*pod), newUid);
  EXPECT_EQ(json::getString(*json::getObject(*json::getObject(*pod, "metadata"), "labels"), "role"),
            "changed");
  EXPECT_EQ(phaseOf(*pod), "Running");
}

TEST_F(StaticPodSourceTest, ARemovedFileStopsThePodAndDeletesItsMirrorButNoOtherPod) {
  agent_->start();
  executor_->advance(1s);
  write("web.yaml", kWebYaml);
  settle();
  ASSERT_TRUE(mirror());
  client_->create(kPods, "default",
                  bj::object{{"apiVersion", "v1"},
                             {"kind", "Pod"},
                             {"metadata", bj::object{{"name", "ordinary"}}},
                             {"spec", bj::object{{"nodeName", "node-1"}}}});
  fs::remove(dir_ / "web.yaml");
  settle(1s, 35);  // the pod's own grace period (30 s by default) at most
  EXPECT_FALSE(mirror());
  EXPECT_TRUE(containersOf(hash_).empty());
  EXPECT_TRUE(client_->stored(kPods, "default", "ordinary"));
}

TEST_F(StaticPodSourceTest, ARestartedAgentAdoptsTheRunningContainers) {
  agent_->start();
  executor_->advance(1s);
  write("web.yaml", kWebYaml);
  settle();
  auto before = containersOf(hash_);
  ASSERT_EQ(before.size(), 1u);
  std::string mirrorUid = metaOf(*mirror(), "uid");

  startAgent();  // kill -9 and start again: the runtime's state stays
  agent_->start();
  executor_->advance(1s);
  settle();
  agent_->removeOrphanSandboxes();
  auto after = containersOf(hash_);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[0].state, runtime::ContainerState::Running);
  EXPECT_EQ(runtime_->containerCount(), 1u);
  EXPECT_EQ(metaOf(*mirror(), "uid"), mirrorUid);
  EXPECT_EQ(phaseOf(*mirror()), "Running");
}

TEST_F(StaticPodSourceTest, ABrokenManifestOrASecondFileOfOnePodDoesNotStopTheFirst) {
  agent_->start();
  executor_->advance(1s);
  write("a-broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n");
  write("b-web.yaml", kWebYaml);
  write("c-web-again.yaml", std::string(kWebYaml) + "  restartPolicy: Never\n");
  settle();
  ASSERT_TRUE(mirror());
  EXPECT_EQ(mirrorHashOf(*mirror()), hash_);
  EXPECT_EQ(agent_->workerCount(), 1u);
}

}  // namespace
}  // namespace cube::agent
