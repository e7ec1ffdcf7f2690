// LocalApiClient: the in-process client has the HTTP API's semantics (errors, subresources,
// selectors, watch transitions, resourceVersion rules) and shares the watch cache's objects.

#include "apiserver/local_api_client.h"
#include "apiserver/rest/selectable_fields.h"
#include "client/informer.h"
#include "common/json_util.h"
#include "store/memory/memory_store.h"

#include <gtest/gtest.h>

#include <thread>

namespace cube::apiserver {
namespace {

namespace bj = boost::json;

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kDeployments{"apps", "v1", "deployments", true};
const client::Resource kNodes{"", "v1", "nodes", false};
const client::Resource kEvents{"", "v1", "events", true};

class LocalApiClientTest : public ::testing::Test {
 protected:
  LocalApiClientTest()
      : registry_(api::ResourceRegistry::builtin()),
        store_(store::makeMemoryStore()),
        cache_(store_, 10000, {"/registry/core/events/"}),  // as the server has it
        resources_(registry_, store_, cache_, admission_, systemClock()),
        client_(std::make_shared<LocalApiClient>(resources_, std::chrono::milliseconds(200))) {
    cache_.start();
    namespaceObject("default");
  }
  ~LocalApiClientTest() override { cache_.stop(); }

  void namespaceObject(const std::string& name) {
    client_->create({"", "v1", "namespaces", false}, "",
                    json::parse(R"({"metadata":{"name":")" + name + R"("}})").as_object());
  }

  static bj::object pod(const std::string& name, const std::string& app = "web") {
    return json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                       R"(","labels":{"app":")" + app +
                       R"("}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})")
        .as_object();
  }

  static bj::object event(const std::string& name, const std::string& reason) {
    return json::parse(R"({"metadata":{"name":")" + name +
                       R"("},"involvedObject":{"kind":"Pod","namespace":"default","name":"a"},)"
                       R"("reason":")" +
                       reason + R"(","message":"m","type":"Normal"})")
        .as_object();
  }

  static std::string nameOf(const bj::object& obj) {
    return json::getString(*json::getObject(obj, "metadata"), "name");
  }

  static std::string reasonOf(const bj::object& obj) { return json::getString(obj, "reason"); }

  // The next event of `stream`, failing the test when none arrives.
  static client::WatchEvent nextEvent(client::WatchStream& stream) {
    client::WatchEvent event;
    EXPECT_TRUE(stream.next(event));
    return event;
  }

  api::ResourceRegistry& registry_;
  store::StorePtr store_;
  WatchCache cache_;
  AdmissionChain admission_;
  ResourceStore resources_;
  std::shared_ptr<LocalApiClient> client_;
};

TEST_F(LocalApiClientTest, CrudHasTheApiSemantics) {
  bj::object created = client_->create(kPods, "default", pod("a"));
  EXPECT_FALSE(json::getString(*json::getObject(created, "metadata"), "uid").empty());
  EXPECT_EQ(nameOf(client_->get(kPods, "default", "a")), "a");

  try {
    client_->create(kPods, "default", pod("a"));
    FAIL() << "a second create must fail";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_EQ(e.reason(), "AlreadyExists");
  }
  try {
    client_->get(kPods, "default", "missing");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 404);
  }
  // A stale resourceVersion is a Conflict, as over HTTP.
  bj::object stale = created;
  client_->patch(kPods, "default", "a", client::PatchKind::Merge,
                 R"({"metadata":{"labels":{"x":"1"}}})");
  try {
    client_->update(kPods, "default", "a", stale);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
  }
  client_->remove(kPods, "default", "a", {.gracePeriodSeconds = 0});
  EXPECT_THROW(client_->get(kPods, "default", "a"), ApiError);
}

TEST_F(LocalApiClientTest, UnknownResourcesAndSubresourcesAre404) {
  try {
    client_->list({"", "v1", "widgets", true}, "default");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 404);
  }
  try {
    client_->create(kPods, "default", pod("a"), "nonsense", "a");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 404);
  }
  // A cluster-scoped resource has no namespaced path.
  EXPECT_THROW(client_->list(kNodes, "default"), ApiError);
}

TEST_F(LocalApiClientTest, AnUnknownPropagationPolicyIs400AndDeletesNothing) {
  client_->create(kPods, "default", pod("a"));
  try {
    client_->remove(kPods, "default", "a", {.propagationPolicy = "Sometimes"});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
    EXPECT_NE(e.message().find("propagationPolicy: Unsupported value: \"Sometimes\""),
              std::string::npos);
  }
  EXPECT_EQ(nameOf(client_->get(kPods, "default", "a")), "a");
}

TEST_F(LocalApiClientTest, BindingSchedulesAPodOnce) {
  client_->create(kPods, "default", pod("a"));
  bj::object binding = json::parse(R"({"target":{"kind":"Node","name":"n1"}})").as_object();
  bj::object status = client_->create(kPods, "default", binding, "binding", "a");
  EXPECT_EQ(json::getString(status, "status"), "Success");
  bj::object bound = client_->get(kPods, "default", "a");
  EXPECT_EQ(json::getString(*json::getObject(bound, "spec"), "nodeName"), "n1");
  try {
    client_->create(kPods, "default", binding, "binding", "a");
    FAIL() << "binding twice must conflict";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 409);
  }
}

TEST_F(LocalApiClientTest, ListSharesTheWatchCachesObjects) {
  client_->create(kPods, "default", pod("a"));
  client_->create(kPods, "default", pod("b", "db"));
  client::ObjectList all = client_->list(kPods, "default");
  ASSERT_EQ(all.items.size(), 2u);
  ASSERT_TRUE(cache_.sync());
  auto cached = cache_.get(resources_.key(*registry_.find("", "v1", "pods"), "default", "a"));
  EXPECT_EQ(all.items[0].get(), cached.get()) << "no copy for an in-process reader";
  EXPECT_EQ(std::stoll(all.resourceVersion), cache_.revision());

  client::ObjectList selected = client_->list(kPods, "default", {.labelSelector = "app=db"});
  ASSERT_EQ(selected.items.size(), 1u);
  EXPECT_EQ(nameOf(*selected.items[0]), "b");
  try {
    client_->list(kPods, "default", {.fieldSelector = "spec.unknown=x"});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
  }
}

TEST_F(LocalApiClientTest, WatchShowsSelectorTransitionsInOrder) {
  client::ObjectList before = client_->list(kPods, "default");
  auto stream = client_->watch(kPods, "default",
                               {.labelSelector = "app=web",
                                .resourceVersion = before.resourceVersion,
                                .allowBookmarks = false});
  client_->create(kPods, "default", pod("a"));
  client_->create(kPods, "default", pod("b", "db"));  // never selected: not seen
  client_->patch(kPods, "default", "a", client::PatchKind::Merge,
                 R"({"metadata":{"labels":{"app":"other"}}})");  // leaves the selection
  client_->patch(kPods, "default", "b", client::PatchKind::Merge,
                 R"({"metadata":{"labels":{"app":"web"}}})");  // enters it
  client_->remove(kPods, "default", "b", {.gracePeriodSeconds = 0});

  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    auto e = nextEvent(*stream);
    seen.push_back(e.type + " " + nameOf(*e.object));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED a", "DELETED a", "ADDED b", "DELETED b"}));
}

TEST_F(LocalApiClientTest, WatchFromEmptyVersionStartsWithTheCurrentState) {
  client_->create(kPods, "default", pod("a"));
  auto stream = client_->watch(kPods, "", {.allowBookmarks = false});
  auto e = nextEvent(*stream);
  EXPECT_EQ(e.type, "ADDED");
  EXPECT_EQ(nameOf(*e.object), "a");
}

TEST_F(LocalApiClientTest, WatchVersionRules) {
  // Newer than anything the store has: 504 Too large resource version, before any stream.
  try {
    client_->watch(kPods, "default", {.resourceVersion = "99999"});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 504);
  }
  // Malformed: 400.
  EXPECT_THROW(client_->watch(kPods, "default", {.resourceVersion = "abc"}), ApiError);
}

TEST_F(LocalApiClientTest, WatchFromCompactedHistoryIsAnErrorEvent) {
  WatchCache small(store_, 2);  // keeps two events
  small.start();
  ResourceStore resources(registry_, store_, small, admission_, systemClock());
  LocalApiClient client(resources);
  std::string from = client.list(kPods, "default").resourceVersion;
  for (auto name : {"a", "b", "c", "d"}) client.create(kPods, "default", pod(name));
  ASSERT_TRUE(small.sync());
  auto stream = client.watch(kPods, "default", {.resourceVersion = from});
  auto e = nextEvent(*stream);
  EXPECT_EQ(e.type, "ERROR");
  EXPECT_EQ(json::getInt(*e.object, "code"), 410);
  client::WatchEvent more;
  EXPECT_FALSE(stream->next(more));
  small.stop();
}

TEST_F(LocalApiClientTest, IdleWatchGetsBookmarksAndEndsAtItsTimeout) {
  client_->create(kPods, "default", pod("a"));
  std::string rv = client_->list(kPods, "default").resourceVersion;
  auto stream = client_->watch(
      kPods, "default", {.resourceVersion = rv, .allowBookmarks = true, .timeoutSeconds = 1});
  client::WatchEvent e;
  ASSERT_TRUE(stream->next(e));  // 200 ms of silence: a bookmark
  EXPECT_EQ(e.type, "BOOKMARK");
  EXPECT_GE(std::stoll(json::getString(*json::getObject(*e.object, "metadata"), "resourceVersion")),
            std::stoll(rv));
  while (stream->next(e)) EXPECT_EQ(e.type, "BOOKMARK");  // ends after a second
}

TEST_F(LocalApiClientTest, CloseEndsABlockedNext) {
  auto stream = client_->watch(kPods, "default", {.allowBookmarks = false});
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stream->close();
  });
  client::WatchEvent e;
  EXPECT_FALSE(stream->next(e));
  closer.join();
}

TEST_F(LocalApiClientTest, InformerCacheHoldsTheWatchCachesObjects) {
  client_->create(kPods, "default", pod("a"));
  client::Informer informer(client_, kPods);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(5)));
  client_->create(kPods, "default", pod("b"));
  auto podKey = [&](const std::string& name) {
    return resources_.key(*registry_.find("", "v1", "pods"), "default", name);
  };
  for (int i = 0; i < 200 && !informer.get("default/b"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(informer.get("default/b"));
  EXPECT_EQ(informer.get("default/a").get(), cache_.get(podKey("a")).get());
  EXPECT_EQ(informer.get("default/b").get(), cache_.get(podKey("b")).get());
  informer.stop();
}

// The history keeps only a selection view of previous versions (as the server sets it up): a
// watch replayed from the history still sees objects enter and leave its selection.
TEST_F(LocalApiClientTest, ReplayFromHistoryWithSelectionViewsKeepsTransitions) {
  auto pods = registry_.storageOf(*registry_.find("", "v1", "pods"));
  WatchCache cache(store_);
  cache.setPreviousView([pods](const std::string&, const ObjectPtr& previous) {
    return ObjectPtr(std::make_shared<const bj::object>(selectionView(*pods, *previous)));
  });
  cache.start();
  ResourceStore resources(registry_, store_, cache, admission_, systemClock());
  LocalApiClient client(resources);
  std::string from = client.list(kPods, "default").resourceVersion;
  client.create(kPods, "default", pod("a"));
  client.patch(kPods, "default", "a", client::PatchKind::Merge,
               R"({"metadata":{"labels":{"app":"other"}}})");
  client.patch(kPods, "default", "a", client::PatchKind::Merge,
               R"({"metadata":{"labels":{"app":"web"}}})");
  client.patch(kPods, "default", "a", client::PatchKind::Merge, R"({"status":{"phase":"Failed"}})",
               "status");
  ASSERT_TRUE(cache.sync());
  auto byLabel =
      client.watch(kPods, "default", {.labelSelector = "app=web", .resourceVersion = from});
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) seen.push_back(nextEvent(*byLabel).type);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED", "DELETED", "ADDED", "MODIFIED"}));
  auto byField = client.watch(kPods, "default",
                              {.fieldSelector = "status.phase!=Failed", .resourceVersion = from});
  seen.clear();
  for (int i = 0; i < 4; ++i) seen.push_back(nextEvent(*byField).type);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED", "MODIFIED", "MODIFIED", "DELETED"}));
  cache.stop();
}

TEST(SelectionViewTest, SelectsAsTheWholeObjectDoes) {
  auto& registry = api::ResourceRegistry::builtin();
  auto pods = registry.storageOf(*registry.find("", "v1", "pods"));
  bj::object pod = json::parse(R"({"metadata":{"name":"a","namespace":"ns","uid":"u",)"
                               R"("labels":{"app":"web"},"annotations":{"x":"y"}},)"
                               R"("spec":{"nodeName":"n1","containers":[{"name":"c"}]},)"
                               R"("status":{"phase":"Running","podIP":"10.42.0.5"}})")
                       .as_object();
  bj::object view = selectionView(*pods, pod);
  EXPECT_EQ(fieldsOf(*pods, view), fieldsOf(*pods, pod));
  EXPECT_EQ(view.at("metadata").at("labels"), pod.at("metadata").at("labels"));
  EXPECT_FALSE(view.at("spec").as_object().contains("containers"));
  EXPECT_FALSE(view.at("metadata").as_object().contains("annotations"));
}

// Events are not held by the watch cache (as kube-apiserver keeps none for them): every read goes
// to the store, with the same API behaviour.
TEST_F(LocalApiClientTest, UncachedEventsReadFromTheStoreWithTheSameSemantics) {
  client_->create(kPods, "default", pod("a"));
  for (int i = 0; i < 5; ++i) {
    client_->create(kEvents, "default", event("e" + std::to_string(i), i % 2 ? "Odd" : "Even"));
  }
  EXPECT_FALSE(cache_.cached("/registry/core/events/default/e0"));
  EXPECT_TRUE(cache_.cached("/registry/core/pods/default/a"));
  // Not held: each read decodes the stored value again (a cached object is one shared pointer).
  auto first = client_->list(kEvents, "default").items.at(0);
  auto again = client_->list(kEvents, "default").items.at(0);
  EXPECT_NE(first.get(), again.get());
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(client_->list(kPods, "default").items.at(0).get(),
            client_->list(kPods, "default").items.at(0).get());

  // Selectors and paging as for cached kinds.
  EXPECT_EQ(client_->list(kEvents, "default", {.fieldSelector = "reason=Odd"}).items.size(), 2u);
  client::ObjectList page = client_->list(kEvents, "default", {.limit = 2});
  ASSERT_EQ(page.items.size(), 2u);
  ASSERT_FALSE(page.continueToken.empty());
  std::vector<std::string> names;
  while (true) {
    for (const auto& e : page.items) names.push_back(nameOf(*e));
    if (page.continueToken.empty()) break;
    page = client_->list(kEvents, "default", {.limit = 2, .continueToken = page.continueToken});
  }
  EXPECT_EQ(names, (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4"}));
  EXPECT_EQ(reasonOf(client_->get(kEvents, "default", "e3")), "Odd");
}

TEST_F(LocalApiClientTest, UncachedEventsWatchWithTransitionsAndInitialState) {
  client_->create(kEvents, "default", event("old", "Odd"));
  auto initial = client_->watch(kEvents, "", {.fieldSelector = "reason=Odd"});
  auto e = nextEvent(*initial);
  EXPECT_EQ(e.type + " " + nameOf(*e.object), "ADDED old");

  std::string rv = client_->list(kEvents, "default").resourceVersion;
  auto stream =
      client_->watch(kEvents, "default", {.fieldSelector = "reason=Odd", .resourceVersion = rv});
  client_->create(kEvents, "default", event("a", "Odd"));
  client_->create(kEvents, "default", event("b", "Even"));  // never selected
  client_->patch(kEvents, "default", "a", client::PatchKind::Merge, R"({"count":2})");
  client_->patch(kEvents, "default", "a", client::PatchKind::Merge, R"({"reason":"Even"})");
  client_->patch(kEvents, "default", "b", client::PatchKind::Merge, R"({"reason":"Odd"})");
  client_->remove(kEvents, "default", "b");
  std::vector<std::string> seen;
  for (int i = 0; i < 5; ++i) {
    e = nextEvent(*stream);
    seen.push_back(e.type + " " + nameOf(*e.object));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED a", "MODIFIED a", "DELETED a", "ADDED b",
                                            "DELETED b"}));
  // The deletion carries its own revision, newer than the object's last write.
  EXPECT_GT(std::stoll(json::getString(*json::getObject(*e.object, "metadata"), "resourceVersion")),
            std::stoll(rv));
}

TEST_F(LocalApiClientTest, UncachedWatchFromCompactedHistoryIsGone) {
  std::string from = client_->list(kEvents, "default").resourceVersion;
  client_->create(kEvents, "default", event("a", "Odd"));
  client_->create(kEvents, "default", event("b", "Odd"));
  ASSERT_EQ(store_->compact(store_->currentRevision()), store::Error::None);
  auto stream = client_->watch(kEvents, "default", {.resourceVersion = from});
  auto e = nextEvent(*stream);
  EXPECT_EQ(e.type, "ERROR");
  EXPECT_EQ(json::getInt(*e.object, "code"), 410);
}

}  // namespace
}  // namespace cube::apiserver
