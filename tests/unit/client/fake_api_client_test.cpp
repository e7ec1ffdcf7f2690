// The fake is shared test infrastructure: these tests pin the API semantics others rely on.
#include "fake_api_client.h"

#include <gtest/gtest.h>

#include <thread>

namespace cube::client::testing {
namespace {

namespace json = boost::json;

const Resource kPods{"", "v1", "pods", true};

json::object pod(const std::string& name, const std::string& app = "web") {
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
                      {"spec", json::object()}};
}

int apiErrorCode(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e.code();
  }
  return 0;
}

TEST(FakeApiClientTest, CreateGetUpdateWithOptimisticConcurrency) {
  FakeApiClient api;
  const json::object created = api.create(kPods, "default", pod("a"));
  const std::string rv = FakeApiClient::metaString(created, "resourceVersion");
  EXPECT_EQ(rv, "1");
  EXPECT_FALSE(FakeApiClient::metaString(created, "uid").empty());
  EXPECT_EQ(apiErrorCode([&] { api.create(kPods, "default", pod("a")); }), 409);
  EXPECT_EQ(apiErrorCode([&] { api.get(kPods, "other", "a"); }), 404);

  json::object next = api.get(kPods, "default", "a");
  next["spec"].as_object()["nodeName"] = "n1";
  EXPECT_EQ(FakeApiClient::metaString(api.update(kPods, "default", "a", next), "resourceVersion"),
            "2");
  // The same stale version again: Conflict.
  EXPECT_EQ(apiErrorCode([&] { api.update(kPods, "default", "a", next); }), 409);
}

TEST(FakeApiClientTest, ListFiltersByNamespaceAndSelectors) {
  FakeApiClient api;
  api.create(kPods, "default", pod("a", "web"));
  api.create(kPods, "default", pod("b", "db"));
  api.create(kPods, "kube-system", pod("c", "web"));
  EXPECT_EQ(itemsOf(api.list(kPods, "")).size(), 3u);
  EXPECT_EQ(itemsOf(api.list(kPods, "default")).size(), 2u);
  EXPECT_EQ(itemsOf(api.list(kPods, "", {.labelSelector = "app=web"})).size(), 2u);
  EXPECT_EQ(itemsOf(api.list(kPods, "", {.labelSelector = "app!=web"})).size(), 1u);
  EXPECT_EQ(itemsOf(api.list(kPods, "", {.fieldSelector = "metadata.name=c"})).size(), 1u);
}

TEST(FakeApiClientTest, PatchBindingAndDelete) {
  FakeApiClient api;
  api.create(kPods, "default", pod("a"));
  api.patch(kPods, "default", "a", PatchKind::Merge, R"({"metadata":{"labels":{"tier":"1"}}})");
  EXPECT_EQ(api.get(kPods, "default", "a").at("metadata").at("labels").at("tier"), "1");
  api.create(kPods, "default", json::object{{"target", {{"name", "node-1"}}}}, "binding", "a");
  EXPECT_EQ(api.get(kPods, "default", "a").at("spec").at("nodeName"), "node-1");
  EXPECT_EQ(apiErrorCode([&] { api.remove(kPods, "default", "a", {.preconditionUid = "x"}); }),
            409);
  api.remove(kPods, "default", "a");
  EXPECT_EQ(apiErrorCode([&] { api.remove(kPods, "default", "a"); }), 404);
}

TEST(FakeApiClientTest, WatchReplaysFromAVersionAndBlocksForNewEvents) {
  FakeApiClient api;
  api.create(kPods, "default", pod("a"));
  api.create(kPods, "default", pod("b"));
  auto stream = api.watch(kPods, "default", {.resourceVersion = "1"});
  WatchEvent event;
  ASSERT_TRUE(stream->next(event));
  EXPECT_EQ(event.type, "ADDED");
  EXPECT_EQ(FakeApiClient::metaString(*event.object, "name"), "b");

  std::thread writer([&] { api.remove(kPods, "default", "a"); });
  ASSERT_TRUE(stream->next(event));  // blocks until the delete
  writer.join();
  EXPECT_EQ(event.type, "DELETED");
  EXPECT_EQ(FakeApiClient::metaString(*event.object, "name"), "a");

  std::thread closer([&] { stream->close(); });
  EXPECT_FALSE(stream->next(event));
  closer.join();
}

TEST(FakeApiClientTest, WatchWithoutVersionStartsWithTheCurrentState) {
  FakeApiClient api;
  api.create(kPods, "default", pod("a"));
  auto stream = api.watch(kPods, "", {});
  WatchEvent event;
  ASSERT_TRUE(stream->next(event));
  EXPECT_EQ(event.type, "ADDED");
  api.create(kPods, "other", pod("b"));
  ASSERT_TRUE(stream->next(event));
  EXPECT_EQ(FakeApiClient::metaString(*event.object, "name"), "b");
}

TEST(FakeApiClientTest, ReactorFailsRequestsAndActionsAreRecorded) {
  FakeApiClient api;
  api.setReactor([](const FakeAction& a) {
    if (a.verb == "delete") throw ApiError::internal("injected");
  });
  api.create(kPods, "default", pod("a"));
  EXPECT_EQ(apiErrorCode([&] { api.remove(kPods, "default", "a"); }), 500);
  const auto actions = api.actions();
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].verb, "create");
  EXPECT_EQ(actions[1].verb, "delete");
  EXPECT_EQ(actions[1].name, "a");
}

}  // namespace
}  // namespace cube::client::testing
