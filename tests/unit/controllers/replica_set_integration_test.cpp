// The controller manager with the ReplicaSet and ReplicationController controllers against a real
// in-process API server (memory store, HTTP on loopback): pods appear with owner references, a
// deleted pod comes back, scaling up and down converges, and the status follows.

#include "../client/api_server_fixture.h"
#include "../client/items_of.h"
#include "common/json_util.h"
#include "controllers/controller_manager.h"
#include "controllers/controller_ref.h"
#include "controllers/pod_util.h"

#include <thread>

namespace cube::controllers {
namespace {

namespace bj = boost::json;
using client::Resource;

const Resource kReplicaSets{"apps", "v1", "replicasets", true};
const Resource kReplicationControllers{"", "v1", "replicationcontrollers", true};

class ReplicaSetIntegrationTest : public client::ApiServerFixture {
 protected:
  void SetUp() override {
    ApiServerFixture::SetUp();
    ControllerManagerOptions options;
    options.workersPerController = 2;
    options.resyncPeriod = std::chrono::seconds(2);
    manager_ = std::make_unique<ControllerManager>(client_, options);
    manager_->addDefaultControllers();
    ASSERT_TRUE(manager_->start());
  }
  void TearDown() override {
    manager_->stop();
    ApiServerFixture::TearDown();
  }

  static bj::object podTemplate() {
    bj::object container{{"name", "nginx"}, {"image", "nginx:1.27"}};
    return bj::object{{"metadata", bj::object{{"labels", bj::object{{"app", "web"}}}}},
                      {"spec", bj::object{{"containers", bj::array{container}}}}};
  }
  static bj::object replicaSet(int64_t replicas) {
    return bj::object{
        {"apiVersion", "apps/v1"},
        {"kind", "ReplicaSet"},
        {"metadata", bj::object{{"name", "web"}}},
        {"spec", bj::object{{"replicas", replicas},
                            {"selector", bj::object{{"matchLabels", bj::object{{"app", "web"}}}}},
                            {"template", podTemplate()}}}};
  }

  // Active pods controlled by `ownerUid`.
  std::vector<bj::object> ownedPods(const std::string& ownerUid) {
    std::vector<bj::object> out;
    for (auto& pod : itemsOf(client_->list(pods(), "default"))) {
      auto ref = controllerOf(pod);
      if (ref && ref->uid == ownerUid && isPodActive(pod)) out.push_back(pod);
    }
    return out;
  }

  int64_t statusReplicas(const Resource& r) {
    bj::object owner = client_->get(r, "default", "web");
    const auto* status = json::getObject(owner, "status");
    return status ? json::getInt(*status, "replicas") : -1;
  }

  std::unique_ptr<ControllerManager> manager_;
};

TEST_F(ReplicaSetIntegrationTest, KeepsReplicasRunningThroughDeletesAndScaling) {
  bj::object rs = client_->create(kReplicaSets, "default", replicaSet(3));
  std::string uid = uidOf(rs);
  ASSERT_TRUE(eventually([&] { return ownedPods(uid).size() == 3; }));
  for (const auto& pod : ownedPods(uid)) {
    EXPECT_EQ(nameOf(pod).rfind("web-", 0), 0u) << nameOf(pod);
    EXPECT_EQ(controllerOf(pod)->kind, "ReplicaSet");
  }
  EXPECT_TRUE(eventually([&] { return statusReplicas(kReplicaSets) == 3; }));

  // kubectl delete pod: a replacement appears.
  std::string victim = nameOf(ownedPods(uid).front());
  client_->remove(pods(), "default", victim);
  ASSERT_TRUE(eventually([&] {
    auto now = ownedPods(uid);
    return now.size() == 3 && std::none_of(now.begin(), now.end(), [&](const bj::object& p) {
             return nameOf(p) == victim;
           });
  }));

  // kubectl scale --replicas=5, then --replicas=1.
  client_->patch(kReplicaSets, "default", "web", client::PatchKind::Merge,
                 R"({"spec":{"replicas":5}})");
  ASSERT_TRUE(eventually([&] { return ownedPods(uid).size() == 5; }));
  client_->patch(kReplicaSets, "default", "web", client::PatchKind::Merge,
                 R"({"spec":{"replicas":1}})");
  ASSERT_TRUE(eventually([&] { return ownedPods(uid).size() == 1; }));
  EXPECT_TRUE(eventually([&] {
    bj::object owner = client_->get(kReplicaSets, "default", "web");
    const auto* status = json::getObject(owner, "status");
    return status && json::getInt(*status, "replicas") == 1 &&
           json::getInt(*status, "observedGeneration") ==
               json::getInt(*json::getObject(owner, "metadata"), "generation");
  }));

  // The decisions are events on the ReplicaSet.
  int creates = 0, deletes = 0;
  for (const auto& ev : itemsOf(client_->list({"", "v1", "events", true}, "default"))) {
    const auto* involved = json::getObject(ev, "involvedObject");
    if (!involved || json::getString(*involved, "uid") != uid) continue;
    creates += json::getString(ev, "reason") == "SuccessfulCreate";
    deletes += json::getString(ev, "reason") == "SuccessfulDelete";
  }
  EXPECT_EQ(creates, 6);  // 3 + 1 replacement + 2 on scaling to 5
  EXPECT_EQ(deletes, 4);  // 5 -> 1
}

TEST_F(ReplicaSetIntegrationTest, AdoptsAnExistingPodAndReleasesARelabelledOne) {
  bj::object orphan{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", bj::object{{"name", "standalone"}, {"labels", bj::object{{"app", "web"}}}}},
      {"spec", podTemplate()["spec"]}};
  client_->create(pods(), "default", orphan);
  // As in the seed, the pod exists before the ReplicaSet: wait until the controllers' cache has
  // it, or the controller would rightly create 3 pods and then delete one surplus pod (maybe
  // this one) on seeing it.
  auto podCache = manager_->informers().informerFor(pods());
  ASSERT_TRUE(eventually([&] { return podCache->get("default/standalone") != nullptr; }));
  bj::object rs = client_->create(kReplicaSets, "default", replicaSet(3));
  std::string uid = uidOf(rs);
  ASSERT_TRUE(eventually([&] { return ownedPods(uid).size() == 3; }));
  auto owned = ownedPods(uid);
  EXPECT_TRUE(std::any_of(owned.begin(), owned.end(),
                          [](const bj::object& p) { return nameOf(p) == "standalone"; }));
  EXPECT_EQ(itemsOf(client_->list(pods(), "default")).size(), 3u);  // only 2 were created

  // kubectl label pod standalone app=debug --overwrite: released, replaced, still running.
  client_->patch(pods(), "default", "standalone", client::PatchKind::Merge,
                 R"({"metadata":{"labels":{"app":"debug"}}})");
  ASSERT_TRUE(eventually([&] {
    auto now = ownedPods(uid);
    return now.size() == 3 && std::none_of(now.begin(), now.end(), [](const bj::object& p) {
             return nameOf(p) == "standalone";
           });
  }));
  bj::object released = client_->get(pods(), "default", "standalone");
  EXPECT_FALSE(controllerOf(released));
  EXPECT_TRUE(isPodActive(released));
}

TEST_F(ReplicaSetIntegrationTest, ReplicationControllerKeepsItsPods) {
  bj::object rc{{"apiVersion", "v1"},
                {"kind", "ReplicationController"},
                {"metadata", bj::object{{"name", "web"}}},
                {"spec", bj::object{{"replicas", 2},
                                    {"selector", bj::object{{"app", "web"}}},
                                    {"template", podTemplate()}}}};
  bj::object created = client_->create(kReplicationControllers, "default", rc);
  std::string uid = uidOf(created);
  ASSERT_TRUE(eventually([&] { return ownedPods(uid).size() == 2; }));
  EXPECT_EQ(controllerOf(ownedPods(uid).front())->kind, "ReplicationController");
  EXPECT_TRUE(eventually([&] { return statusReplicas(kReplicationControllers) == 2; }));

  // Settled: a resync (every 2 s here) reconciles again and writes nothing.
  auto revision = [&] {
    return json::getString(
        *json::getObject(client_->get(kReplicationControllers, "default", "web"), "metadata"),
        "resourceVersion");
  };
  std::string before = revision();
  size_t podsBefore = itemsOf(client_->list(pods(), "default")).size();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(revision(), before);
  EXPECT_EQ(itemsOf(client_->list(pods(), "default")).size(), podsBefore);
}

}  // namespace
}  // namespace cube::controllers
