#pragma once
// The downward API as the kubelet resolves it, for env (valueFrom) and for downwardAPI and
// projected volume files: one place, so both see the same values and the same errors.
//
//  - fieldRef: metadata.name, namespace, uid, labels and annotations (whole: `key="value"`
//    lines sorted by key, values quoted as Go's %q), labels['k'] and annotations['k'],
//    spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s).
//  - resourceFieldRef: limits/requests of cpu, memory, ephemeral-storage and hugepages-* of a
//    container over a divisor (an unset or zero divisor is 1), rounded up; an unset limit of
//    cpu, memory or ephemeral-storage is the node's allocatable.
//
// What the pod cannot give throws DownwardApiError with the kubelet's message
// (`unsupported fieldPath: spec.hostname`, `unsupported container resource : limits.gpu`).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>

namespace cube::agent {

class DownwardApiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the pod object does not hold: its addresses, and the node's allocatable (the value of
// an unset limit).
struct DownwardApiContext {
  std::string hostIP;
  std::string podIP;
  std::string nodeCpu = "4";
  std::string nodeMemory = "8Gi";
  std::string nodeEphemeralStorage = "100Gi";
};

// One fieldRef.fieldPath of the pod ("metadata.labels['app']"); a missing label is "".
std::string resolveFieldRef(const boost::json::object& pod, const DownwardApiContext& context,
                            const std::string& fieldPath);

// resourceFieldRef: `resource` ("limits.cpu") of `container` over `divisor` ("1m", "1Mi";
// "" or a zero quantity is 1).
std::string resolveResourceFieldRef(const boost::json::object& container,
                                    const DownwardApiContext& context, const std::string& resource,
                                    const std::string& divisor);

// A resourceFieldRef's divisor as written: a quantity string or a bare number; "" when unset.
std::string divisorOf(const boost::json::object& resourceFieldRef);

}  // namespace cube::agent
