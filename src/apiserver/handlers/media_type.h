#pragma once
// Content negotiation: which representation a client's Accept header asks for.

#include <string>

namespace cube::apiserver {

enum class Representation {
  Object,                    // plain JSON object or list
  Table,                     // meta.k8s.io/v1 Table
  PartialObjectMetadata,     // meta.k8s.io/v1 PartialObjectMetadata(List)
  AggregatedDiscovery,       // apidiscovery.k8s.io/v2 APIGroupDiscoveryList
  AggregatedDiscoveryBeta1,  // apidiscovery.k8s.io/v2beta1
};

struct Negotiated {
  Representation representation = Representation::Object;
  std::string tableVersion = "v1";  // Table / PartialObjectMetadata version (v1 or v1beta1)
};

// Picks the first acceptable representation; throws ApiError(406) when nothing in `accept` can
// be served. `discovery` allows the aggregated discovery types.
Negotiated negotiate(const std::string& accept, bool discovery);

// Content-Type of request bodies: json, yaml, Kubernetes protobuf (typed clients), or a patch
// type.
enum class BodyFormat {
  Json,
  Yaml,
  Protobuf,
  JsonPatch,
  MergePatch,
  StrategicMergePatch,
  ApplyPatch,
  Unknown
};
BodyFormat bodyFormat(const std::string& contentType);

}  // namespace cube::apiserver
