#pragma once
// Resource amounts the scheduler accounts: a pod's effective request and a node's allocatable.
// CPU is in millicores, memory and every other resource in whole units (bytes for memory and
// ephemeral-storage, counts for extended resources such as example.com/gpu).

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cube::scheduler {

struct Resources {
  int64_t milliCpu = 0;
  int64_t memory = 0;
  // Everything else a pod asked for (ephemeral-storage, extended resources), by name. Kept as a
  // short vector: almost every pod has none, and the few that do name one or two.
  std::vector<std::pair<std::string, int64_t>> scalars;

  int64_t scalar(const std::string& name) const;
  void addScalar(const std::string& name, int64_t amount);
  void add(const Resources& other);
  void subtract(const Resources& other);
  // Element-wise max (used for init containers, which run one at a time before the others).
  void maxWith(const Resources& other);
  bool operator==(const Resources&) const = default;
};

// What a pod's requests for scheduling add up to, as Kubernetes computes it:
//   max(sum(containers) + sum(sidecars), max over init containers i of
//       (request(i) + sum(sidecars started before i)))  + spec.overhead
// where sidecars are init containers with restartPolicy Always (they keep running).
Resources podRequests(const boost::json::object& pod);

// The same, but a container that requests no cpu (memory) counts as 100m (200Mi), so that
// scoring spreads pods without requests instead of piling them onto one node.
Resources podNonZeroRequests(const boost::json::object& pod);

// The requests of one `resources.requests` object (the container's "resources" field).
Resources containerRequests(const boost::json::object& container, bool nonZero);

inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

// status.allocatable (falling back to status.capacity when absent); `pods` is the pod count.
struct Allocatable {
  Resources resources;
  int64_t pods = 0;
  bool operator==(const Allocatable&) const = default;
};
Allocatable nodeAllocatable(const boost::json::object& node);

}  // namespace cube::scheduler
