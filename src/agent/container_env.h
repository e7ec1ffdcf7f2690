#pragma once
// The environment the kubelet resolves before a container starts, handed to the runtime as
// ContainerConfig.envFrom / valueFrom: envFrom's ConfigMaps and Secrets (prefix applied, in
// order), and each env entry's valueFrom — fieldRef (the downward API: metadata.name,
// namespace, uid, labels['k'], annotations['k'], spec.nodeName, spec.serviceAccountName,
// status.hostIP(s), status.podIP(s)), resourceFieldRef (limits/requests of cpu, memory,
// ephemeral-storage over a divisor; unset limits are the node's allocatable), configMapKeyRef
// and secretKeyRef. Literal values and $(VAR) expansion stay with the runtime.
//
// A missing ConfigMap, Secret or key that is not optional throws ContainerEnvError with the
// kubelet's message (`configmap "x" not found`, `couldn't find key k in Secret ns/x`): the
// container then waits with reason CreateContainerConfigError.

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cube::agent {

class ContainerEnvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a ConfigMap ("configmaps") or Secret ("secrets") of a namespace; nullopt when it does
// not exist. Other failures throw (and the sync is retried).
using EnvObjectLookup = std::function<std::optional<boost::json::object>(
    const std::string& resource, const std::string& ns, const std::string& name)>;

struct EnvContext {
  std::string hostIP;
  std::string podIP;
  std::string nodeCpu = "4";  // allocatable: the default of an unset limit
  std::string nodeMemory = "8Gi";
  std::string nodeEphemeralStorage = "100Gi";
};

struct ResolvedEnv {
  std::vector<std::pair<std::string, std::string>> envFrom;
  std::map<std::string, std::string> valueFrom;
};

ResolvedEnv resolveContainerEnv(const boost::json::object& pod,
                                const boost::json::object& container, const EnvContext& context,
                                const EnvObjectLookup& lookup);

// One downward-API field of the pod ("metadata.labels['app']"); throws ContainerEnvError for a
// path the API does not support.
std::string podFieldValue(const boost::json::object& pod, const std::string& fieldPath,
                          const EnvContext& context);

// resourceFieldRef: "limits.cpu" of `container` (in `pod`) over `divisor` ("1", "1m", "1Mi"...).
std::string containerResourceValue(const boost::json::object& pod,
                                   const boost::json::object& container,
                                   const std::string& resource, const std::string& divisor,
                                   const EnvContext& context);

}  // namespace cube::agent
