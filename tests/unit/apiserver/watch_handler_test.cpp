// WatchHandler against a fake response stream: initial state, selector transitions, bookmarks,
// and 410 for history that is gone.

#include "apiserver/handlers/watch_handler.h"
#include "apiserver/rest/object_meta.h"
#include "apiserver/rest/resource_store.h"
#include "common/json_util.h"
#include "store/memory/memory_store.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace cube::apiserver {
namespace {

namespace bj = boost::json;

class FakeStream : public http::Stream {
 public:
  bool write(std::string chunk) override {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    chunks_.push_back(std::move(chunk));
    changed_.notify_all();
    return true;
  }
  void close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  bool closed() const override {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  void onClosed(std::function<void()> callback) override { onClosed_ = std::move(callback); }

  // The event types seen so far, once at least `n` arrived (or after 5 s).
  std::vector<std::string> waitForTypes(size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(5), [&] { return chunks_.size() >= n; });
    std::vector<std::string> types;
    for (const auto& c : chunks_) {
      types.push_back(json::getString(json::parse(c).as_object(), "type"));
    }
    return types;
  }
  std::string chunk(size_t i) {
    std::lock_guard lock(mutex_);
    return i < chunks_.size() ? chunks_[i] : "";
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> chunks_;
  bool closed_ = false;
  std::function<void()> onClosed_;
};

class FakeResponder : public http::Responder {
 public:
  void respond(http::Response r) override { response = std::move(r); }
  http::StreamPtr startStream(int, const std::string&) override { return stream; }
  std::shared_ptr<FakeStream> stream = std::make_shared<FakeStream>();
  http::Response response;
};

class WatchHandlerTest : public ::testing::Test {
 protected:
  WatchHandlerTest()
      : registry_(api::ResourceRegistry::builtin()),
        store_(store::makeMemoryStore()),
        cache_(store_, 4),
        resources_(registry_, store_, cache_, admission_, systemClock()),
        watches_(resources_, std::chrono::seconds(1)) {
    cache_.start();
    pods_ = registry_.find("", "v1", "pods");
  }

  void createPod(const std::string& name, const std::string& app) {
    resources_.create(
        *pods_, "default",
        json::parse(R"({"metadata":{"name":")" + name + R"(","labels":{"app":")" + app +
                    R"("}},"spec":{"containers":[{"name":"c","image":"nginx"}]}})")
            .as_object(),
        {});
  }
  void relabel(const std::string& name, const std::string& app) {
    resources_.guaranteedUpdate(*pods_, "default", name, [&](bj::object& p) {
      metadataOf(p)["labels"] = bj::object{{"app", app}};
    });
  }

  std::shared_ptr<FakeResponder> watch(std::vector<std::pair<std::string, std::string>> query) {
    http::Request request;
    request.method = "GET";
    request.path = "/api/v1/namespaces/default/pods";
    query.emplace_back("watch", "true");
    request.query = std::move(query);
    RequestInfo info = parseRequestInfo(request);
    auto responder = std::make_shared<FakeResponder>();
    watches_.serve(request, info, pods_, responder);
    return responder;
  }

  api::ResourceRegistry& registry_;
  store::StorePtr store_;
  WatchCache cache_;
  AdmissionChain admission_;
  ResourceStore resources_;
  WatchHandler watches_;
  api::ResourceInfoPtr pods_;
};

TEST_F(WatchHandlerTest, StartsWithCurrentObjects) {
  createPod("a", "web");
  createPod("b", "web");
  auto r = watch({});
  EXPECT_EQ(r->stream->waitForTypes(2), (std::vector<std::string>{"ADDED", "ADDED"}));
}

TEST_F(WatchHandlerTest, SelectorTransitionsAddAndDelete) {
  auto r =
      watch({{"labelSelector", "app=web"}, {"resourceVersion", std::to_string(cache_.revision())}});
  createPod("a", "web");
  relabel("a", "db");
  relabel("a", "web");
  createPod("other", "db");
  resources_.remove(*pods_, "default", "a", {});
  EXPECT_EQ(r->stream->waitForTypes(4),
            (std::vector<std::string>{"ADDED", "DELETED", "ADDED", "DELETED"}));
}

TEST_F(WatchHandlerTest, SendsBookmarksWhenAllowed) {
  auto r = watch({{"allowWatchBookmarks", "true"}, {"labelSelector", "app=none"}});
  auto types = r->stream->waitForTypes(1);
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types[0], "BOOKMARK");
  EXPECT_NE(r->stream->chunk(0).find("\"resourceVersion\":\""), std::string::npos);
}

TEST_F(WatchHandlerTest, HistoryThatIsGoneIsAnExpiredError) {
  createPod("first", "web");
  ASSERT_TRUE(cache_.sync());
  Revision start = cache_.revision();  // not 0, which means "from the current state"
  for (int i = 0; i < 10; ++i) createPod("p" + std::to_string(i), "web");  // window holds 4
  ASSERT_TRUE(cache_.sync());
  auto r = watch({{"resourceVersion", std::to_string(start)}});
  EXPECT_EQ(r->stream->waitForTypes(1), (std::vector<std::string>{"ERROR"}));
  EXPECT_NE(r->stream->chunk(0).find("\"code\":410"), std::string::npos);
  EXPECT_TRUE(r->stream->closed());
}

}  // namespace
}  // namespace cube::apiserver
