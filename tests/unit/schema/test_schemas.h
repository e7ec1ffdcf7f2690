#pragma once
// Small DSL texts shared by the schema tests, so they do not depend on src/api/types/.

#include "api/schema/type_registry.h"

#include <memory>

namespace cube::api::testing {

inline constexpr const char* kTestMeta = R"(package io.k8s.apimachinery.pkg.apis.meta.v1
type ObjectMeta "Object metadata."
  name string "Name."
  namespace string "Namespace."
  labels map[string] "Labels."
  creationTimestamp time "Created at."
  ownerReferences []OwnerReference merge=uid listType=map listMapKeys=uid "Owners."
  finalizers []string strategy=merge listType=set "Finalizers."
type OwnerReference "Owner."
  uid string required "UID."
  name string required "Name."
type ListMeta "List metadata."
  resourceVersion string "Version."
  continue string "Next page."
type Status "Outcome."
  status string "Success or Failure."
  code int32 "HTTP code."
type DeleteOptions "Delete options."
  gracePeriodSeconds int64 "Grace."
type Patch "Patch body."
)";

inline constexpr const char* kTestCore = R"(# A trimmed core/v1 for tests.
package io.k8s.api.core.v1

type Pod "A group of containers."
  apiVersion string "API version."
  kind string "Kind."
  metadata ObjectMeta default={} "Metadata."
  spec PodSpec "Desired state."
  status PodStatus "Observed state."

type PodSpec "Desired state of a pod."
  containers []Container required merge=name listType=map listMapKeys=name "Containers."
  restartPolicy string enum=Always|OnFailure|Never default="Always" "Restart policy."
  nodeSelector map[string] "Node labels to match."
  overhead map[quantity] "Overhead."
  volumes []Volume merge=name strategy=merge,retainKeys "Volumes."
  priority int32 "Priority."
  activeDeadlineSeconds int64 "Deadline."
  hostNetwork boolean "Host network."
  securityContext PodSecurityContext default={} "Security."

type PodSecurityContext "Pod-level security."
  fsGroupChangePolicy string default="Always" "Policy."
  sysctls []Sysctl "Sysctls."

type Sysctl "A sysctl."
  name string required "Name."
  value string required "Value."

type Container "One container."
  name string required "Name."
  image string "Image."
  imagePullPolicy string enum=Always|IfNotPresent|Never "Pull policy."
  ports []ContainerPort merge=containerPort listType=map listMapKeys=containerPort,protocol "Ports."
  resources ResourceRequirements "Resources."
  args []string "Arguments."
  terminationMessagePath string default="/dev/termination-log" "Message path."
  env []EnvVar merge=name "Environment."

type EnvVar "An environment variable."
  name string required "Name."
  value string "Value."

type ContainerPort "A port."
  containerPort int32 required "Port number."
  protocol string enum=TCP|UDP|SCTP default="TCP" "Protocol."
  name string "Name."

type ResourceRequirements "Resources."
  limits map[quantity] "Limits."
  requests map[quantity] "Requests."

type Volume "A volume."
  name string required "Name."
  configMap any "Anything."
  data bytes "Bytes."

type PodStatus "Observed state."
  startTime time "Start."
  podIP string "IP."
  ready int-or-string "Int or string."
  ratio number "A number."
  byName map[Sysctl] "Map of objects."
)";

inline std::unique_ptr<TypeRegistry> testTypes() {
  auto r = std::make_unique<TypeRegistry>();
  r->load("meta.schema", kTestMeta);
  r->load("core.schema", kTestCore);
  r->resolve();
  return r;
}

}  // namespace cube::api::testing
