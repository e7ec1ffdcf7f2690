#pragma once
// The environment the kubelet resolves before a container starts, handed to the runtime as
// ContainerConfig.envFrom / valueFrom: envFrom's ConfigMaps and Secrets (prefix applied, in
// order), and each env entry's valueFrom — fieldRef and resourceFieldRef (the downward API,
// resolved by agent/downward_api.h; resourceFieldRef's container is this one unless named),
// configMapKeyRef and secretKeyRef. Literal values and $(VAR) expansion stay with the runtime.
//
// A missing ConfigMap, Secret or key that is not optional throws ContainerEnvError with the
// kubelet's message (`configmap "x" not found`, `couldn't find key k in Secret ns/x`): the
// container then waits with reason CreateContainerConfigError.

#include "agent/downward_api.h"

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

// The pod's addresses and the node's allocatable (the name env and volume callers use).
using EnvContext = DownwardApiContext;

struct ResolvedEnv {
  std::vector<std::pair<std::string, std::string>> envFrom;
  std::map<std::string, std::string> valueFrom;
};

ResolvedEnv resolveContainerEnv(const boost::json::object& pod,
                                const boost::json::object& container, const EnvContext& context,
                                const EnvObjectLookup& lookup);

// A ConfigMap's data (and its binaryData, decoded, when `withBinaryData`) or a Secret's data
// decoded from base64; `resource` is "configmaps" or "secrets". Non-string values are skipped.
std::map<std::string, std::string> configObjectData(const std::string& resource,
                                                    const boost::json::object& obj,
                                                    bool withBinaryData);

}  // namespace cube::agent
