#pragma once
// Decodes Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf,
// what kubectl's typed clients send) into the JSON object the rest of cube works with. The
// schema Type graph supplies the field numbers (`proto=N` in src/api/types/*.schema), so there
// is no generated code: a field without a number is skipped like any unknown field. Fields of a
// struct Go embeds inline (`proto=2.1`: field 1 of the message in field 2) come from that nested
// message but land in the parent's JSON object, flat, as Go's JSON encoder writes them.
//
// The JSON is what Kubernetes' own Go decoder followed by its JSON encoder would produce:
// - optional scalars holding their zero value ("", 0, false) are dropped, because Go's
//   generated marshalers write non-pointer fields even when unset; `required` fields (not
//   omitempty in Go) and `pointer` fields (written only when set) keep them;
// - empty nested messages stay `{}`, empty lists and maps do not appear;
// - time -> "2006-01-02T15:04:05Z", microtime -> "2006-01-02T15:04:05.000000Z", a zero time is
//   dropped (Go writes null); bytes -> base64; quantity -> its string; int-or-string -> number
//   or string;
// - `any` (runtime.RawExtension, metav1.FieldsV1: {1: raw bytes}) holds JSON, parsed in place; a
//   raw value that is itself a protobuf envelope (k8s\0...) is decoded recursively; anything
//   else is rejected (400) rather than guessed at.

#include "api/schema/type.h"
#include "api/schema/type_registry.h"

#include <boost/json/object.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace cube::api {

// The schema type of an object given its envelope's apiVersion and kind; nullptr when unknown.
using ProtobufTypeResolver =
    std::function<const Type*(const std::string& apiVersion, const std::string& kind)>;

// The 4-byte prefix of every Kubernetes protobuf body.
inline constexpr std::string_view kKubernetesProtobufMagic{"k8s\0", 4};

// Decodes `body` (magic, then a runtime.Unknown envelope {1: TypeMeta{1: apiVersion, 2: kind},
// 2: raw object message, 3: contentEncoding, 4: contentType}). The result carries apiVersion and
// kind from the envelope. Throws ApiError::badRequest on a missing magic, truncated or
// malformed data, wrong wire types, nesting deeper than 100 messages or an unknown kind.
// `types` is the registry the resolver's types belong to.
boost::json::object decodeKubernetesProtobuf(std::string_view body, const TypeRegistry& types,
                                             const ProtobufTypeResolver& typeFor);

}  // namespace cube::api
