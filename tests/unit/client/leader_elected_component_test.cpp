#include "client/leader_elected_component.h"

#include "fake_api_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>

namespace cube::client {
namespace {

namespace json = boost::json;
using std::chrono::seconds;
using testing::FakeApiClient;

LeaseConfig leaseFor(const std::string& identity) {
  LeaseConfig c;
  c.namespace_ = "kube-system";
  c.name = "kube-scheduler";
  c.identity = identity;
  c.releaseOnStop = true;
  return c;
}

// Counts instances of a pretend component; `running` must never exceed one across candidates.
struct Instances {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::atomic<int> running{0};
  std::atomic<int> maxRunning{0};

  LeaderElectedComponent::Starter starter() {
    return [this] {
      ++started;
      int now = ++running;
      int seen = maxRunning.load();
      while (now > seen && !maxRunning.compare_exchange_weak(seen, now)) {
      }
      return [this] {
        --running;
        ++stopped;
      };
    };
  }
};

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

class LeaderElectedComponentTest : public ::testing::Test {
 protected:
  void handLeaseTo(const std::string& other) {
    json::object obj =
        *api_->stored(LeaderElector::leaseResource(), "kube-system", "kube-scheduler");
    obj["spec"].as_object()["holderIdentity"] = other;
    obj["spec"].as_object()["renewTime"] = formatRfc3339Micro(clock_->now());
    api_->update(LeaderElector::leaseResource(), "kube-system", "kube-scheduler", obj);
  }
  std::string renewTime() const {
    auto obj = api_->stored(LeaderElector::leaseResource(), "kube-system", "kube-scheduler");
    return obj ? json::value_to<std::string>(obj->at("spec").at("renewTime")) : "";
  }
  std::string holder() const {
    auto obj = api_->stored(LeaderElector::leaseResource(), "kube-system", "kube-scheduler");
    if (!obj) return "";
    const auto* h = obj->at("spec").as_object().if_contains("holderIdentity");
    return h && h->is_string() ? std::string(h->get_string()) : "";
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  FakeClockPtr clock_ = std::make_shared<FakeClock>();
};

TEST_F(LeaderElectedComponentTest, RunsOneInstancePerTermAndAFreshOneAfterLosingTheLease) {
  Instances instances;
  LeaderElectedComponent component(api_, leaseFor("a"), instances.starter(), clock_);
  component.start();
  ASSERT_TRUE(clock_->awaitWaiters(1));
  ASSERT_TRUE(eventually([&] { return instances.running == 1; }));
  EXPECT_TRUE(component.leading());

  // Another holder appears: the instance is stopped at the next renewal.
  handLeaseTo("b");
  clock_->advance(seconds(2));
  ASSERT_TRUE(clock_->awaitWaiters(1));
  EXPECT_FALSE(component.leading());
  EXPECT_EQ(instances.running, 0);
  EXPECT_EQ(instances.stopped, 1);

  // "b" stops renewing: once its lease expires a new term starts a new instance.
  clock_->advance(seconds(16));
  ASSERT_TRUE(clock_->awaitWaiters(1));
  ASSERT_TRUE(eventually([&] { return instances.running == 1; }));
  EXPECT_EQ(instances.started, 2);
  EXPECT_EQ(component.terms(), 2);

  component.stop();
  EXPECT_EQ(instances.running, 0);
  EXPECT_EQ(instances.stopped, 2);
  EXPECT_EQ(holder(), "");  // released for a successor
}

TEST_F(LeaderElectedComponentTest, ASlowStartDoesNotHoldUpRenewalsAndIsStoppedAfterward) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> stopped{0};
  LeaderElectedComponent component(
      api_, leaseFor("a"),
      [&] {
        released.wait();  // e.g. informers that take long to sync
        return LeaderElectedComponent::Stopper([&] { ++stopped; });
      },
      clock_);
  component.start();
  ASSERT_TRUE(clock_->awaitWaiters(1));
  const std::string firstRenew = renewTime();
  clock_->advance(seconds(2));
  ASSERT_TRUE(clock_->awaitWaiters(1));
  EXPECT_NE(renewTime(), firstRenew);
  // Stopping while the start is still under way waits for it and then stops the instance.
  std::thread stopper([&] { component.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(stopped, 0);
  release.set_value();
  stopper.join();
  EXPECT_EQ(stopped, 1);
}

TEST_F(LeaderElectedComponentTest, TwoServersNeverRunTwoInstances) {
  Instances instances;
  LeaderElectedComponent a(api_, leaseFor("a"), instances.starter(), clock_);
  LeaderElectedComponent b(api_, leaseFor("b"), instances.starter(), clock_);
  a.start();
  b.start();
  ASSERT_TRUE(clock_->awaitWaiters(2));
  ASSERT_TRUE(eventually([&] { return instances.running == 1; }));
  for (int i = 0; i < 5; ++i) {
    clock_->advance(seconds(2));
    ASSERT_TRUE(clock_->awaitWaiters(2));
  }
  EXPECT_EQ(instances.started, 1);
  // The leader goes away (releasing its lease): the other takes over.
  LeaderElectedComponent& leader = a.leading() ? a : b;
  LeaderElectedComponent& follower = a.leading() ? b : a;
  leader.stop();
  clock_->advance(seconds(2));
  ASSERT_TRUE(clock_->awaitWaiters(1));
  ASSERT_TRUE(eventually([&] { return instances.running == 1; }));
  EXPECT_TRUE(follower.leading());
  EXPECT_EQ(instances.started, 2);
  EXPECT_EQ(instances.maxRunning, 1);
  follower.stop();
}

}  // namespace
}  // namespace cube::client
