// DeferredPodNetwork: no pod network before the node's podCIDR is known (setUp fails, so a
// sandbox waits and is retried; so does tearDown of a namespace), the first usable CIDR wins. No
// kernel calls: the bridge network is only built, never set up, here.

#include "agent/deferred_pod_network.h"
#include "network/network_error.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cube::agent {
namespace {

TEST(DeferredPodNetwork, WaitsForTheFirstUsableCidr) {
  auto dir =
      std::filesystem::temp_directory_path() / ("deferred-net-" + std::to_string(::getpid()));
  network::BridgeNetworkConfig config;
  config.bridgeName = "cubeunit0";
  config.ipamDir = dir / "ipam";
  config.netnsDir = dir / "netns";
  DeferredPodNetwork net(config);
  EXPECT_FALSE(net.ready());
  EXPECT_THROW(net.setUp("sb1"), network::NetworkError);
  // Nothing to tear down without a namespace; one left by an earlier run waits for the CIDR.
  EXPECT_NO_THROW(net.tearDown("sb1"));
  std::filesystem::create_directories(dir / "netns");
  std::ofstream(dir / "netns" / "sb2").put('x');
  EXPECT_THROW(net.tearDown("sb2"), network::NetworkError);
  EXPECT_FALSE(net.setPodCidr("fd00::/64"));
  EXPECT_FALSE(net.ready());
  EXPECT_TRUE(net.setPodCidr("10.99.3.0/24"));
  EXPECT_TRUE(net.ready());
  // A later, different CIDR does not replace the network pods already use.
  EXPECT_TRUE(net.setPodCidr("10.99.4.0/24"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cube::agent
