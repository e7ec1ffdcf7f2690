#pragma once
// A ReplicaSetController on a FakeApiClient, with caches the test fills from the fake's store
// (what an informer would show) and a fake clock. Writes go through the real ApiPodControl and
// ApiEventRecorder, so the fake records every API call the controller makes (events once
// flushed).

#include "../client/fake_api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/object_cache.h"
#include "controllers/pod_control.h"
#include "controllers/replicaset/replica_set_controller.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cube::controllers::replicaset {

namespace bj = boost::json;
using client::testing::FakeApiClient;

inline const client::Resource kPodsResource{"", "v1", "pods", true};
inline const client::Resource kEventsResource{"", "v1", "events", true};

class ReplicaSetFixture : public ::testing::Test {
 protected:
  void SetUp() override { makeController(ReplicaKind::replicaSet()); }
  void TearDown() override {
    if (controller_) controller_->stop();
  }

  void makeController(ReplicaKind kind) {
    if (controller_) controller_->stop();
    kind_ = kind;
    recorder_ = std::make_shared<client::ApiEventRecorder>(
        api_, client::EventSource{kind.component}, clock_);
    ReplicaSetController::Deps deps{api_, owners_, pods_,
                                    std::make_shared<ApiPodControl>(api_, recorder_), clock_};
    controller_ = std::make_unique<ReplicaSetController>(kind, deps);
  }

  static TimePoint start() { return client::FakeClock::defaultStart(); }
  static std::string at(std::chrono::seconds offset) { return formatRfc3339(start() + offset); }

  // A ReplicaSet `name` selecting app=<app>, stored in the fake (the pre-adoption check reads it)
  // and cached.
  bj::object createReplicaSet(const std::string& name, int64_t replicas,
                              const std::string& app = "web", int64_t generation = 1) {
    bj::object labels{{"app", app}};
    bj::object container{{"name", "c"}, {"image", "nginx"}};
    bj::object podTemplate{{"metadata", bj::object{{"labels", labels}}},
                           {"spec", bj::object{{"containers", bj::array{container}}}}};
    bj::object spec{{"replicas", replicas},
                    {"selector", bj::object{{"matchLabels", labels}}},
                    {"template", podTemplate}};
    bj::object meta{{"name", name}, {"namespace", "default"}, {"generation", generation}};
    bj::object rs{{"apiVersion", "apps/v1"},
                  {"kind", "ReplicaSet"},
                  {"metadata", meta},
                  {"spec", spec},
                  {"status", bj::object{{"replicas", 0}}}};
    return storeOwner(kind_.resource, rs);
  }

  bj::object storeOwner(const client::Resource& r, const bj::object& obj) {
    bj::object created = api_->create(r, "default", obj);
    owners_->put(created);
    return created;
  }

  // A pod in the fake and the cache. `owner`: its controller, or null for an orphan.
  bj::object createPod(const std::string& name, const bj::object& labels,
                       const bj::object* owner = nullptr) {
    bj::object meta{{"name", name},
                    {"namespace", "default"},
                    {"labels", labels},
                    {"creationTimestamp", at(std::chrono::seconds(0))}};
    if (owner)
      meta["ownerReferences"] =
          bj::array{makeControllerRef(*owner, kind_.apiVersion, kind_.kind).toJson()};
    bj::object pod{
        {"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", bj::object{}}};
    bj::object created = api_->create(kPodsResource, "default", pod);
    pods_->put(created);
    return created;
  }

  // Sets status fields on a stored pod (and its cached copy).
  void setPodState(const std::string& name, const std::string& node, const std::string& phase,
                   std::optional<std::chrono::seconds> readySince, int64_t restarts = 0,
                   std::optional<std::chrono::seconds> created = std::nullopt) {
    bj::object pod = *api_->stored(kPodsResource, "default", name);
    pod["spec"].as_object()["nodeName"] = node;
    bj::object status{{"phase", phase}};
    bj::array conditions;
    if (readySince)
      conditions.push_back(bj::object{
          {"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", at(*readySince)}});
    else
      conditions.push_back(bj::object{{"type", "Ready"}, {"status", "False"}});
    status["conditions"] = conditions;
    status["containerStatuses"] = bj::array{bj::object{{"name", "c"}, {"restartCount", restarts}}};
    pod["status"] = status;
    if (created) pod["metadata"].as_object()["creationTimestamp"] = at(*created);
    bj::object stored = api_->update(kPodsResource, "default", name, pod);
    pods_->put(stored);
  }

  // What an informer would now show: every pod and owner in the fake, with the pod handlers told
  // about new pods (which is how expectations learn about observed creations).
  void syncCaches() {
    recorder_->flush();
    for (auto& pod : itemsOf(api_->list(kPodsResource, "default"))) {
      std::string key = "default/" + nameOf(pod);
      bool isNew = !pods_->get(key);
      pods_->put(pod);
      if (isNew) controller_->onPodAdd(pods_->get(key));
    }
    for (auto& owner : itemsOf(api_->list(kind_.resource, "default"))) owners_->put(owner);
  }

  size_t countActions(const std::string& verb, const std::string& resource) const {
    recorder_->flush();
    auto actions = api_->actions();
    return std::count_if(actions.begin(), actions.end(),
                         [&](const auto& a) { return a.verb == verb && a.resource == resource; });
  }
  std::vector<bj::object> storedPods() const {
    return itemsOf(api_->list(kPodsResource, "default"));
  }
  std::vector<bj::object> eventsWithReason(const std::string& reason) const {
    recorder_->flush();  // events are written asynchronously
    std::vector<bj::object> out;
    for (auto& e : itemsOf(api_->list(kEventsResource, "default"))) {
      if (json::getString(e, "reason") == reason) out.push_back(e);
    }
    return out;
  }
  bj::object storedOwner(const std::string& name) const {
    return *api_->stored(kind_.resource, "default", name);
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  MemoryCachePtr owners_ = std::make_shared<MemoryCache>();
  MemoryCachePtr pods_ = std::make_shared<MemoryCache>();
  client::FakeClockPtr clock_ = std::make_shared<client::FakeClock>();
  ReplicaKind kind_ = ReplicaKind::replicaSet();
  std::shared_ptr<client::ApiEventRecorder> recorder_;
  std::unique_ptr<ReplicaSetController> controller_;
};

}  // namespace cube::controllers::replicaset
