#pragma once
// The pod and node facts the downward-API and env tests resolve against.

#include "agent/downward_api.h"
#include "common/json_util.h"

namespace cube::agent::downward_test {

inline boost::json::object testPod() {
  return json::parse(R"({
    "metadata": {"name": "web", "namespace": "ns1", "uid": "u-1",
                 "labels": {"app": "x", "tier": "a\"b"},
                 "annotations": {"a.b/c": "d", "note": "l1\nl2\u000b"}},
    "spec": {"nodeName": "n1", "serviceAccountName": "sa",
             "containers": [{"name": "app", "resources": {"limits": {"memory": "64Mi"},
                                                          "requests": {"cpu": "250m"}}},
                            {"name": "side"}],
             "initContainers": [{"name": "init", "resources": {"limits": {"cpu": "1500m"}}}]}
  })")
      .as_object();
}

// Addresses of the pod and its node; the node's allocatable (unset limits) is 4 CPUs, 8Gi of
// memory and 100Gi of ephemeral storage.
inline DownwardApiContext testContext() {
  DownwardApiContext c;
  c.hostIP = "127.1.0.1";
  c.podIP = "10.42.0.5";
  c.nodeCpu = "4";
  c.nodeMemory = "8Gi";
  c.nodeEphemeralStorage = "100Gi";
  return c;
}

}  // namespace cube::agent::downward_test
