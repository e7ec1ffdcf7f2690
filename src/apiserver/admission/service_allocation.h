#pragma once
// ServiceAllocation: gives Services their cluster IP (from the service CIDR, 10.43.0.0/16 by
// default; 10.43.0.1 is the `kubernetes` service's) and node ports (30000-32767), honouring
// requested values and refusing conflicts, as Kubernetes' service REST storage does.
//
// What is allocated is derived from the stored Services (so it is rebuilt from the store at start
// and released on delete by construction) plus reservations of writes still in flight.

#include "apiserver/admission/admission.h"
#include "apiserver/watch_cache.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>

namespace cube::apiserver {

struct ServiceRanges {
  uint32_t cidrBase = (10u << 24) | (43u << 16);  // 10.43.0.0
  int cidrPrefix = 16;
  int nodePortMin = 30000;
  int nodePortMax = 32767;
};

class ServiceAllocation : public AdmissionPlugin {
 public:
  // `services` visits every stored Service object.
  ServiceAllocation(
      ServiceRanges ranges,
      std::function<void(const std::function<void(const boost::json::object&)>&)> services);
  std::string name() const override { return "ServiceAllocation"; }
  void admit(AdmissionRequest& request) override;

  static std::string formatIp(uint32_t ip);
  static std::optional<uint32_t> parseIp(const std::string& text);
  std::string cidrText() const;

 private:
  void allocateClusterIp(boost::json::object& spec, const boost::json::object* oldSpec,
                         const std::string& name);
  void allocateNodePorts(boost::json::object& spec, const boost::json::object* oldSpec,
                         const std::string& name);
  // IPs and node ports held by stored services other than `exceptName` in `exceptNamespace`.
  void unsafeCollectUsed(const std::string& exceptNamespace, const std::string& exceptName);

  ServiceRanges ranges_;
  std::function<void(const std::function<void(const boost::json::object&)>&)> services_;
  std::mutex mutex_;  // guards everything below
  std::set<uint32_t> usedIps_;
  std::set<int> usedPorts_;
  // Allocations of creates/updates not yet visible in the cache, with when they lapse.
  std::map<uint32_t, std::chrono::steady_clock::time_point> pendingIps_;
  std::map<int, std::chrono::steady_clock::time_point> pendingPorts_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace cube::apiserver
