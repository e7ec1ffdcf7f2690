// NodeIpamController and its CidrAllocator on a FakeApiClient with a hand-refreshed node cache.

#include "controllers/nodeipam/node_ipam_controller.h"
#include "../client/fake_api_client.h"
#include "client/event_recorder.h"
#include "client/fake_clock.h"
#include "common/json_util.h"
#include "controllers/object_cache.h"

#include <gtest/gtest.h>

#include <set>

namespace cube::controllers::nodeipam {
namespace {

namespace bj = boost::json;
using client::testing::FakeApiClient;

const client::Resource kNodes{"", "v1", "nodes", false};

TEST(CidrAllocator, HandsOutDistinctSubnetsAndReusesReleasedOnes) {
  CidrAllocator a("10.42.0.0/16", 24);
  EXPECT_EQ(a.capacity(), 256u);
  EXPECT_EQ(a.allocateNext(), "10.42.0.0/24");
  EXPECT_EQ(a.allocateNext(), "10.42.1.0/24");
  EXPECT_TRUE(a.occupy("10.42.2.0/24"));
  EXPECT_FALSE(a.occupy("10.42.2.0/24"));
  EXPECT_FALSE(a.occupy("10.43.0.0/24"));
  EXPECT_FALSE(a.occupy("10.42.2.0/25"));
  EXPECT_FALSE(a.occupy("10.42.2.1/24"));
  EXPECT_EQ(a.allocateNext(), "10.42.3.0/24");
  a.release("10.42.1.0/24");
  EXPECT_EQ(a.used(), 3u);
  CidrAllocator small("10.42.0.0/23", 24);
  EXPECT_TRUE(small.allocateNext());
  EXPECT_TRUE(small.allocateNext());
  EXPECT_FALSE(small.allocateNext());
  EXPECT_EQ(CidrAllocator("10.42.0.0/16", 16).capacity(), 1u);  // the whole range, one node
  EXPECT_THROW(CidrAllocator("10.42.0.0/16", 15), std::invalid_argument);
  EXPECT_THROW(CidrAllocator("10.42.0/16", 24), std::invalid_argument);
}

TEST(NodeIpamOptions, ValidatesClusterCidrAndMaskSize) {
  EXPECT_NO_THROW(validateNodeIpamOptions({}));
  EXPECT_NO_THROW(validateNodeIpamOptions({"10.0.0.0/8", 24}));
  EXPECT_NO_THROW(validateNodeIpamOptions({"10.42.0.0/22", 22}));
  EXPECT_NO_THROW(validateNodeIpamOptions({"10.42.0.0/16", 30}));
  auto message = [](const NodeIpamOptions& o) {
    try {
      validateNodeIpamOptions(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message({"10.42.0.0/16", 15}),
            "--node-cidr-mask-size 15 must be between the prefix length of --cluster-cidr "
            "10.42.0.0/16 (16) and 30");
  EXPECT_NE(message({"10.42.0.0/16", 31}).find("--node-cidr-mask-size 31"), std::string::npos);
  EXPECT_NE(message({"10.42.0.0", 24}).find("--cluster-cidr 10.42.0.0 is not"), std::string::npos);
  EXPECT_NE(message({"10.42.300.0/16", 24}).find("is not an IPv4 CIDR"), std::string::npos);
  EXPECT_NE(message({"fd00::/48", 64}).find("is not an IPv4 CIDR"), std::string::npos);
  EXPECT_NE(message({"0.0.0.0/0", 30}).find("more than 2^24"), std::string::npos);
}

class NodeIpamTest : public ::testing::Test {
 protected:
  std::unique_ptr<NodeIpamController> makeController(NodeIpamOptions options = {}) {
    return std::make_unique<NodeIpamController>(
        NodeIpamController::Deps{api_, nodes_, events_, clock_}, options);
  }
  // Processes the keys queued now, as the workers would (a throw is retried with backoff).
  // Keys whose delay has not run out on the fake clock stay where they are.
  void drain(NodeIpamController& c) {
    while (c.queue().len() > 0) {
      auto key = c.queue().get();
      try {
        c.reconcile(*key);
        c.queue().forget(*key);
      } catch (const std::exception&) {
        c.queue().addRateLimited(*key);
      }
      c.queue().done(*key);
    }
  }
  ObjectPtr cached(const std::string& name) { return nodes_->get(name); }
  // Writes the controller sent to the API server.
  size_t writes() {
    size_t n = 0;
    for (const auto& a : api_->actions()) {
      if (a.verb != "get" && a.verb != "list" && a.verb != "watch") ++n;
    }
    return n;
  }
  void refresh() {
    nodes_->clear();
    for (auto& o : itemsOf(api_->list(kNodes, ""))) nodes_->put(o);
  }
  void createNode(const std::string& name, const std::string& cidr = "") {
    bj::object spec;
    if (!cidr.empty()) spec["podCIDR"] = cidr;
    api_->create(kNodes, "",
                 bj::object{{"apiVersion", "v1"},
                            {"kind", "Node"},
                            {"metadata", bj::object{{"name", name}}},
                            {"spec", spec}});
  }
  std::string cidrOf(const std::string& name) {
    bj::object n = api_->get(kNodes, "", name);
    return json::getString(n.at("spec").as_object(), "podCIDR");
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  std::shared_ptr<client::FakeClock> clock_ = std::make_shared<client::FakeClock>();
  MemoryCachePtr nodes_ = std::make_shared<MemoryCache>();
  std::shared_ptr<client::RecordingEventRecorder> events_ =
      std::make_shared<client::RecordingEventRecorder>();
};

TEST_F(NodeIpamTest, AllocatesUniqueSubnetsAndReleasesThem) {
  auto c = makeController();
  createNode("a");
  createNode("b");
  refresh();
  c->reconcile("a");
  c->reconcile("b");
  EXPECT_EQ(cidrOf("a"), "10.42.0.0/24");
  EXPECT_EQ(cidrOf("b"), "10.42.1.0/24");
  bj::object a = api_->get(kNodes, "", "a");
  EXPECT_EQ(json::serialize(a.at("spec").at("podCIDRs")), R"(["10.42.0.0/24"])");

  refresh();
  c->reconcile("a");  // already has one: nothing to do
  EXPECT_EQ(c->allocator().used(), 2u);

  api_->remove(kNodes, "", "a");
  refresh();
  c->reconcile("a");
  EXPECT_EQ(c->allocator().used(), 1u);
}

TEST_F(NodeIpamTest, RebuildsFromExistingNodes) {
  createNode("a", "10.42.0.0/24");
  createNode("b", "10.42.1.0/24");
  createNode("c");
  refresh();
  auto c = makeController();
  c->rebuild();
  EXPECT_EQ(c->allocator().used(), 2u);
  c->reconcile("c");
  std::set<std::string> all{cidrOf("a"), cidrOf("b"), cidrOf("c")};
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(cidrOf("c"), "10.42.2.0/24");
}

TEST_F(NodeIpamTest, FullRangeMakesANodeWaitWithoutWritesUntilANodeIsDeleted) {
  auto c = makeController({"10.42.0.0/22", 24});  // room for 4 nodes
  for (const char* name : {"a", "b", "c", "d", "e"}) createNode(name);
  refresh();
  for (const char* name : {"a", "b", "c", "d", "e"}) c->onNodeAdd(cached(name));
  drain(*c);

  std::set<std::string> given;
  for (const char* name : {"a", "b", "c", "d"}) given.insert(cidrOf(name));
  EXPECT_EQ(given, (std::set<std::string>{"10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24",
                                          "10.42.3.0/24"}));
  EXPECT_EQ(cidrOf("e"), "");
  EXPECT_TRUE(c->waiting("e"));
  auto recorded = events_->events();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].about.kind, "Node");
  EXPECT_EQ(recorded[0].about.name, "e");
  EXPECT_EQ(recorded[0].type, "Normal");
  EXPECT_EQ(recorded[0].reason, "CIDRNotAvailable");
  EXPECT_EQ(recorded[0].message, "Node e status is now: CIDRNotAvailable");

  // Heartbeats and resyncs of the waiting node do not queue it (its backoff does), nor do those
  // of nodes that have their subnet.
  refresh();
  c->onNodeUpdate(cached("e"), cached("e"));
  c->onNodeUpdate(cached("a"), cached("a"));
  EXPECT_EQ(c->queue().len(), 0u);

  // Several resync periods at rest: every node is replayed and the waiting node's backoff runs
  // out more than once, yet nothing is written.
  api_->clearActions();
  for (int period = 0; period < 10; ++period) {
    clock_->advance(std::chrono::seconds(30));
    refresh();
    for (const char* name : {"a", "b", "c", "d", "e"}) {
      c->onNodeUpdate(cached(name), cached(name));
    }
    c->queue().add("e");  // as if its backoff ran out now (the timer thread may lag behind)
    drain(*c);
  }
  EXPECT_EQ(writes(), 0u);
  EXPECT_EQ(events_->count("CIDRNotAvailable"), 1u);
  EXPECT_TRUE(c->waiting("e"));

  // A deleted node frees its subnet, and the waiting node gets it without waiting for a retry.
  std::string freed = cidrOf("b");
  ObjectPtr b = cached("b");
  api_->remove(kNodes, "", "b");
  refresh();
  api_->clearActions();
  c->onNodeDelete(b);
  drain(*c);
  EXPECT_EQ(cidrOf("e"), freed);
  EXPECT_FALSE(c->waiting("e"));
  // e's patch (again if a backoff retry ran before the cache showed it: same subnet), no other.
  EXPECT_GE(writes(), 1u);
  for (const auto& a : api_->actions()) {
    if (a.verb == "get" || a.verb == "list") continue;
    EXPECT_EQ(a.verb + " " + a.name, "patch e");
  }
  EXPECT_EQ(c->allocator().used(), 4u);
  EXPECT_EQ(events_->count("CIDRNotAvailable"), 1u);
}

}  // namespace
}  // namespace cube::controllers::nodeipam
