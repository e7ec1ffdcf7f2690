#include "client/leader_election.h"

#include "fake_api_client.h"
#include "intercepting_api_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

namespace cube::client {
namespace {

namespace json = boost::json;
using std::chrono::seconds;
using testing::FakeApiClient;

// A candidate cut off from the API server (every request fails while `down` is set) while the
// others still reach it.
struct PartitionedApi : testing::InterceptingApiClient {
  explicit PartitionedApi(std::shared_ptr<ApiClient> inner)
      : InterceptingApiClient(std::move(inner), [this](const testing::FakeAction&) {
          if (down) throw ApiError::serviceUnavailable("partitioned");
        }) {}
  std::atomic<bool> down{false};
};

LeaseConfig configFor(const std::string& identity) {
  LeaseConfig c;
  c.namespace_ = "kube-system";
  c.name = "cube-controller-manager";
  c.identity = identity;
  return c;
}

class LeaderElectionTest : public ::testing::Test {
 protected:
  json::object lease() const {
    auto obj =
        api_->stored(LeaderElector::leaseResource(), "kube-system", "cube-controller-manager");
    EXPECT_TRUE(obj.has_value());
    return obj ? obj->at("spec").as_object() : json::object();
  }
  std::string holder() const {
    const json::object spec = lease();
    const auto* h = spec.if_contains("holderIdentity");
    return h ? std::string(h->as_string()) : "";
  }
  json::value timeAfter(seconds s) const { return json::value(formatRfc3339Micro(start_ + s)); }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  FakeClockPtr clock_ = std::make_shared<FakeClock>();
  const TimePoint start_ = clock_->now();
};

TEST_F(LeaderElectionTest, AcquiresAnAbsentLease) {
  LeaderElector a(api_, configFor("a"), {}, clock_);
  EXPECT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  const json::object spec = lease();
  EXPECT_EQ(spec.at("holderIdentity"), "a");
  EXPECT_EQ(spec.at("leaseDurationSeconds"), 15);
  EXPECT_EQ(spec.at("leaseTransitions"), 0);
  EXPECT_EQ(spec.at("acquireTime"), "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(spec.at("renewTime"), "2026-01-01T00:00:00.000000Z");
  const auto stored =
      api_->stored(LeaderElector::leaseResource(), "kube-system", "cube-controller-manager");
  EXPECT_EQ(stored->at("kind"), "Lease");
  EXPECT_EQ(stored->at("apiVersion"), "coordination.k8s.io/v1");
}

TEST_F(LeaderElectionTest, RenewMovesRenewTimeOnly) {
  LeaderElector a(api_, configFor("a"), {}, clock_);
  ASSERT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  clock_->advance(std::chrono::milliseconds(2500));
  ASSERT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  const json::object spec = lease();
  EXPECT_EQ(spec.at("renewTime"), "2026-01-01T00:00:02.500000Z");
  EXPECT_EQ(spec.at("acquireTime"), timeAfter(seconds(0)));
  EXPECT_EQ(spec.at("leaseTransitions"), 0);
  EXPECT_TRUE(std::regex_match(std::string(spec.at("renewTime").as_string()),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
  // Each write was conditional on the version read.
  const auto actions = api_->actions();
  ASSERT_EQ(actions.size(), 4u);
  EXPECT_EQ(actions[0].verb, "get");
  EXPECT_EQ(actions[1].verb, "create");
  EXPECT_EQ(actions[3].verb, "update");
  EXPECT_EQ(actions[3].resource, "leases.coordination.k8s.io");
}

TEST_F(LeaderElectionTest, DoesNotTakeAValidLeaseAndTakesAnExpiredOne) {
  LeaderElector a(api_, configFor("a"), {}, clock_);
  LeaderElector b(api_, configFor("b"), {}, clock_);
  ASSERT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  EXPECT_EQ(b.tryAcquireOrRenew(), LeaseAttempt::HeldByOther);
  clock_->advance(seconds(15));  // renewTime + 15s == now: not yet expired
  EXPECT_EQ(b.tryAcquireOrRenew(), LeaseAttempt::HeldByOther);
  clock_->advance(seconds(1));
  EXPECT_EQ(b.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  const json::object spec = lease();
  EXPECT_EQ(spec.at("holderIdentity"), "b");
  EXPECT_EQ(spec.at("leaseTransitions"), 1);
  EXPECT_EQ(spec.at("acquireTime"), timeAfter(seconds(16)));
  // The old holder now sees someone else.
  EXPECT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::HeldByOther);
}

TEST_F(LeaderElectionTest, ConcurrentWriteBetweenReadAndUpdateIsAConflict) {
  LeaderElector a(api_, configFor("a"), {}, clock_);
  ASSERT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  // Just before a's next update, someone else writes the lease.
  bool sneaked = false;
  api_->setReactor([&](const testing::FakeAction& action) {
    if (action.verb != "update" || sneaked) return;
    sneaked = true;
    json::object other =
        *api_->stored(LeaderElector::leaseResource(), "kube-system", "cube-controller-manager");
    other["spec"].as_object()["holderIdentity"] = "intruder";
    api_->update(LeaderElector::leaseResource(), "kube-system", "cube-controller-manager", other);
  });
  clock_->advance(seconds(2));
  EXPECT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Conflict);
  EXPECT_EQ(holder(), "intruder");
}

TEST_F(LeaderElectionTest, TwoCandidatesCreatingAtOnceOnlyOneWins) {
  LeaderElector a(api_, configFor("a"), {}, clock_);
  LeaderElector b(api_, configFor("b"), {}, clock_);
  // b creates the lease after a found it absent.
  bool raced = false;
  api_->setReactor([&](const testing::FakeAction& action) {
    if (action.verb != "create" || raced) return;
    raced = true;
    EXPECT_EQ(b.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  });
  EXPECT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Conflict);
  EXPECT_EQ(holder(), "b");
}

TEST_F(LeaderElectionTest, ServerErrorsAreFailures) {
  LeaderElector a(api_, configFor("a"), {}, clock_);
  api_->setReactor([](const testing::FakeAction&) { throw ApiError::internal("boom"); });
  EXPECT_EQ(a.tryAcquireOrRenew(), LeaseAttempt::Failed);
}

// Runs an elector on its own thread and counts its callbacks.
struct Candidate {
  Candidate(std::shared_ptr<ApiClient> api, const std::string& identity, ClockPtr clock,
            std::atomic<int>* leaders = nullptr, std::atomic<int>* overlaps = nullptr,
            bool releaseOnStop = false)
      : elector(
            std::move(api),
            [&] {
              LeaseConfig c = configFor(identity);
              c.releaseOnStop = releaseOnStop;
              return c;
            }(),
            LeaderCallbacks{[this, leaders, overlaps] {
                              ++started;
                              if (leaders && ++*leaders > 1) ++*overlaps;
                            },
                            [this, leaders] {
                              ++stopped;
                              if (leaders) --*leaders;
                            }},
            std::move(clock)) {}
  ~Candidate() { finish(); }
  void start() {
    thread = std::thread([this] { elector.run(); });
  }
  void finish() {
    elector.stop();
    if (thread.joinable()) thread.join();
  }

  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  LeaderElector elector;
  std::thread thread;
};

TEST_F(LeaderElectionTest, RunLeadsRenewsAndStopsLeadingOnStop) {
  Candidate a(api_, "a", clock_);
  a.start();
  ASSERT_TRUE(clock_->awaitWaiters(1));
  EXPECT_TRUE(a.elector.isLeader());
  EXPECT_EQ(a.started, 1);
  for (int i = 1; i <= 5; ++i) {
    clock_->advance(seconds(2));
    ASSERT_TRUE(clock_->awaitWaiters(1));
    EXPECT_EQ(lease().at("renewTime"), timeAfter(seconds(2 * i)));
  }
  a.finish();
  EXPECT_FALSE(a.elector.isLeader());
  EXPECT_EQ(a.started, 1);
  EXPECT_EQ(a.stopped, 1);
  EXPECT_EQ(holder(), "a");  // not released: releaseOnStop is off
}

TEST_F(LeaderElectionTest, StepsDownWhenRenewalsFailForTheRenewDeadline) {
  auto partitioned = std::make_shared<PartitionedApi>(api_);
  Candidate a(partitioned, "a", clock_);
  a.start();
  ASSERT_TRUE(clock_->awaitWaiters(1));
  ASSERT_TRUE(a.elector.isLeader());
  partitioned->down = true;
  for (int i = 1; i <= 4; ++i) {  // 2s .. 8s without a renewal: still within renewDeadline
    clock_->advance(seconds(2));
    ASSERT_TRUE(clock_->awaitWaiters(1));
    EXPECT_TRUE(a.elector.isLeader()) << "at " << 2 * i << "s";
  }
  clock_->advance(seconds(2));  // 10s: renewDeadline reached, 5s before the lease expires
  ASSERT_TRUE(clock_->awaitWaiters(1));
  EXPECT_FALSE(a.elector.isLeader());
  EXPECT_EQ(a.stopped, 1);
  // Back in contact, it contends again and, its lease still being its own, leads again.
  partitioned->down = false;
  clock_->advance(seconds(2));
  ASSERT_TRUE(clock_->awaitWaiters(1));
  EXPECT_TRUE(a.elector.isLeader());
  EXPECT_EQ(a.started, 2);
}

TEST_F(LeaderElectionTest, StepsDownAtOnceWhenAnotherHolderAppears) {
  Candidate a(api_, "a", clock_);
  a.start();
  ASSERT_TRUE(clock_->awaitWaiters(1));
  ASSERT_TRUE(a.elector.isLeader());
  // An operator (or a candidate with a skewed clock) hands the lease to "b".
  json::object obj =
      *api_->stored(LeaderElector::leaseResource(), "kube-system", "cube-controller-manager");
  obj["spec"].as_object()["holderIdentity"] = "b";
  obj["spec"].as_object()["renewTime"] = timeAfter(seconds(1));
  api_->update(LeaderElector::leaseResource(), "kube-system", "cube-controller-manager", obj);
  clock_->advance(seconds(2));
  ASSERT_TRUE(clock_->awaitWaiters(1));
  EXPECT_FALSE(a.elector.isLeader());
  EXPECT_EQ(a.stopped, 1);
  EXPECT_EQ(holder(), "b");
}

TEST_F(LeaderElectionTest, TwoElectorsNeverBothLead) {
  std::atomic<int> leaders{0}, overlaps{0};
  auto apiA = std::make_shared<PartitionedApi>(api_);
  auto apiB = std::make_shared<PartitionedApi>(api_);
  Candidate a(apiA, "a", clock_, &leaders, &overlaps);
  a.start();
  ASSERT_TRUE(clock_->awaitWaiters(1));
  Candidate b(apiB, "b", clock_, &leaders, &overlaps);
  b.start();
  ASSERT_TRUE(clock_->awaitWaiters(2));
  EXPECT_TRUE(a.elector.isLeader());
  EXPECT_FALSE(b.elector.isLeader());

  // Cut the leader off: it must stop before b may take over.
  apiA->down = true;
  int seconds_ = 0;
  while (!b.elector.isLeader() && seconds_ < 60) {
    clock_->advance(seconds(1));
    seconds_ += 1;
    ASSERT_TRUE(clock_->awaitWaiters(2));
    EXPECT_LE(leaders.load(), 1) << "at " << seconds_ << "s";
  }
  EXPECT_TRUE(b.elector.isLeader());
  EXPECT_FALSE(a.elector.isLeader());
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(lease().at("leaseTransitions"), 1);

  // a comes back and finds b leading.
  apiA->down = false;
  for (int i = 0; i < 10; ++i) {
    clock_->advance(seconds(1));
    ASSERT_TRUE(clock_->awaitWaiters(2));
  }
  EXPECT_TRUE(b.elector.isLeader());
  EXPECT_FALSE(a.elector.isLeader());
  a.finish();
  b.finish();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(leaders.load(), 0);
  EXPECT_EQ(a.started, 1);
  EXPECT_EQ(b.started, 1);
}

TEST_F(LeaderElectionTest, ReleaseOnStopLetsASuccessorTakeOverAtOnce) {
  Candidate a(api_, "a", clock_, nullptr, nullptr, /*releaseOnStop=*/true);
  a.start();
  ASSERT_TRUE(clock_->awaitWaiters(1));
  ASSERT_TRUE(a.elector.isLeader());
  a.finish();
  EXPECT_EQ(holder(), "");
  EXPECT_EQ(lease().at("leaseDurationSeconds"), 1);
  LeaderElector b(api_, configFor("b"), {}, clock_);
  EXPECT_EQ(b.tryAcquireOrRenew(), LeaseAttempt::Acquired);
  EXPECT_EQ(holder(), "b");
  EXPECT_EQ(lease().at("leaseTransitions"), 1);
}

TEST_F(LeaderElectionTest, StopBeforeRunReturnsAtOnce) {
  LeaderElector a(api_, configFor("a"), {}, clock_);
  a.stop();
  a.run();
  EXPECT_FALSE(a.isLeader());
  EXPECT_TRUE(api_->actions().empty());
}

TEST_F(LeaderElectionTest, RejectsTimingsThatAllowTwoLeaders) {
  LeaseConfig c = configFor("a");
  c.renewDeadline = c.leaseDuration;
  EXPECT_THROW(LeaderElector(api_, c, {}, clock_), std::invalid_argument);
  c = configFor("");
  EXPECT_THROW(LeaderElector(api_, c, {}, clock_), std::invalid_argument);
}

}  // namespace
}  // namespace cube::client
