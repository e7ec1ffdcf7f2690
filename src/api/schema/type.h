#pragma once
// The schema type graph: every API object type (Pod, PodSpec, Container, ...) as a node with typed
// fields and the strategic-merge metadata. Parsed from src/api/types/*.schema (see
// docs/dev/schema-dsl.md); drives validation, defaulting, strategic merge patch, OpenAPI and
// `kubectl explain`.

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cube::api {

struct GroupVersionKind {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  bool operator==(const GroupVersionKind&) const = default;
};

enum class TypeKind {
  Object,  // named struct with declared fields
  Map,     // map[string]T (elem)
  Array,   // []T (elem)
  String,
  Integer,  // format int32 or int64
  Number,   // double
  Boolean,
  IntOrString,  // e.g. targetPort, maxSurge
  Quantity,     // resource.Quantity: string or number, canonicalised
  Time,         // RFC 3339 date-time string, second precision (metav1.Time)
  MicroTime,    // RFC 3339 date-time string, microsecond precision (metav1.MicroTime)
  Bytes,        // base64 string (format byte)
  Any,          // free-form JSON (x-kubernetes-preserve-unknown-fields)
};

struct Type;

struct Field {
  std::string name;
  const Type* type = nullptr;
  bool required = false;
  std::string description;
  // Strategic merge patch: "", "merge", "replace", "retainKeys" or "merge,retainKeys".
  std::string patchStrategy;
  std::string patchMergeKey;
  // Server-side-apply list metadata (x-kubernetes-list-type / -list-map-keys).
  std::string listType;
  std::vector<std::string> listMapKeys;
  std::vector<std::string> enumValues;             // allowed values, when the API fixes them
  std::optional<boost::json::value> defaultValue;  // applied when the field is absent
  // Where the field sits in Kubernetes' generated.proto; empty when not declared. Drives decoding
  // of application/vnd.kubernetes.protobuf request bodies. `proto=N` gives one element, the
  // field's own number. Go inlines some embedded structs (Volume's VolumeSource, Probe's
  // ProbeHandler): their fields are flat in JSON but one message down in protobuf, so
  // `proto=2.1` reads "field 1 of the message in field 2" (any depth).
  std::vector<int> protoPath;
  // `pointer`: a Go pointer field (*int32, *bool, ...), where a zero value is a real value. A
  // protobuf body carries such a field only when it is set, so its zero is kept; the zero of any
  // other optional scalar means "unset" and is dropped.
  bool pointer = false;
};

struct Type {
  TypeKind kind = TypeKind::Any;
  std::string name;  // Object: definition name, e.g. io.k8s.api.core.v1.Pod; others: ""
  std::string description;
  std::string format;                  // int32, int64, double, date-time, byte, ...
  std::vector<Field> fields;           // Object
  const Type* elem = nullptr;          // Array items, Map values
  std::vector<GroupVersionKind> gvks;  // top-level kinds: x-kubernetes-group-version-kind

  const Field* field(std::string_view fieldName) const;
  bool isScalar() const;
};

}  // namespace cube::api
