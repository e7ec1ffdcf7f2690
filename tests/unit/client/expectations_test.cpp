#include "client/expectations.h"

#include "client/fake_clock.h"

#include <gtest/gtest.h>

namespace cube::client {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class ExpectationsTest : public ::testing::Test {
 protected:
  FakeClockPtr clock_ = std::make_shared<FakeClock>();
  ControllerExpectations expectations_{clock_};
};

TEST_F(ExpectationsTest, NoExpectationIsSatisfied) {
  EXPECT_TRUE(expectations_.satisfied("ns/rs"));
}

TEST_F(ExpectationsTest, CreationsAreSatisfiedOnceAllObserved) {
  expectations_.expectCreations("ns/rs", 3);
  EXPECT_FALSE(expectations_.satisfied("ns/rs"));
  expectations_.creationObserved("ns/rs");
  expectations_.creationObserved("ns/rs");
  EXPECT_FALSE(expectations_.satisfied("ns/rs"));
  EXPECT_EQ(expectations_.pendingCreations("ns/rs"), 1);
  expectations_.creationObserved("ns/rs");
  EXPECT_TRUE(expectations_.satisfied("ns/rs"));
  // Extra observations do not make a later decision owe anything.
  expectations_.creationObserved("ns/rs");
  EXPECT_EQ(expectations_.pendingCreations("ns/rs"), 0);
  EXPECT_TRUE(expectations_.satisfied("ns/rs"));
}

TEST_F(ExpectationsTest, DeletionsAreTrackedByUid) {
  expectations_.expectDeletions("ns/rs", {"uid-1", "uid-2"});
  EXPECT_FALSE(expectations_.satisfied("ns/rs"));
  // A pod nobody expected to delete does not count, nor does a repeat.
  expectations_.deletionObserved("ns/rs", "uid-9");
  expectations_.deletionObserved("ns/rs", "uid-1");
  expectations_.deletionObserved("ns/rs", "uid-1");
  EXPECT_FALSE(expectations_.satisfied("ns/rs"));
  EXPECT_EQ(expectations_.pendingDeletions("ns/rs"), 1u);
  expectations_.deletionObserved("ns/rs", "uid-2");
  EXPECT_TRUE(expectations_.satisfied("ns/rs"));
}

TEST_F(ExpectationsTest, KeysAreIndependent) {
  expectations_.expectCreations("ns/a", 1);
  EXPECT_FALSE(expectations_.satisfied("ns/a"));
  EXPECT_TRUE(expectations_.satisfied("ns/b"));
  expectations_.creationObserved("ns/b");
  EXPECT_FALSE(expectations_.satisfied("ns/a"));
}

TEST_F(ExpectationsTest, ANewDecisionReplacesTheOldOne) {
  expectations_.expectCreations("ns/rs", 2);
  expectations_.expectDeletions("ns/rs", {"uid-1"});
  EXPECT_EQ(expectations_.pendingCreations("ns/rs"), 0);
  expectations_.deletionObserved("ns/rs", "uid-1");
  EXPECT_TRUE(expectations_.satisfied("ns/rs"));
}

TEST_F(ExpectationsTest, ExpireAfterTheTtl) {
  expectations_.expectCreations("ns/rs", 1);
  clock_->advance(minutes(5));
  EXPECT_FALSE(expectations_.satisfied("ns/rs"));  // exactly 5 minutes: not older yet
  clock_->advance(seconds(1));
  EXPECT_TRUE(expectations_.satisfied("ns/rs"));
  // A new decision starts a new TTL.
  expectations_.expectDeletions("ns/rs", {"uid-1"});
  EXPECT_FALSE(expectations_.satisfied("ns/rs"));
}

TEST_F(ExpectationsTest, TtlIsConfigurable) {
  ControllerExpectations shortLived(clock_, seconds(10));
  shortLived.expectCreations("ns/rs", 1);
  clock_->advance(seconds(11));
  EXPECT_TRUE(shortLived.satisfied("ns/rs"));
}

TEST_F(ExpectationsTest, DeleteExpectations) {
  expectations_.expectCreations("ns/rs", 5);
  expectations_.deleteExpectations("ns/rs");
  EXPECT_TRUE(expectations_.satisfied("ns/rs"));
  EXPECT_EQ(expectations_.pendingCreations("ns/rs"), 0);
}

}  // namespace
}  // namespace cube::client
