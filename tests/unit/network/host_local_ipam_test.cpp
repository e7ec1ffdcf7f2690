#include "network/host_local_ipam.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace cube::network {
namespace {

namespace fs = std::filesystem;

class HostLocalIpamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cube-ipam-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static Ipv4Cidr cidr(const std::string& text) {
    auto c = Ipv4Cidr::parse(text);
    EXPECT_TRUE(c) << text;
    return c.value_or(Ipv4Cidr{});
  }

  fs::path dir_;
};

TEST(Ipv4CidrTest, ParsesAndClearsHostBits) {
  auto c = Ipv4Cidr::parse("10.42.3.7/24");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->toString(), "10.42.3.0/24");
  EXPECT_EQ(formatAddress(c->gateway()), "10.42.3.1");
  EXPECT_EQ(formatAddress(c->broadcast()), "10.42.3.255");
  EXPECT_TRUE(c->contains(*parseAddress("10.42.3.200")));
  EXPECT_FALSE(c->contains(*parseAddress("10.42.4.0")));
  EXPECT_FALSE(c->contains(*parseAddress("10.42.2.255")));
  EXPECT_FALSE(Ipv4Cidr::parse("10.42.3.0"));
  EXPECT_FALSE(Ipv4Cidr::parse("10.42.3.0/"));
  EXPECT_FALSE(Ipv4Cidr::parse("10.42.3.0/24x"));
  EXPECT_FALSE(Ipv4Cidr::parse("10.42.3.0/31"));
  EXPECT_FALSE(Ipv4Cidr::parse("fd00::/64"));
}

TEST_F(HostLocalIpamTest, NeverHandsOutNetworkGatewayOrBroadcastAndRunsOut) {
  HostLocalIpam ipam(dir_, cidr("10.9.0.8/29"));  // .8 network, .9 gateway, .15 broadcast
  std::set<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto ip = ipam.allocate("sandbox-" + std::to_string(i));
    ASSERT_TRUE(ip) << i;
    got.insert(formatAddress(*ip));
  }
  EXPECT_EQ(got, (std::set<std::string>{"10.9.0.10", "10.9.0.11", "10.9.0.12", "10.9.0.13",
                                        "10.9.0.14"}));
  EXPECT_FALSE(ipam.allocate("sandbox-full"));
  // The full range did not record the refused sandbox.
  EXPECT_FALSE(ipam.lookup("sandbox-full"));
}

TEST_F(HostLocalIpamTest, SameSandboxGetsTheSameAddress) {
  HostLocalIpam ipam(dir_, cidr("10.9.1.0/24"));
  auto a = ipam.allocate("a");
  auto b = ipam.allocate("b");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(ipam.allocate("a"), a);
  EXPECT_EQ(ipam.lookup("b"), b);
  EXPECT_EQ(ipam.allocations().size(), 2u);
}

TEST_F(HostLocalIpamTest, OneFilePerAddressHoldingTheSandboxId) {
  HostLocalIpam ipam(dir_, cidr("10.9.2.0/24"));
  auto ip = ipam.allocate("pod-123");
  ASSERT_TRUE(ip);
  std::ifstream in(dir_ / formatAddress(*ip));
  std::string owner;
  std::getline(in, owner);
  EXPECT_EQ(owner, "pod-123");
  ipam.release("pod-123");
  EXPECT_FALSE(fs::exists(dir_ / formatAddress(*ip)));
}

TEST_F(HostLocalIpamTest, ReleaseFreesTheAddressRoundRobinDelaysReuse) {
  HostLocalIpam ipam(dir_, cidr("10.9.3.0/29"));  // 5 usable
  auto first = ipam.allocate("a");
  ASSERT_TRUE(first);
  ipam.release("a");
  EXPECT_FALSE(ipam.lookup("a"));
  auto next = ipam.allocate("b");
  ASSERT_TRUE(next);
  EXPECT_NE(*next, *first);  // not reused at once
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(ipam.allocate("fill-" + std::to_string(i))) << i;
  EXPECT_FALSE(ipam.allocate("x"));
  ipam.release("fill-2");
  auto freed = ipam.allocate("x");
  ASSERT_TRUE(freed);
  EXPECT_FALSE(ipam.allocate("y"));
  ipam.release("nobody");  // releasing nothing is fine
}

TEST_F(HostLocalIpamTest, AllocationsSurviveARestart) {
  std::map<std::string, uint32_t> before;
  {
    HostLocalIpam ipam(dir_, cidr("10.9.4.0/28"));  // 13 usable
    for (int i = 0; i < 6; ++i) {
      auto id = "s" + std::to_string(i);
      before[id] = ipam.allocate(id).value();
    }
  }
  HostLocalIpam again(dir_, cidr("10.9.4.0/28"));
  for (const auto& [id, ip] : before) EXPECT_EQ(again.lookup(id), ip) << id;
  std::set<uint32_t> seen;
  for (const auto& [id, ip] : before) seen.insert(ip);
  for (int i = 0; i < 7; ++i) {
    auto ip = again.allocate("new" + std::to_string(i));
    ASSERT_TRUE(ip) << i;
    EXPECT_TRUE(seen.insert(*ip).second) << formatAddress(*ip) << " handed out twice";
  }
  EXPECT_FALSE(again.allocate("one-too-many"));
}

TEST_F(HostLocalIpamTest, ConcurrentAllocationsFromThreadsAndInstancesAreDistinct) {
  // Two instances on one directory stand for two processes; each thread uses one of them.
  HostLocalIpam one(dir_, cidr("10.9.5.0/24"));
  HostLocalIpam two(dir_, cidr("10.9.5.0/24"));
  constexpr int kThreads = 8, kEach = 40;  // 320 asks for 253 addresses
  std::mutex mutex;
  std::vector<uint32_t> got;
  int refused = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HostLocalIpam& ipam = t % 2 ? one : two;
      for (int i = 0; i < kEach; ++i) {
        auto ip = ipam.allocate("t" + std::to_string(t) + "-" + std::to_string(i));
        std::lock_guard lock(mutex);
        if (ip) {
          got.push_back(*ip);
        } else {
          ++refused;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint32_t> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), got.size());
  EXPECT_EQ(got.size(), 253u);
  EXPECT_EQ(refused, kThreads * kEach - 253);
  auto range = cidr("10.9.5.0/24");
  EXPECT_FALSE(distinct.count(range.network()));
  EXPECT_FALSE(distinct.count(range.gateway()));
  EXPECT_FALSE(distinct.count(range.broadcast()));
}

TEST_F(HostLocalIpamTest, ConcurrentAsksForOneSandboxGetOneAddress) {
  // A retried setUp racing the first one: the lock makes look-up-then-reserve one step.
  HostLocalIpam one(dir_, cidr("10.9.7.0/24"));
  HostLocalIpam two(dir_, cidr("10.9.7.0/24"));
  for (int round = 0; round < 20; ++round) {
    std::string id = "same-" + std::to_string(round);
    std::mutex mutex;
    std::set<uint32_t> got;
    std::vector<std::thread> threads;
    std::latch start(8);  // all ask at once
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        auto ip = (t % 2 ? one : two).allocate(id);
        std::lock_guard lock(mutex);
        if (ip) got.insert(*ip);
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(got.size(), 1u) << id;
  }
  EXPECT_EQ(one.allocations().size(), 20u);
}

TEST_F(HostLocalIpamTest, RejectsSandboxIdsThatCannotBeStored) {
  HostLocalIpam ipam(dir_, cidr("10.9.6.0/24"));
  EXPECT_ANY_THROW(ipam.allocate(""));
  EXPECT_ANY_THROW(ipam.allocate("a\nb"));
}

}  // namespace
}  // namespace cube::network
