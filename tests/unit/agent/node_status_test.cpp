// The Node an agent registers: the kubelet's --node-labels and --register-with-taints syntax, and
// where the parsed values end up.

#include "agent/node_status.h"

#include "common/json_util.h"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>
#include <fstream>

namespace cube::agent {
namespace {

namespace bj = boost::json;

TEST(NodeStatusTest, NodeLabelsFlagSyntax) {
  EXPECT_TRUE(parseNodeLabels("").empty());
  auto labels = parseNodeLabels("disk=ssd,zone=a,empty=");
  EXPECT_EQ(labels,
            (std::map<std::string, std::string>{{"disk", "ssd"}, {"zone", "a"}, {"empty", ""}}));
  EXPECT_THROW(parseNodeLabels("disk"), std::invalid_argument);
  EXPECT_THROW(parseNodeLabels("=ssd"), std::invalid_argument);
}

TEST(NodeStatusTest, RegisterWithTaintsFlagSyntax) {
  EXPECT_TRUE(parseNodeTaints("").empty());
  auto taints = parseNodeTaints("dedicated=gpu:NoSchedule,maintenance:NoExecute");
  ASSERT_EQ(taints.size(), 2u);
  EXPECT_EQ(taints[0].key, "dedicated");
  EXPECT_EQ(taints[0].value, "gpu");
  EXPECT_EQ(taints[0].effect, "NoSchedule");
  EXPECT_EQ(taints[1].key, "maintenance");
  EXPECT_EQ(taints[1].value, "");
  EXPECT_EQ(taints[1].effect, "NoExecute");
  EXPECT_THROW(parseNodeTaints("a=b:c:PreferNoSchedule"), std::invalid_argument);
  EXPECT_THROW(parseNodeTaints("a=b=c:NoSchedule"), std::invalid_argument);
  EXPECT_THROW(parseNodeTaints("dedicated=gpu"), std::invalid_argument);
  EXPECT_THROW(parseNodeTaints("dedicated=gpu:Sometimes"), std::invalid_argument);
  EXPECT_THROW(parseNodeTaints("=gpu:NoSchedule"), std::invalid_argument);
}

TEST(NodeStatusTest, RegisteredNodeCarriesLabelsAndTaints) {
  NodeConfig config;
  config.nodeName = "n1";
  config.labels = parseNodeLabels("disk=ssd");
  config.registerTaints = parseNodeTaints("dedicated=gpu:NoSchedule,maintenance:NoExecute");
  bj::object node = buildNode(config, "fake://0.1.0", TimePoint{});
  const auto& labels = node["metadata"].as_object()["labels"].as_object();
  EXPECT_EQ(json::getString(labels, "disk"), "ssd");
  EXPECT_EQ(json::getString(labels, "kubernetes.io/hostname"), "n1");
  EXPECT_EQ(bj::serialize(node["spec"]),
            R"({"taints":[{"key":"dedicated","effect":"NoSchedule","value":"gpu"},)"
            R"({"key":"maintenance","effect":"NoExecute"}]})");
  // Without taints the spec stays empty.
  config.registerTaints.clear();
  EXPECT_EQ(bj::serialize(buildNode(config, "fake://0.1.0", TimePoint{})["spec"]), "{}");
}

// A real node reports this host (os-release, boot id) as the kubelet does; hollow nodes say
// what they are.
TEST(NodeStatusTest, NodeInfoOfARealNodeIsTheHosts) {
  NodeConfig config;
  config.nodeName = "n";
  auto real = buildNodeStatus(config, "crun://1.8.1", TimePoint{}, nullptr);
  const auto& info = real["nodeInfo"].as_object();
  std::ifstream osRelease("/etc/os-release");
  std::string line, pretty = "Linux";
  while (std::getline(osRelease, line)) {
    if (line.rfind("PRETTY_NAME=\"", 0) == 0) pretty = line.substr(13, line.size() - 14);
  }
  EXPECT_EQ(json::getString(info, "osImage"), pretty);
  std::ifstream bootId("/proc/sys/kernel/random/boot_id");
  std::string boot;
  if (std::getline(bootId, boot)) EXPECT_EQ(json::getString(info, "bootID"), boot);
  auto hollow = buildNodeStatus(config, "fake://0.1.0", TimePoint{}, nullptr);
  EXPECT_EQ(json::getString(hollow["nodeInfo"].as_object(), "osImage"), "cube hollow node");
  EXPECT_NE(json::getString(hollow["nodeInfo"].as_object(), "bootID"), boot);
}

}  // namespace
}  // namespace cube::agent
