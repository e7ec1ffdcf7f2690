#pragma once
// The files of the volumes whose content comes from the API: configMap, secret, downwardAPI
// and projected (configMap, secret and downwardAPI sources), computed as the kubelet computes
// them, ready for writeAtomicDir.
//
//  - configMap/secret: every key of data (and a ConfigMap's binaryData) as a file, or only the
//    `items` (key → path, own mode); file mode: the item's, else defaultMode, else 0644. Secret
//    data is base64 and is written decoded. A missing object is an error unless `optional`
//    (then the volume is empty); so is an item's missing key.
//  - downwardAPI: fieldRef and resourceFieldRef (containerName required), resolved by
//    agent/downward_api.h as env's are.
//  - projected: its sources in order, one defaultMode; serviceAccountToken and
//    clusterTrustBundle sources are not served yet and are left out.
//
// Failures throw std::runtime_error with the kubelet's words (`configmap "x" not found`,
// `configmap references non-existent config key: k`); the caller names the volume.

#include "agent/container_env.h"
#include "agent/volumes/atomic_dir_writer.h"
#include "api/validation/validation.h"

#include <boost/json/object.hpp>

#include <vector>

namespace cube::agent::volumes {

struct ProjectionInput {
  const boost::json::object* pod = nullptr;
  EnvContext context;      // the node's allocatable, for resourceFieldRef of unset limits
  EnvObjectLookup lookup;  // ConfigMaps and Secrets of the pod's namespace
};

// `resource`: "configmaps" or "secrets"; `source`: the volume's configMap/secret entry (its
// name field is "name" for configMaps and projected secrets, "secretName" for a secret volume).
std::vector<ProjectedFile> keyToPathFiles(const ProjectionInput& in, const std::string& resource,
                                          const boost::json::object& source, uint32_t defaultMode);
std::vector<ProjectedFile> downwardApiFiles(const ProjectionInput& in,
                                            const boost::json::object& source,
                                            uint32_t defaultMode);
std::vector<ProjectedFile> projectedFiles(const ProjectionInput& in,
                                          const boost::json::object& source);

// Go's %q of a string (what the kubelet writes for label and annotation values).
using api::validation::goQuote;

}  // namespace cube::agent::volumes
