// Needs root (CI runs as root): builds a bridge with a random name, pod namespaces under
// /run/cube/netns with random names, and pings between them. Traffic stays between namespaces
// and the bridge the test made; everything is removed in TearDown, failed test or not.

#include "network/bridge_pod_network.h"
#include "network/network_error.h"
#include "network/rtnetlink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

namespace cube::network {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int exitCode = -1;
  std::string output;
};

CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 512> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), pipe))
    result.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string randomHex(int digits) {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < digits; ++i) out += "0123456789abcdef"[rd() % 16];
  return out;
}

// Why a root test cannot run here, or "" when it can.
std::string whyNoRoot() {
  if (::geteuid() != 0) return "needs root (network namespaces, bridges, veths)";
  if (run("command -v nsenter && command -v busybox").exitCode != 0) {
    return "needs nsenter and busybox on PATH";
  }
  if (run("unshare --net true").exitCode != 0) {
    return "root without the capabilities to make network namespaces (CAP_SYS_ADMIN, "
           "CAP_NET_ADMIN)";
  }
  return "";
}

class RecordingPortMapper : public HostPortMapper {
 public:
  void add(const std::string& sandboxId, uint32_t podIp,
           const std::vector<PortMapping>& ports) override {
    added.push_back(sandboxId + "=" + formatAddress(podIp) + ":" + std::to_string(ports.size()));
  }
  void remove(const std::string& sandboxId) override { removed.push_back(sandboxId); }
  std::vector<std::string> added, removed;
};

class BridgePodNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = whyNoRoot(); !why.empty()) GTEST_SKIP() << why;
    suffix_ = randomHex(6);
    char tmpl[] = "/tmp/cube-net-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    ipamDir_ = tmpl;
    // 198.18.0.0/15 is set aside for tests: no host route should be there.
    cidr_ = "198.18." + std::to_string(std::random_device{}() % 256) + ".0/24";
    BridgeNetworkConfig config;
    config.bridgeName = "cubet" + suffix_;
    config.podCidr = *Ipv4Cidr::parse(cidr_);
    config.ipamDir = ipamDir_;
    config.portMapper = std::shared_ptr<HostPortMapper>(&mapper_, [](HostPortMapper*) {});
    network_ = std::make_unique<BridgePodNetwork>(config);
  }

  void TearDown() override {
    if (!network_) return;
    for (const auto& id : sandboxes_) {
      try {
        network_->tearDown(id);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "tearDown " << id << ": " << e.what();
      }
    }
    try {
      network_->removeBridge();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "removeBridge: " << e.what();
    }
    fs::remove_all(ipamDir_);
  }

  std::string sandbox(const std::string& name) {
    std::string id = "cubetest-" + suffix_ + "-" + name;
    sandboxes_.push_back(id);
    return id;
  }

  static std::string inNetns(const PodNetworkStatus& pod, const std::string& command) {
    return "nsenter --net=" + pod.netnsPath + " " + command;
  }

  std::string suffix_;
  std::string cidr_;
  fs::path ipamDir_;
  RecordingPortMapper mapper_;
  std::unique_ptr<BridgePodNetwork> network_;
  std::vector<std::string> sandboxes_;
};

TEST(BridgePodNetworkNames, HostInterfaceNamesFitAndDiffer) {
  auto a = BridgePodNetwork::hostInterfaceName("0b1e9d0c-5f5e-4c7e-9a51-3a1f0c1b2d3e");
  auto b = BridgePodNetwork::hostInterfaceName("0b1e9d0c-5f5e-4c7e-9a51-3a1f0c1b2d3f");
  EXPECT_LE(a.size(), 15u);
  EXPECT_EQ(a.rfind("veth", 0), 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, BridgePodNetwork::hostInterfaceName("0b1e9d0c-5f5e-4c7e-9a51-3a1f0c1b2d3e"));
}

std::string readLine(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST_F(BridgePodNetworkTest, TwoPodsReachEachOtherAndTheGateway) {
  network_->ensureBridge();
  fs::path bridgeMac = "/sys/class/net/" + network_->config().bridgeName + "/address";
  std::string macBefore = readLine(bridgeMac);
  auto a = network_->setUp(sandbox("a"));
  auto b = network_->setUp(sandbox("b"));
  // Ports come and go; the bridge's (the gateway's) MAC address stays.
  EXPECT_EQ(readLine(bridgeMac), macBefore);
  auto range = *Ipv4Cidr::parse(cidr_);
  EXPECT_EQ(a.netnsPath, std::string(kDefaultNetnsDir) + "/" + sandboxes_[0]);
  EXPECT_EQ(a.gateway, range.gateway());
  EXPECT_TRUE(range.contains(a.ip) && range.contains(b.ip));
  EXPECT_NE(a.ip, b.ip);
  EXPECT_NE(a.ip, range.gateway());

  // eth0 in each namespace carries the pod's address, and the default route is via the gateway.
  auto addr = run(inNetns(a, "busybox ip -4 addr show dev eth0"));
  EXPECT_EQ(addr.exitCode, 0) << addr.output;
  EXPECT_NE(addr.output.find("inet " + formatAddress(a.ip) + "/24"), std::string::npos)
      << addr.output;
  auto route = run(inNetns(b, "busybox ip -4 route"));
  EXPECT_NE(route.output.find("default via " + formatAddress(range.gateway()) + " dev eth0"),
            std::string::npos)
      << route.output;
  auto lo = run(inNetns(a, "busybox ip -4 addr show dev lo"));
  EXPECT_NE(lo.output.find("127.0.0.1"), std::string::npos) << lo.output;
  // The bridge holds the gateway address; the host end of each pod is one of its ports.
  auto bridge = run("busybox ip -4 addr show dev " + network_->config().bridgeName);
  EXPECT_NE(bridge.output.find("inet " + formatAddress(range.gateway()) + "/24"), std::string::npos)
      << bridge.output;
  auto port = run("busybox ip link show dev " + a.hostInterface);
  EXPECT_NE(port.output.find("master " + network_->config().bridgeName), std::string::npos)
      << port.output;

  auto aToB = run(inNetns(a, "busybox ping -c1 -W2 " + formatAddress(b.ip)));
  EXPECT_EQ(aToB.exitCode, 0) << aToB.output;
  auto bToA = run(inNetns(b, "busybox ping -c1 -W2 " + formatAddress(a.ip)));
  EXPECT_EQ(bToA.exitCode, 0) << bToA.output;
  auto aToGateway = run(inNetns(a, "busybox ping -c1 -W2 " + formatAddress(a.gateway)));
  EXPECT_EQ(aToGateway.exitCode, 0) << aToGateway.output;

  // Once B is torn down, A no longer reaches its address.
  network_->tearDown(sandboxes_[1]);
  auto gone = run(inNetns(a, "busybox ping -c1 -W1 " + formatAddress(b.ip)));
  EXPECT_NE(gone.exitCode, 0) << gone.output;

  EXPECT_EQ(mapper_.added.size(), 2u);
  EXPECT_EQ(mapper_.removed, std::vector<std::string>{sandboxes_[1]});
}

TEST_F(BridgePodNetworkTest, SetUpTwiceKeepsTheAddressAndTheLink) {
  auto id = sandbox("again");
  auto first = network_->setUp(id);
  RtNetlink host;
  auto index = host.linkIndex(first.hostInterface);
  ASSERT_TRUE(index);
  auto second = network_->setUp(id);
  EXPECT_EQ(second.ip, first.ip);
  EXPECT_EQ(second.netnsPath, first.netnsPath);
  EXPECT_EQ(host.linkIndex(first.hostInterface), index);  // not recreated
  EXPECT_EQ(network_->ipam().allocations().size(), 1u);
}

TEST_F(BridgePodNetworkTest, TearDownRemovesLinkNamespaceAndAddress) {
  auto id = sandbox("gone");
  auto pod = network_->setUp(id);
  RtNetlink host;
  ASSERT_TRUE(host.linkIndex(pod.hostInterface));
  ASSERT_TRUE(NetworkNamespace::exists(kDefaultNetnsDir, id));
  network_->tearDown(id);
  EXPECT_FALSE(host.linkIndex(pod.hostInterface));
  EXPECT_FALSE(fs::exists(pod.netnsPath));
  EXPECT_FALSE(network_->ipam().lookup(id));
  network_->tearDown(id);  // twice is fine
  // The bridge stays until removeBridge.
  EXPECT_TRUE(host.linkIndex(network_->config().bridgeName));
}

TEST_F(BridgePodNetworkTest, RejectsSandboxIdsThatAreNotNames) {
  EXPECT_THROW(network_->setUp("../escape"), NetworkError);
  EXPECT_THROW(network_->setUp(""), NetworkError);
}

}  // namespace
}  // namespace cube::network
