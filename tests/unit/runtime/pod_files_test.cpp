// The pod's /etc/hosts, /etc/resolv.conf and hostname, as the kubelet writes them; and the
// runtime's records surviving a round trip through JSON.
#include "runtime/crun/pod_files.h"

#include "common/json_util.h"
#include "runtime/crun/runtime_records.h"

#include <gtest/gtest.h>

namespace cube::runtime::crun {
namespace {

namespace bj = boost::json;

bj::object pod(const std::string& spec, const std::string& name = "web") {
  return json::parse(R"({"metadata":{"name":")" + name + R"(","namespace":"shop"},"spec":)" + spec +
                     "}")
      .as_object();
}

constexpr const char* kHostResolv =
    "# the node's\nnameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch corp.test lab.test\n"
    "options edns0\n";

TEST(PodFiles, ClusterFirstUsesTheClusterDnsAndAppendsTheNodesSearches) {
  EXPECT_EQ(podResolvConf(pod("{}"), ClusterDns{}, kHostResolv),
            "nameserver 10.43.0.10\n"
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.test lab.test\n"
            "options ndots:5\n");
  EXPECT_EQ(podResolvConf(pod("{}"), ClusterDns{}, ""),
            "nameserver 10.43.0.10\n"
            "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
            "options ndots:5\n");
}

TEST(PodFiles, HostNetworkFallsBackToTheNodeUnlessClusterFirstWithHostNet) {
  std::string node =
      "nameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch corp.test lab.test\noptions edns0\n";
  EXPECT_EQ(podResolvConf(pod(R"({"hostNetwork":true})"), ClusterDns{}, kHostResolv), node);
  EXPECT_EQ(podResolvConf(pod(R"({"dnsPolicy":"Default"})"), ClusterDns{}, kHostResolv), node);
  EXPECT_EQ(podResolvConf(pod(R"({"hostNetwork":true,"dnsPolicy":"ClusterFirstWithHostNet"})"),
                          ClusterDns{}, ""),
            "nameserver 10.43.0.10\n"
            "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
            "options ndots:5\n");
}

TEST(PodFiles, DnsConfigMergesAndNoneUsesOnlyIt) {
  EXPECT_EQ(podResolvConf(pod(R"({"dnsPolicy":"None","dnsConfig":{"nameservers":["192.0.2.9"],
                "searches":["a.test"],"options":[{"name":"ndots","value":"2"},{"name":"edns0"}]}})"),
                          ClusterDns{}, kHostResolv),
            "nameserver 192.0.2.9\nsearch a.test\noptions ndots:2 edns0\n");
  EXPECT_EQ(podResolvConf(pod(R"({"dnsConfig":{"nameservers":["10.43.0.10","192.0.2.9"],
                "searches":["cluster.local","b.test"],"options":[{"name":"ndots","value":"1"}]}})"),
                          ClusterDns{}, ""),
            "nameserver 10.43.0.10\nnameserver 192.0.2.9\n"
            "search shop.svc.cluster.local svc.cluster.local cluster.local b.test\n"
            "options ndots:1\n");
  // At most 3 nameservers.
  EXPECT_EQ(podResolvConf(pod(R"({"dnsPolicy":"None","dnsConfig":{"nameservers":
                ["192.0.2.1","192.0.2.2","192.0.2.3","192.0.2.4"]}})"),
                          ClusterDns{}, ""),
            "nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\n");
}

TEST(PodFiles, HostsHasThePodAndItsAliases) {
  std::string header =
      "# Kubernetes-managed hosts file.\n"
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  EXPECT_EQ(podHostsFile(pod("{}"), "10.42.0.5", "web", ClusterDns{}, ""),
            header + "10.42.0.5\tweb\n");
  EXPECT_EQ(podHostsFile(pod(R"({"subdomain":"sub","hostAliases":[
                {"ip":"192.0.2.7","hostnames":["a.test","b.test"]}]})"),
                         "10.42.0.5", "web", ClusterDns{}, ""),
            header +
                "10.42.0.5\tweb.sub.shop.svc.cluster.local\tweb\n"
                "\n# Entries added by HostAliases.\n192.0.2.7\ta.test\tb.test\n");
  EXPECT_EQ(podHostsFile(pod(R"({"hostNetwork":true})"), "192.0.2.10", "node1", ClusterDns{},
                         "127.0.0.1 localhost\n192.0.2.10 node1"),
            "# Kubernetes-managed hosts file (host network).\n"
            "127.0.0.1 localhost\n192.0.2.10 node1\n");
}

TEST(PodFiles, HostnameIsSpecHostnameOrPodNameCut) {
  EXPECT_EQ(podHostname(pod("{}")), "web");
  EXPECT_EQ(podHostname(pod(R"({"hostname":"front"})")), "front");
  std::string longName = std::string(62, 'a') + "-b";
  EXPECT_EQ(podHostname(pod("{}", longName)), std::string(62, 'a'));
}

TEST(RuntimeRecords, RoundTrip) {
  ContainerRecord c;
  c.id = "abc";
  c.sandboxId = "sb";
  c.name = "main";
  c.attempt = 4;
  c.state = ContainerState::Exited;
  c.createdAt = TimePoint(std::chrono::nanoseconds(1700000000123456789));
  c.startedAt = c.createdAt + std::chrono::milliseconds(5);
  c.finishedAt = c.createdAt + std::chrono::seconds(3);
  c.exitCode = 137;
  c.reason = "OOMKilled";
  c.pid = 4242;
  c.pidStartTime = 987654321;
  c.logPath = "/x/0.log";
  ContainerRecord back = containerFromJson(json::parse(json::serialize(toJson(c))).as_object());
  EXPECT_EQ(back.id, c.id);
  EXPECT_EQ(back.attempt, 4u);
  EXPECT_EQ(back.state, ContainerState::Exited);
  EXPECT_EQ(back.createdAt, c.createdAt);
  EXPECT_EQ(back.startedAt, c.startedAt);
  EXPECT_EQ(back.finishedAt, c.finishedAt);
  EXPECT_EQ(back.exitCode, 137);
  EXPECT_EQ(back.reason, "OOMKilled");
  EXPECT_EQ(back.pid, 4242);
  EXPECT_EQ(back.pidStartTime, 987654321u);
  EXPECT_EQ(back.logPath, "/x/0.log");

  SandboxRecord s;
  s.id = "sb";
  s.ip = "10.42.0.5";
  s.state = SandboxState::Ready;
  s.networkUp = true;
  s.hostIPC = true;
  s.pod = pod(R"({"hostname":"h"})");
  SandboxRecord sback = sandboxFromJson(json::parse(json::serialize(toJson(s))).as_object());
  EXPECT_EQ(sback.ip, "10.42.0.5");
  EXPECT_EQ(sback.state, SandboxState::Ready);
  EXPECT_TRUE(sback.networkUp);
  EXPECT_TRUE(sback.hostIPC);
  EXPECT_FALSE(sback.hostNetwork);
  EXPECT_EQ(sback.pod, s.pod);
  EXPECT_THROW(containerFromJson(bj::object{}), std::runtime_error);
}

}  // namespace
}  // namespace cube::runtime::crun
