#include "agent/node_lease.h"

#include "common/json_util.h"

namespace cube::agent {

namespace bj = boost::json;

NodeLease::NodeLease(client::ApiClientPtr client, std::string nodeName, int durationSeconds)
    : client_(std::move(client)),
      nodeName_(std::move(nodeName)),
      durationSeconds_(durationSeconds) {}

void NodeLease::renew(TimePoint now, const std::string& nodeUid) {
  std::string stamp = formatRfc3339Micro(now);
  if (!lease_) {
    try {
      lease_ = client_->get(resource(), kNodeLeaseNamespace, nodeName_);
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
      bj::object meta{{"name", nodeName_}, {"namespace", kNodeLeaseNamespace}};
      if (!nodeUid.empty()) {
        meta["ownerReferences"] = bj::array{bj::object{
            {"apiVersion", "v1"}, {"kind", "Node"}, {"name", nodeName_}, {"uid", nodeUid}}};
      }
      bj::object lease{{"apiVersion", "coordination.k8s.io/v1"},
                       {"kind", "Lease"},
                       {"metadata", std::move(meta)},
                       {"spec", bj::object{{"holderIdentity", nodeName_},
                                           {"leaseDurationSeconds", durationSeconds_},
                                           {"acquireTime", stamp},
                                           {"renewTime", stamp}}}};
      lease_ = client_->create(resource(), kNodeLeaseNamespace, lease);
      return;
    }
  }
  bj::object next = *lease_;
  auto& spec = json::ensureObject(next, "spec");
  spec["holderIdentity"] = nodeName_;
  spec["leaseDurationSeconds"] = durationSeconds_;
  spec["renewTime"] = stamp;
  try {
    lease_ = client_->update(resource(), kNodeLeaseNamespace, nodeName_, next);
  } catch (const ApiError& e) {
    // Someone else wrote it (or deleted it): read it again on the next renewal.
    lease_.reset();
    if (e.code() != 409 && e.code() != 404) throw;
    renew(now, nodeUid);
  }
}

}  // namespace cube::agent
