// Informer against a real API server: initial sync, then adds, updates and deletes reach the
// cache and the handlers in order.

#include "client/informer.h"
#include "api_server_fixture.h"
#include "common/json_util.h"

#include <condition_variable>

namespace cube::client {
namespace {

namespace bj = boost::json;

class InformerTest : public ApiServerFixture {
 protected:
  // Records handler calls as "add:name", "update:name", "delete:name".
  struct Recorder {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> calls;
    void record(const std::string& what, const ObjectPtr& obj) {
      std::lock_guard lock(mutex);
      calls.push_back(what + ":" + json::getString(*json::getObject(*obj, "metadata"), "name"));
      changed.notify_all();
    }
    bool waitFor(const std::string& call) {
      std::unique_lock lock(mutex);
      return changed.wait_for(lock, std::chrono::seconds(10), [&] {
        return std::find(calls.begin(), calls.end(), call) != calls.end();
      });
    }
  };
};

TEST_F(InformerTest, SyncsThenFollowsChanges) {
  client_->create(configMaps(), "default", configMap("before", "1"));
  Informer informer(client_, configMaps(), "default");
  Recorder r;
  informer.addHandlers({[&](const ObjectPtr& o) { r.record("add", o); },
                        [&](const ObjectPtr&, const ObjectPtr& o) { r.record("update", o); },
                        [&](const ObjectPtr& o) { r.record("delete", o); }});
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(10)));
  EXPECT_TRUE(r.waitFor("add:before"));
  ASSERT_TRUE(informer.get("default/before"));

  client_->create(configMaps(), "default", configMap("later", "1"));
  EXPECT_TRUE(r.waitFor("add:later"));
  client_->patch(configMaps(), "default", "later", PatchKind::Merge, R"({"data":{"k":"2"}})");
  EXPECT_TRUE(r.waitFor("update:later"));
  EXPECT_EQ(json::getString(*json::getObject(*informer.get("default/later"), "data"), "k"), "2");
  client_->remove(configMaps(), "default", "before");
  EXPECT_TRUE(r.waitFor("delete:before"));
  EXPECT_FALSE(informer.get("default/before"));
  EXPECT_EQ(informer.listNamespace("default").size(), 1u);
  informer.stop();
}

TEST_F(InformerTest, SelectorsLimitTheCache) {
  bj::object a = configMap("a", "1");
  a["metadata"].get_object()["labels"] = bj::object{{"team", "x"}};
  client_->create(configMaps(), "default", a);
  client_->create(configMaps(), "default", configMap("b", "1"));
  ListOptions selector;
  selector.labelSelector = "team=x";
  Informer informer(client_, configMaps(), "", selector);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(10)));
  EXPECT_EQ(informer.list().size(), 1u);
  EXPECT_TRUE(informer.get("default/a"));
  informer.stop();
}

}  // namespace
}  // namespace cube::client
