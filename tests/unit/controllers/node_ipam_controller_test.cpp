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
  EXPECT_THROW(CidrAllocator("10.42.0.0/16", 16), std::invalid_argument);
  EXPECT_THROW(CidrAllocator("10.42.0/16", 24), std::invalid_argument);
}

class NodeIpamTest : public ::testing::Test {
 protected:
  std::unique_ptr<NodeIpamController> makeController() {
    return std::make_unique<NodeIpamController>(NodeIpamController::Deps{
        api_, nodes_, std::make_shared<client::RecordingEventRecorder>(), clock_});
  }
  void refresh() {
    nodes_->clear();
    for (auto& o : api_->list(kNodes, "").items) nodes_->put(o);
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

}  // namespace
}  // namespace cube::controllers::nodeipam
