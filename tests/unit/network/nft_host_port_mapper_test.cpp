// NftHostPortMapper: the ruleset it writes, and (as root with nft) the table it keeps in a
// network namespace of the test's own — rules per sandbox, kept on disk across a new mapper,
// the table gone with the last mapping.
#include "network/nft_host_port_mapper.h"

#include "network/network_error.h"

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <functional>

namespace cube::network {
namespace {

namespace fs = std::filesystem;

PodPortMapping mapping(const std::string& sandbox, const std::string& podIp, uint16_t hostPort,
                       uint16_t containerPort, const std::string& protocol = "TCP",
                       const std::string& hostIP = "") {
  PodPortMapping m;
  m.sandboxId = sandbox;
  m.podIp = *parseAddress(podIp);
  m.port.protocol = protocol;
  m.port.hostPort = hostPort;
  m.port.containerPort = containerPort;
  m.port.hostIP = hostIP;
  return m;
}

TEST(HostPortRuleset, WithoutMappingsTheTableGoes) {
  EXPECT_EQ(hostPortRuleset("cube_t", "br0", {}), "table ip cube_t\ndelete table ip cube_t\n");
}

TEST(HostPortRuleset, OneDnatRulePerPortFromLocalAddresses) {
  std::string rules = hostPortRuleset(
      "cube_t", "br0",
      {mapping("a", "10.42.0.5", 18080, 8080), mapping("a", "10.42.0.5", 5353, 53, "UDP"),
       mapping("b", "10.42.0.6", 9000, 90, "TCP", "192.0.2.1")});
  EXPECT_NE(rules.find("meta l4proto tcp th dport 18080 dnat to 10.42.0.5:8080\n"),
            std::string::npos)
      << rules;
  EXPECT_NE(rules.find("meta l4proto udp th dport 5353 dnat to 10.42.0.5:53\n"), std::string::npos);
  EXPECT_NE(rules.find("ip daddr 192.0.2.1 meta l4proto tcp th dport 9000 dnat to 10.42.0.6:90"),
            std::string::npos);
  EXPECT_NE(rules.find("fib daddr type local jump hostports"), std::string::npos);
  EXPECT_NE(rules.find("iifname \"br0\" oifname \"br0\" ct status dnat masquerade"),
            std::string::npos);
}

TEST(HostPortRuleset, RefusesAnUnknownProtocol) {
  EXPECT_THROW(hostPortRuleset("t", "br0", {mapping("a", "10.0.0.1", 1, 1, "ICMP")}), NetworkError);
}

// Runs `body` in a child in a new network namespace; returns what it reports ("" = fine).
std::string inOwnNetworkNamespace(const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string result;
    try {
      result = ::unshare(CLONE_NEWNET) == 0 ? body() : "unshare failed";
    } catch (const std::exception& e) {
      result = std::string("exception: ") + e.what();
    }
    if (::write(fds[1], result.data(), result.size()) < 0) ::_exit(2);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string result;
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = ::read(fds[0], buf.data(), buf.size())) > 0) result.append(buf.data(), n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) result += " (child failed)";
  return result;
}

std::string listTable(const std::string& table) {
  std::string out;
  FILE* p = ::popen(("nft list table ip " + table + " 2>&1").c_str(), "r");
  if (!p) return "popen failed";
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

TEST(NftHostPortMapper, KeepsOneTableOfEveryPodsPortsInTheKernel) {
  if (::getuid() != 0 || !NftHostPortMapper::unavailableReason("nft").empty()) {
    GTEST_SKIP() << "needs root and nft";
  }
  fs::path dir = fs::temp_directory_path() / ("cube-nft-" + std::to_string(::getpid()));
  std::string problem = inOwnNetworkNamespace([&]() -> std::string {
    NftHostPortConfig config{"cube_hostports_test", dir, "cubetest0", "nft"};
    {
      NftHostPortMapper mapper(config);
      mapper.add("sandbox-a", *parseAddress("10.42.0.5"), {{"TCP", 18080, 8080, ""}});
      mapper.add("sandbox-b", *parseAddress("10.42.0.6"), {{"UDP", 5353, 53, ""}});
      std::string t = listTable(config.tableName);
      if (t.find("dport 18080 dnat to 10.42.0.5:8080") == std::string::npos ||
          t.find("dport 5353 dnat to 10.42.0.6:53") == std::string::npos) {
        return "both pods' rules expected:\n" + t;
      }
    }
    // A new mapper on the same state (an agent restart) keeps what the old one made.
    NftHostPortMapper mapper(config);
    mapper.remove("sandbox-a");
    std::string t = listTable(config.tableName);
    if (t.find("18080") != std::string::npos || t.find("dport 5353") == std::string::npos) {
      return "only sandbox-b's rule expected:\n" + t;
    }
    if (mapper.mappings().size() != 1) return "one mapping on disk expected";
    mapper.remove("sandbox-b");
    t = listTable(config.tableName);
    if (t.find("No such file") == std::string::npos &&
        t.find("does not exist") == std::string::npos) {
      return "the table should be gone:\n" + t;
    }
    try {
      mapper.add("sandbox-c", *parseAddress("10.42.0.7"), {{"ICMP", 80, 80, ""}});
      return "an unknown protocol should be refused";
    } catch (const NetworkError&) {
    }
    if (!mapper.mappings().empty()) return "a refused mapping must not be kept";
    return "";
  });
  fs::remove_all(dir);
  EXPECT_EQ(problem, "");
}

}  // namespace
}  // namespace cube::network
