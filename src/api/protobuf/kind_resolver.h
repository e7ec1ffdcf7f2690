#pragma once
// Which schema type a protobuf body's envelope (apiVersion, kind) names: a served resource's
// type, or one of the request-only kinds kubectl sends (DeleteOptions, policy/v1 Eviction).

#include "api/protobuf/protobuf_decoder.h"
#include "api/resource_registry.h"

#include <string>

namespace cube::api {

// nullptr when nothing matches.
const Type* protobufTypeFor(const ResourceRegistry& registry, const std::string& apiVersion,
                            const std::string& kind);

// A resolver over `registry` for decodeKubernetesProtobuf.
ProtobufTypeResolver protobufResolver(const ResourceRegistry& registry);

}  // namespace cube::api
