#include "network/bridge_pod_network.h"

#include "network/network_error.h"
#include "network/rtnetlink.h"

#include <cstdio>

namespace cube::network {

BridgePodNetwork::BridgePodNetwork(BridgeNetworkConfig config)
    : config_(std::move(config)), ipam_(config_.ipamDir, config_.podCidr) {
  if (config_.bridgeName.empty() || config_.bridgeName.size() > 15) {
    throw NetworkError("bridge name '" + config_.bridgeName + "' must be 1..15 characters");
  }
}

std::string BridgePodNetwork::hostInterfaceName(const std::string& sandboxId) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : sandboxId) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "veth%011llx",
                static_cast<unsigned long long>(hash & 0xfffffffffffull));
  return buf;
}

void BridgePodNetwork::ensureBridge() {
  std::lock_guard lock(mutex_);
  RtNetlink host;
  auto index = host.linkIndex(config_.bridgeName);
  if (!index) {
    try {
      // Locally administered, unicast, and unique per node: 02:c0 and the gateway address.
      uint32_t gw = config_.podCidr.gateway();
      host.createBridge(config_.bridgeName, {0x02, 0xc0, uint8_t(gw >> 24), uint8_t(gw >> 16),
                                             uint8_t(gw >> 8), uint8_t(gw)});
    } catch (const NetworkError& e) {
      if (e.error() != EEXIST) throw;  // another process made it meanwhile
    }
    index = host.linkIndex(config_.bridgeName);
    if (!index) throw NetworkError("bridge " + config_.bridgeName + " vanished after creation");
  }
  host.addAddress(*index, config_.podCidr.gateway(), config_.podCidr.prefix);
  host.setLinkUp(*index);
}

void BridgePodNetwork::removeBridge() {
  std::lock_guard lock(mutex_);
  RtNetlink host;
  if (auto index = host.linkIndex(config_.bridgeName)) host.deleteLink(*index);
}

PodNetworkStatus BridgePodNetwork::setUp(const std::string& sandboxId,
                                         const std::vector<PortMapping>& ports) {
  if (!NetworkNamespace::validName(sandboxId)) {
    throw NetworkError("invalid sandbox id '" + sandboxId + "'");
  }
  ensureBridge();
  std::lock_guard lock(mutex_);
  PodNetworkStatus status;
  status.interfaceName = kPodInterface;
  status.hostInterface = hostInterfaceName(sandboxId);
  status.prefix = config_.podCidr.prefix;
  status.gateway = config_.podCidr.gateway();
  try {
    auto ip = ipam_.allocate(sandboxId);
    if (!ip) throw NetworkError("no free address in " + config_.podCidr.toString());
    status.ip = *ip;
    status.netnsPath = NetworkNamespace::create(config_.netnsDir, sandboxId).string();
    UniqueFd netns = NetworkNamespace::open(status.netnsPath);

    RtNetlink host;
    RtNetlink pod = RtNetlink::inNamespace(netns.get());
    auto bridge = host.linkIndex(config_.bridgeName);
    if (!bridge) throw NetworkError("bridge " + config_.bridgeName + " is gone");
    auto hostEnd = host.linkIndex(status.hostInterface);
    auto podEnd = pod.linkIndex(kPodInterface);
    if (!hostEnd || !podEnd) {
      // Half a pair (an interrupted setUp): start the link over. Deleting one end deletes both.
      if (hostEnd) host.deleteLink(*hostEnd);
      if (podEnd) pod.deleteLink(*podEnd);
      host.createVethPair(status.hostInterface, kPodInterface, netns.get());
      hostEnd = host.linkIndex(status.hostInterface);
      podEnd = pod.linkIndex(kPodInterface);
      if (!hostEnd || !podEnd) throw NetworkError("veth " + status.hostInterface + " vanished");
    }
    host.setMaster(*hostEnd, *bridge);
    host.setLinkUp(*hostEnd);

    if (auto lo = pod.linkIndex("lo")) pod.setLinkUp(*lo);
    pod.addAddress(*podEnd, status.ip, status.prefix);
    pod.setLinkUp(*podEnd);
    pod.addDefaultRoute(status.gateway, *podEnd);

    if (config_.portMapper) config_.portMapper->add(sandboxId, status.ip, ports);
  } catch (...) {
    try {
      unsafeTearDown(sandboxId);
    } catch (...) {
      // The first error is the one worth reporting.
    }
    throw;
  }
  return status;
}

void BridgePodNetwork::tearDown(const std::string& sandboxId) {
  if (!NetworkNamespace::validName(sandboxId)) {
    throw NetworkError("invalid sandbox id '" + sandboxId + "'");
  }
  std::lock_guard lock(mutex_);
  unsafeTearDown(sandboxId);
}

void BridgePodNetwork::unsafeTearDown(const std::string& sandboxId) {
  if (config_.portMapper) config_.portMapper->remove(sandboxId);
  RtNetlink host;
  // The host end goes with its peer; the peer alone would also go with the namespace, unless a
  // process still holds the namespace open.
  if (auto hostEnd = host.linkIndex(hostInterfaceName(sandboxId))) host.deleteLink(*hostEnd);
  NetworkNamespace::remove(config_.netnsDir, sandboxId);
  ipam_.release(sandboxId);
}

}  // namespace cube::network
