// HttpApiClient against a real API server: CRUD, errors as ApiError, watch streams.

#include "api_server_fixture.h"
#include "common/json_util.h"

namespace cube::client {
namespace {

namespace bj = boost::json;

class HttpApiClientTest : public ApiServerFixture {};

TEST_F(HttpApiClientTest, CreateGetUpdatePatchDelete) {
  bj::object created = client_->create(configMaps(), "default", configMap("a", "1"));
  EXPECT_EQ(json::getString(*json::getObject(created, "data"), "k"), "1");
  bj::object got = client_->get(configMaps(), "default", "a");
  (*json::getObject(got, "data"))["k"] = "2";
  bj::object updated = client_->update(configMaps(), "default", "a", got);
  EXPECT_EQ(json::getString(*json::getObject(updated, "data"), "k"), "2");
  client_->patch(configMaps(), "default", "a", PatchKind::Merge, R"({"data":{"k":"3"}})");
  EXPECT_EQ(
      json::getString(*json::getObject(client_->get(configMaps(), "default", "a"), "data"), "k"),
      "3");
  ObjectList list = client_->list(configMaps(), "default");
  ASSERT_EQ(list.items.size(), 1u);
  EXPECT_FALSE(list.resourceVersion.empty());
  client_->remove(configMaps(), "default", "a");
  EXPECT_THROW(client_->get(configMaps(), "default", "a"), ApiError);
}

TEST_F(HttpApiClientTest, ServerErrorsComeBackAsApiErrors) {
  try {
    client_->get(configMaps(), "default", "missing");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 404);
    EXPECT_EQ(e.reason(), "NotFound");
    EXPECT_EQ(e.message(), "configmaps \"missing\" not found");
  }
  client_->create(configMaps(), "default", configMap("dup", "1"));
  try {
    client_->create(configMaps(), "default", configMap("dup", "1"));
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.reason(), "AlreadyExists");
  }
  bj::object bad = configMap("Bad_Name", "1");
  try {
    client_->create(configMaps(), "default", bad);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
    ASSERT_FALSE(e.causes().empty());
    EXPECT_EQ(e.causes()[0].field, "metadata.name");
  }
}

TEST_F(HttpApiClientTest, WatchStreamsEventsAndCloses) {
  ObjectList list = client_->list(configMaps(), "default");
  WatchOptions options;
  options.resourceVersion = list.resourceVersion;
  options.allowBookmarks = false;
  auto stream = client_->watch(configMaps(), "default", options);
  client_->create(configMaps(), "default", configMap("w", "1"));
  client_->remove(configMaps(), "default", "w");
  WatchEvent e;
  ASSERT_TRUE(stream->next(e));
  EXPECT_EQ(e.type, "ADDED");
  EXPECT_EQ(json::getString(*json::getObject(*e.object, "metadata"), "name"), "w");
  ASSERT_TRUE(stream->next(e));
  EXPECT_EQ(e.type, "DELETED");
  stream->close();
  EXPECT_FALSE(stream->next(e));
}

TEST_F(HttpApiClientTest, BindingSubresource) {
  client_->create(
      pods(), "default",
      bj::object{{"metadata", bj::object{{"name", "p"}}},
                 {"spec", bj::object{{"containers",
                                      bj::array{bj::object{{"name", "c"}, {"image", "nginx"}}}}}}});
  client_->create(pods(), "default",
                  bj::object{{"apiVersion", "v1"},
                             {"kind", "Binding"},
                             {"metadata", bj::object{{"name", "p"}}},
                             {"target", bj::object{{"kind", "Node"}, {"name", "n1"}}}},
                  "binding", "p");
  EXPECT_EQ(
      json::getString(*json::getObject(client_->get(pods(), "default", "p"), "spec"), "nodeName"),
      "n1");
}

}  // namespace
}  // namespace cube::client
