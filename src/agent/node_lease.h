#pragma once
// NodeLease: the node's heartbeat — a Lease named after the node in kube-node-lease, held by the
// node, owned by the Node object (so it goes when the node is deleted), renewed by renew().
// Not thread-safe: the node agent calls it from one sync at a time.

#include "client/api_client.h"
#include "common/clock.h"

#include <optional>

namespace cube::agent {

inline constexpr const char* kNodeLeaseNamespace = "kube-node-lease";

class NodeLease {
 public:
  NodeLease(client::ApiClientPtr client, std::string nodeName, int durationSeconds);

  // Creates or renews the lease with renewTime = now. `nodeUid` (may be empty) makes the Node its
  // owner. Throws ApiError when the server refuses.
  void renew(TimePoint now, const std::string& nodeUid);

  static client::Resource resource() { return {"coordination.k8s.io", "v1", "leases", true}; }

 private:
  client::ApiClientPtr client_;
  std::string nodeName_;
  int durationSeconds_;
  std::optional<boost::json::object> lease_;  // the last version we wrote or read
};

}  // namespace cube::agent
