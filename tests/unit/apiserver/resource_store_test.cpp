// ResourceStore on the memory store: the generic REST semantics every kind shares.

#include "apiserver/rest/resource_store.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/controllers/event_ttl.h"
#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"
#include "store/memory/memory_store.h"

#include <gtest/gtest.h>

namespace cube::apiserver {
namespace {

namespace bj = boost::json;

class ManualClock : public Clock {
 public:
  TimePoint now() const override { return now_; }
  void advance(std::chrono::seconds s) { now_ += s; }

 private:
  TimePoint now_ = std::chrono::system_clock::from_time_t(1800000000);
};

class ResourceStoreTest : public ::testing::Test {
 protected:
  ResourceStoreTest()
      : registry_(api::ResourceRegistry::builtin()),
        store_(store::makeMemoryStore()),
        cache_(store_),
        clock_(std::make_shared<ManualClock>()),
        resources_(registry_, store_, cache_, admission_, clock_) {
    cache_.start();
    pods_ = registry_.find("", "v1", "pods");
    deployments_ = registry_.find("apps", "v1", "deployments");
    configmaps_ = registry_.find("", "v1", "configmaps");
  }

  bj::object pod(const std::string& name) {
    return json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                       R"("},"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}})")
        .as_object();
  }

  bj::object deployment(const std::string& name, int replicas) {
    return json::
        parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":")" + name +
              R"("},"spec":{"replicas":)" + std::to_string(replicas) +
              R"(,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})")
            .as_object();
  }

  api::ResourceRegistry& registry_;
  store::StorePtr store_;
  WatchCache cache_;
  std::shared_ptr<ManualClock> clock_;
  AdmissionChain admission_;
  ResourceStore resources_;
  api::ResourceInfoPtr pods_, deployments_, configmaps_;
};

TEST_F(ResourceStoreTest, CreateFillsSystemMetadataAndDefaults) {
  bj::object created = resources_.create(*pods_, "default", pod("a"), {});
  const auto& meta = metadataOf(created);
  EXPECT_EQ(json::getString(meta, "namespace"), "default");
  EXPECT_EQ(json::getString(meta, "uid").size(), 36u);
  EXPECT_EQ(json::getString(meta, "creationTimestamp"), formatRfc3339(clock_->now()));
  EXPECT_FALSE(json::getString(meta, "resourceVersion").empty());
  EXPECT_FALSE(meta.contains("generation"));  // pods do not track generation
  EXPECT_EQ(json::getString(*json::getObject(created, "status"), "phase"), "Pending");
  EXPECT_EQ(json::getString(*json::getObject(created, "spec"), "restartPolicy"), "Always");
}

TEST_F(ResourceStoreTest, CreateTwiceIsAlreadyExists) {
  resources_.create(*pods_, "default", pod("a"), {});
  try {
    resources_.create(*pods_, "default", pod("a"), {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_EQ(e.reason(), "AlreadyExists");
    EXPECT_EQ(e.message(), "pods \"a\" already exists");
  }
}

TEST_F(ResourceStoreTest, GenerateName) {
  bj::object p = pod("");
  metadataOf(p).erase("name");
  metadataOf(p)["generateName"] = "web-";
  bj::object created = resources_.create(*pods_, "default", p, {});
  std::string name = nameOf(created);
  EXPECT_EQ(name.rfind("web-", 0), 0u);
  EXPECT_EQ(name.size(), 9u);
}

TEST_F(ResourceStoreTest, DryRunWritesNothing) {
  WriteOptions dry;
  dry.dryRun = true;
  resources_.create(*pods_, "default", pod("a"), dry);
  EXPECT_THROW(resources_.get(*pods_, "default", "a"), ApiError);
}

TEST_F(ResourceStoreTest, GenerationBumpsOnSpecChangeOnly) {
  resources_.create(*deployments_, "default", deployment("d", 1), {});
  bj::object current = resources_.get(*deployments_, "default", "d");
  EXPECT_EQ(json::getInt(metadataOf(current), "generation"), 1);
  metadataOf(current)["labels"] = bj::object{{"x", "y"}};
  bj::object relabelled = resources_.update(*deployments_, "default", "d", current, "", {});
  EXPECT_EQ(json::getInt(metadataOf(relabelled), "generation"), 1);
  (*json::getObject(relabelled, "spec"))["replicas"] = 3;
  bj::object scaled = resources_.update(*deployments_, "default", "d", relabelled, "", {});
  EXPECT_EQ(json::getInt(metadataOf(scaled), "generation"), 2);
}

TEST_F(ResourceStoreTest, StaleResourceVersionIsConflict) {
  bj::object created = resources_.create(
      *configmaps_, "default",
      json::parse(R"({"metadata":{"name":"c"},"data":{"a":"1"}})").as_object(), {});
  bj::object first = created;
  (*json::getObject(first, "data"))["a"] = "2";
  resources_.update(*configmaps_, "default", "c", first, "", {});
  bj::object stale = created;
  (*json::getObject(stale, "data"))["a"] = "3";
  try {
    resources_.update(*configmaps_, "default", "c", stale, "", {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_EQ(e.reason(), "Conflict");
  }
  EXPECT_EQ(
      json::getString(*json::getObject(resources_.get(*configmaps_, "default", "c"), "data"), "a"),
      "2");
}

TEST_F(ResourceStoreTest, NoOpUpdateKeepsResourceVersion) {
  bj::object created = resources_.create(*pods_, "default", pod("a"), {});
  bj::object same = resources_.update(*pods_, "default", "a", created, "", {});
  EXPECT_EQ(resourceVersionOf(same), resourceVersionOf(created));
}

TEST_F(ResourceStoreTest, MainWritesKeepStatusAndStatusWritesKeepSpec) {
  bj::object d = resources_.create(*deployments_, "default", deployment("d", 1), {});
  bj::object withStatus = d;
  withStatus["status"] = bj::object{{"replicas", 5}};
  (*json::getObject(withStatus, "spec"))["replicas"] = 9;
  bj::object afterStatus =
      resources_.update(*deployments_, "default", "d", withStatus, "status", {});
  EXPECT_EQ(json::getInt(*json::getObject(afterStatus, "status"), "replicas"), 5);
  EXPECT_EQ(json::getInt(*json::getObject(afterStatus, "spec"), "replicas"), 1);
  bj::object mainWrite = afterStatus;
  mainWrite["status"] = bj::object{{"replicas", 0}};
  bj::object afterMain = resources_.update(*deployments_, "default", "d", mainWrite, "", {});
  EXPECT_EQ(json::getInt(*json::getObject(afterMain, "status"), "replicas"), 5);
}

TEST_F(ResourceStoreTest, FinalizersHoldDeletionUntilRemoved) {
  bj::object cm =
      json::parse(R"({"metadata":{"name":"c","finalizers":["example.com/hold"]}})").as_object();
  resources_.create(*configmaps_, "default", cm, {});
  DeleteResult r = resources_.remove(*configmaps_, "default", "c", {});
  EXPECT_FALSE(r.deleted);
  EXPECT_TRUE(isTerminating(r.object));
  bj::object terminating = resources_.get(*configmaps_, "default", "c");
  metadataOf(terminating).erase("finalizers");
  resources_.update(*configmaps_, "default", "c", terminating, "", {});
  EXPECT_THROW(resources_.get(*configmaps_, "default", "c"), ApiError);
}

TEST_F(ResourceStoreTest, OrphanAndForegroundBecomeFinalizers) {
  resources_.create(*deployments_, "default", deployment("o", 1), {});
  DeleteOptions orphan;
  orphan.propagationPolicy = "Orphan";
  EXPECT_TRUE(
      hasFinalizer(resources_.remove(*deployments_, "default", "o", orphan).object, "orphan"));
  resources_.create(*deployments_, "default", deployment("f", 1), {});
  DeleteOptions foreground;
  foreground.propagationPolicy = "Foreground";
  EXPECT_TRUE(hasFinalizer(resources_.remove(*deployments_, "default", "f", foreground).object,
                           "foregroundDeletion"));
}

TEST_F(ResourceStoreTest, BoundPodTerminatesGracefullyUnboundPodGoesAtOnce) {
  resources_.create(*pods_, "default", pod("unbound"), {});
  EXPECT_TRUE(resources_.remove(*pods_, "default", "unbound", {}).deleted);

  resources_.create(*pods_, "default", pod("bound"), {});
  resources_.guaranteedUpdate(
      *pods_, "default", "bound",
      [](bj::object& p) { (*json::getObject(p, "spec"))["nodeName"] = "node-1"; }, "binding");
  DeleteResult r = resources_.remove(*pods_, "default", "bound", {});
  EXPECT_FALSE(r.deleted);
  EXPECT_EQ(json::getString(metadataOf(r.object), "deletionTimestamp"),
            formatRfc3339(clock_->now() + std::chrono::seconds(30)));
  EXPECT_EQ(json::getInt(metadataOf(r.object), "deletionGracePeriodSeconds"), 30);
  DeleteOptions force;
  force.gracePeriodSeconds = 0;
  EXPECT_TRUE(resources_.remove(*pods_, "default", "bound", force).deleted);
}

TEST_F(ResourceStoreTest, DeletePreconditions) {
  resources_.create(*pods_, "default", pod("a"), {});
  DeleteOptions wrongUid;
  wrongUid.preconditionUid = "nope";
  try {
    resources_.remove(*pods_, "default", "a", wrongUid);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_NE(e.message().find("Precondition failed: UID in precondition: nope"),
              std::string::npos);
  }
}

// A uid in the body is a precondition: PUT to a replaced object is a 409 as for delete; a patch
// that changes it is invalid (the kubelet's status patches carry the pod's uid).
TEST_F(ResourceStoreTest, UidInTheBodyIsAPrecondition) {
  bj::object created = resources_.create(*pods_, "default", pod("a"), {});
  std::string uid = uidOf(created);
  bj::object replaced = created;
  metadataOf(replaced)["uid"] = "other";
  metadataOf(replaced)["labels"] = bj::object{{"x", "1"}};
  try {
    resources_.update(*pods_, "default", "a", replaced, "", {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_NE(e.message().find("Precondition failed: UID in precondition: other, UID in object "
                               "meta: " +
                               uid),
              std::string::npos);
  }
  try {
    resources_.patch(*pods_, "default", "a", PatchType::Merge,
                     R"({"metadata":{"uid":"other"},"status":{"phase":"Running"}})", "status", {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
    ASSERT_EQ(e.causes().size(), 1u);
    EXPECT_EQ(e.causes()[0].field, "metadata.uid");
    EXPECT_EQ(e.causes()[0].message, "Invalid value: \"other\": field is immutable");
  }
  bj::object current = resources_.get(*pods_, "default", "a");
  EXPECT_EQ(json::getString(metadataOf(current), "resourceVersion"),
            json::getString(metadataOf(created), "resourceVersion"));  // nothing was written
  bj::object patched = resources_.patch(
      *pods_, "default", "a", PatchType::Merge,
      R"({"metadata":{"uid":")" + uid + R"("},"status":{"phase":"Running"}})", "status", {});
  EXPECT_EQ(json::getString(*json::getObject(patched, "status"), "phase"), "Running");
}

TEST_F(ResourceStoreTest, ListWithSelectorsAndPaging) {
  for (int i = 0; i < 5; ++i) {
    bj::object p = pod("p" + std::to_string(i));
    metadataOf(p)["labels"] = bj::object{{"parity", i % 2 ? "odd" : "even"}};
    resources_.create(*pods_, "default", p, {});
  }
  ListOptions even;
  even.labelSelector = "parity=even";
  EXPECT_EQ(resources_.list(*pods_, "default", even).items.size(), 3u);
  ListOptions byName;
  byName.fieldSelector = "metadata.name=p3";
  EXPECT_EQ(resources_.list(*pods_, "", byName).items.size(), 1u);
  ListOptions page;
  page.limit = 2;
  ListResult first = resources_.list(*pods_, "default", page);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.remainingItemCount, 3);
  page.continueToken = first.continueToken;
  ListResult second = resources_.list(*pods_, "default", page);
  ASSERT_EQ(second.items.size(), 2u);
  EXPECT_EQ(nameOf(*second.items[0]), "p2");
  ListOptions badField;
  badField.fieldSelector = "spec.foo=x";
  EXPECT_THROW(resources_.list(*pods_, "default", badField), ApiError);
}

TEST_F(ResourceStoreTest, OldApiVersionIsConvertedToStorage) {
  auto v1beta2 = registry_.find("apps", "v1beta2", "replicasets");
  ASSERT_TRUE(v1beta2);
  bj::object rs =
      json::parse(
          R"({"apiVersion":"apps/v1beta2","kind":"ReplicaSet","metadata":{"name":"r"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})")
          .as_object();
  bj::object created = resources_.create(*v1beta2, "default", rs, {});
  EXPECT_EQ(json::getString(created, "apiVersion"), "apps/v1beta2");
  auto v1 = registry_.find("apps", "v1", "replicasets");
  EXPECT_EQ(json::getString(resources_.get(*v1, "default", "r"), "apiVersion"), "apps/v1");
}

TEST_F(ResourceStoreTest, NamespaceLifecycleRefusesMissingAndTerminatingNamespaces) {
  auto namespaces = registry_.find("", "v1", "namespaces");
  admission_.add(std::make_shared<NamespaceLifecycle>([&](const std::string& name) {
    cache_.sync();
    return cache_.get(resources_.key(*namespaces, "", name));
  }));
  try {
    resources_.create(*pods_, "nowhere", pod("a"), {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 404);
    EXPECT_EQ(e.message(), "namespaces \"nowhere\" not found");
  }
  resources_.create(*namespaces, "", json::parse(R"({"metadata":{"name":"ns1"}})").as_object(), {});
  resources_.create(*pods_, "ns1", pod("a"), {});
  DeleteResult r = resources_.remove(*namespaces, "", "ns1", {});
  EXPECT_FALSE(r.deleted);
  EXPECT_EQ(json::getString(*json::getObject(r.object, "status"), "phase"), "Terminating");
  try {
    resources_.create(*pods_, "ns1", pod("b"), {});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 403);
  }
}

// Events expire an hour (the TTL) after they were last written; a repeat keeps one alive.
TEST_F(ResourceStoreTest, EventTtlDeletesEventsLastWrittenLongerAgoThanTheTtl) {
  auto events = registry_.find("", "v1", "events");
  auto event = [&](const std::string& name) {
    std::string now = formatRfc3339(clock_->now());
    return json::parse(R"({"apiVersion":"v1","kind":"Event","metadata":{"name":")" + name +
                       R"("},"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},)" +
                       R"("reason":"Started","message":"m","type":"Normal","count":1,)" +
                       R"("firstTimestamp":")" + now + R"(","lastTimestamp":")" + now + R"("})")
        .as_object();
  };
  resources_.create(*events, "default", event("old"), {});
  resources_.create(*events, "default", event("repeated"), {});
  EventTtl ttl(resources_, std::chrono::hours(1));
  // The TTL loop reads the watch cache: let it catch up with the writes first.
  auto expireEvents = [&](EventTtl& t) {
    EXPECT_TRUE(cache_.sync());
    return t.reconcileAll();
  };
  EXPECT_EQ(expireEvents(ttl), 0u);

  clock_->advance(std::chrono::minutes(50));
  resources_.create(*events, "default", event("young"), {});
  // The repeat 50 minutes later moves lastTimestamp, as the recorder's aggregation does.
  resources_.patch(*events, "default", "repeated", PatchType::Merge,
                   R"({"count":2,"lastTimestamp":")" + formatRfc3339(clock_->now()) + R"("})", "",
                   {});
  clock_->advance(std::chrono::minutes(11));
  EXPECT_EQ(expireEvents(ttl), 1u);
  std::vector<std::string> left;
  for (const auto& e : resources_.list(*events, "default", {}).items) left.push_back(nameOf(*e));
  EXPECT_EQ(left, (std::vector<std::string>{"repeated", "young"}));
  // Pods and other kinds are never touched.
  resources_.create(*pods_, "default", pod("a"), {});
  clock_->advance(std::chrono::hours(5));
  EXPECT_EQ(expireEvents(ttl), 2u);
  EXPECT_EQ(resources_.list(*pods_, "default", {}).items.size(), 1u);
}

}  // namespace
}  // namespace cube::apiserver
