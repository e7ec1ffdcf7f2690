// StatefulSetController on a FakeApiClient with caches refilled from the fake's store.

#include "controllers/statefulset/stateful_set_controller.h"
#include "../client/fake_api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/history/controller_history.h"
#include "controllers/object_cache.h"

#include <gtest/gtest.h>

#include <set>

namespace cube::controllers::statefulset {
namespace {

namespace bj = boost::json;
using client::testing::FakeApiClient;

const client::Resource kPodsR{"", "v1", "pods", true};
const client::Resource kClaimsR{"", "v1", "persistentvolumeclaims", true};

class StatefulSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<StatefulSetController>(
        StatefulSetController::Deps{api_, sets_, pods_, revisions_, recorder_, clock_});
  }

  void addSet(int64_t replicas, const std::string& policy = "OrderedReady") {
    bj::object labels{{"app", "web"}};
    bj::object podSpec{{"containers", bj::array{bj::object{{"name", "c"}, {"image", "x"}}}}};
    bj::object claim{{"metadata", bj::object{{"name", "data"}}},
                     {"spec", bj::object{{"accessModes", bj::array{"ReadWriteOnce"}}}}};
    bj::object set{
        {"apiVersion", "apps/v1"},
        {"kind", "StatefulSet"},
        {"metadata", bj::object{{"name", "web"}, {"namespace", "default"}, {"generation", 1}}},
        {"spec", bj::object{{"replicas", replicas},
                            {"serviceName", "nginx"},
                            {"podManagementPolicy", policy},
                            {"selector", bj::object{{"matchLabels", labels}}},
                            {"volumeClaimTemplates", bj::array{claim}},
                            {"template", bj::object{{"metadata", bj::object{{"labels", labels}}},
                                                    {"spec", podSpec}}}}}};
    api_->create(kStatefulSets, "default", set);
    sync();
  }

  void editSet(const std::function<void(bj::object& spec)>& edit) {
    auto set = *api_->stored(kStatefulSets, "default", "web");
    edit(set["spec"].as_object());
    api_->update(kStatefulSets, "default", "web", set);
    sync();
  }

  void sync() {
    pods_->clear();
    for (auto& p : itemsOf(api_->list(kPodsR, "default"))) pods_->put(p);
    sets_->clear();
    for (auto& s : itemsOf(api_->list(kStatefulSets, "default"))) sets_->put(s);
    revisions_->clear();
    for (auto& r : itemsOf(api_->list(history::kControllerRevisions, "default")))
      revisions_->put(r);
  }

  void reconcile() {
    controller_->reconcile("default/web");
    sync();
  }

  void markReady(const std::string& name) {
    auto pod = *api_->stored(kPodsR, "default", name);
    pod["status"] =
        bj::object{{"phase", "Running"},
                   {"conditions", bj::array{bj::object{{"type", "Ready"}, {"status", "True"}}}}};
    api_->update(kPodsR, "default", name, pod);
    sync();
  }

  std::set<std::string> podNames() {
    std::set<std::string> out;
    for (auto& p : itemsOf(api_->list(kPodsR, "default"))) out.insert(nameOf(p));
    return out;
  }

  std::string revisionOf(const std::string& name) {
    auto pod = *api_->stored(kPodsR, "default", name);
    return json::getString(*labelsOf(pod), "controller-revision-hash");
  }

  std::vector<std::string> deletions() {
    std::vector<std::string> out;
    for (const auto& a : api_->actions())
      if (a.verb == "delete" && a.resource == "pods") out.push_back(a.name);
    return out;
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  MemoryCachePtr sets_ = std::make_shared<MemoryCache>();
  MemoryCachePtr pods_ = std::make_shared<MemoryCache>();
  MemoryCachePtr revisions_ = std::make_shared<MemoryCache>();
  std::shared_ptr<client::RecordingEventRecorder> recorder_ =
      std::make_shared<client::RecordingEventRecorder>();
  std::shared_ptr<client::FakeClock> clock_ = std::make_shared<client::FakeClock>();
  std::unique_ptr<StatefulSetController> controller_;
};

TEST(StatefulSetOrdinal, ParsesOnlyTheSetsNames) {
  EXPECT_EQ(ordinalOf("web", "web-0"), 0);
  EXPECT_EQ(ordinalOf("web", "web-12"), 12);
  EXPECT_FALSE(ordinalOf("web", "web-"));
  EXPECT_FALSE(ordinalOf("web", "web-01"));
  EXPECT_FALSE(ordinalOf("web", "webx-1"));
  EXPECT_FALSE(ordinalOf("web", "web-a"));
}

TEST_F(StatefulSetControllerTest, OrderedCreationWaitsForReadiness) {
  addSet(3);
  reconcile();
  EXPECT_EQ(podNames(), (std::set<std::string>{"web-0"}));
  reconcile();  // web-0 not ready yet: nothing more
  EXPECT_EQ(podNames(), (std::set<std::string>{"web-0"}));
  markReady("web-0");
  reconcile();
  EXPECT_EQ(podNames(), (std::set<std::string>{"web-0", "web-1"}));
  markReady("web-1");
  reconcile();
  EXPECT_EQ(podNames(), (std::set<std::string>{"web-0", "web-1", "web-2"}));

  auto pod = *api_->stored(kPodsR, "default", "web-1");
  const auto& spec = *json::getObject(pod, "spec");
  EXPECT_EQ(json::getString(spec, "hostname"), "web-1");
  EXPECT_EQ(json::getString(spec, "subdomain"), "nginx");
  EXPECT_EQ(json::getString(*labelsOf(pod), "statefulset.kubernetes.io/pod-name"), "web-1");
  EXPECT_EQ(json::getString(*labelsOf(pod), "apps.kubernetes.io/pod-index"), "1");
  EXPECT_TRUE(api_->stored(kClaimsR, "default", "data-web-1").has_value());
  EXPECT_EQ(recorder_->count("SuccessfulCreate"), 6u);  // 3 pods + 3 claims
}

TEST_F(StatefulSetControllerTest, ParallelCreatesAllAtOnce) {
  addSet(3, "Parallel");
  reconcile();
  EXPECT_EQ(podNames(), (std::set<std::string>{"web-0", "web-1", "web-2"}));
}

TEST_F(StatefulSetControllerTest, ScaleDownFromHighestOrdinalOneAtATime) {
  addSet(3);
  for (const char* name : {"web-0", "web-1", "web-2"}) {
    reconcile();
    markReady(name);
  }
  reconcile();
  auto status = *json::getObject(*api_->stored(kStatefulSets, "default", "web"), "status");
  EXPECT_EQ(json::getInt(status, "readyReplicas"), 3);
  editSet([](bj::object& spec) { spec["replicas"] = 1; });
  reconcile();
  EXPECT_EQ(podNames(), (std::set<std::string>{"web-0", "web-1"}));
  reconcile();
  EXPECT_EQ(podNames(), (std::set<std::string>{"web-0"}));
  EXPECT_EQ(deletions(), (std::vector<std::string>{"web-2", "web-1"}));
}

TEST_F(StatefulSetControllerTest, RollingUpdateInReverseOrderRespectsPartition) {
  addSet(3);
  for (const char* name : {"web-0", "web-1", "web-2"}) {
    reconcile();
    markReady(name);
  }
  reconcile();
  std::string oldRevision = revisionOf("web-0");
  editSet([](bj::object& spec) {
    spec["template"].as_object()["spec"].as_object()["containers"] =
        bj::array{bj::object{{"name", "c"}, {"image", "y"}}};
    spec["updateStrategy"] =
        bj::object{{"type", "RollingUpdate"}, {"rollingUpdate", bj::object{{"partition", 1}}}};
  });
  for (int i = 0; i < 10; ++i) {
    reconcile();
    for (const auto& name : podNames()) {
      auto pod = *api_->stored(kPodsR, "default", name);
      if (!pod.contains("status")) markReady(name);
    }
  }
  EXPECT_EQ(deletions(), (std::vector<std::string>{"web-2", "web-1"}));
  EXPECT_EQ(revisionOf("web-0"), oldRevision);
  EXPECT_NE(revisionOf("web-1"), oldRevision);
  EXPECT_EQ(revisionOf("web-1"), revisionOf("web-2"));
  auto status = *json::getObject(*api_->stored(kStatefulSets, "default", "web"), "status");
  EXPECT_EQ(json::getInt(status, "updatedReplicas"), 2);
  EXPECT_EQ(json::getString(status, "currentRevision"), oldRevision);
}

}  // namespace
}  // namespace cube::controllers::statefulset
