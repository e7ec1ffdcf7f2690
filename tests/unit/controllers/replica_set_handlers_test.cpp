// Informer handlers: which owners an event queues, and what the expectations learn from it.

#include "replica_set_fixture.h"

namespace cube::controllers::replicaset {
namespace {

class ReplicaSetHandlersTest : public ReplicaSetFixture {
 protected:
  // Drains the queue, returning the keys in it.
  std::vector<std::string> drain() {
    std::vector<std::string> keys;
    while (controller_->queue().len() > 0) {
      auto key = controller_->queue().get();
      keys.push_back(*key);
      controller_->queue().done(*key);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }
  ObjectPtr ptr(const bj::object& o) { return std::make_shared<const bj::object>(o); }
};

using Keys = std::vector<std::string>;

TEST_F(ReplicaSetHandlersTest, OwnedPodAddIsAnObservedCreation) {
  bj::object rs = createReplicaSet("web", 1);
  controller_->expectations().expectCreations("default/web", 1);
  bj::object pod = createPod("a", {{"app", "web"}}, &rs);
  controller_->onPodAdd(ptr(pod));
  EXPECT_TRUE(controller_->expectations().satisfied("default/web"));
  EXPECT_EQ(drain(), Keys{"default/web"});
}

TEST_F(ReplicaSetHandlersTest, OrphanAddQueuesEveryOwnerThatSelectsIt) {
  createReplicaSet("web", 1, "web");
  createReplicaSet("web2", 1, "web");
  createReplicaSet("db", 1, "db");
  controller_->onPodAdd(ptr(createPod("orphan", {{"app", "web"}})));
  EXPECT_EQ(drain(), (Keys{"default/web", "default/web2"}));
}

TEST_F(ReplicaSetHandlersTest, PodOfARecreatedOwnerIsNotItsOwn) {
  bj::object rs = createReplicaSet("web", 1);
  bj::object old = rs;
  old["metadata"].as_object()["uid"] = "previous-incarnation";
  controller_->expectations().expectCreations("default/web", 1);
  controller_->onPodAdd(ptr(createPod("a", {{"app", "web"}}, &old)));
  EXPECT_FALSE(controller_->expectations().satisfied("default/web"));
  EXPECT_TRUE(drain().empty());
}

TEST_F(ReplicaSetHandlersTest, RelabelQueuesTheOwner) {
  bj::object rs = createReplicaSet("web", 1);
  bj::object before = createPod("a", {{"app", "web"}}, &rs);
  bj::object after = before;
  after["metadata"].as_object()["labels"] = bj::object{{"app", "debug"}};
  after["metadata"].as_object()["resourceVersion"] = "999";
  controller_->onPodUpdate(ptr(before), ptr(after));
  EXPECT_EQ(drain(), Keys{"default/web"});
  // A resync (same resourceVersion) queues nothing.
  controller_->onPodUpdate(ptr(after), ptr(after));
  EXPECT_TRUE(drain().empty());
}

TEST_F(ReplicaSetHandlersTest, GracefulDeletionCountsAsObservedDeletion) {
  bj::object rs = createReplicaSet("web", 1);
  bj::object pod = createPod("a", {{"app", "web"}}, &rs);
  controller_->expectations().expectDeletions("default/web", {uidOf(pod)});
  bj::object terminating = pod;
  terminating["metadata"].as_object()["deletionTimestamp"] = at(std::chrono::seconds(0));
  terminating["metadata"].as_object()["resourceVersion"] = "999";
  controller_->onPodUpdate(ptr(pod), ptr(terminating));
  EXPECT_TRUE(controller_->expectations().satisfied("default/web"));
  EXPECT_EQ(drain(), Keys{"default/web"});
}

TEST_F(ReplicaSetHandlersTest, OwnerDeleteDropsExpectations) {
  bj::object rs = createReplicaSet("web", 1);
  controller_->expectations().expectCreations("default/web", 3);
  controller_->onOwnerDelete(ptr(rs));
  EXPECT_TRUE(controller_->expectations().satisfied("default/web"));
  EXPECT_EQ(drain(), Keys{"default/web"});
}

}  // namespace
}  // namespace cube::controllers::replicaset
