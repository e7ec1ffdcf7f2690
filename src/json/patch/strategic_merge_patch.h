#pragma once
// Kubernetes strategic merge patch (application/strategic-merge-patch+json), driven by the
// schema type graph: lists whose field has patchStrategy "merge" are merged element by element
// (by patchMergeKey for lists of objects, as a set for lists of primitives), other lists are
// replaced, objects are merged recursively and null deletes a key. Directives:
//   "$patch": "replace" | "delete"        on an object (and "replace"/"delete" list elements)
//   "$setElementOrder/<field>": [...]     final order of a merged list
//   "$retainKeys": [...]                  keys not listed are cleared from the object
//   "$deleteFromPrimitiveList/<field>"    values removed from a merged primitive list
// Behaviour follows apimachinery's strategicpatch.StrategicMergeMapPatch; the few deliberate
// differences are noted in strategic_merge_patch.cpp.

#include <boost/json/value.hpp>

#include "api/schema/type.h"

namespace cube::json {

// Applies `patch` to `original` and returns the result. `schema` is the type of the document
// (e.g. the Pod type); null means no schema (every list replaced, objects merged, directives
// still honoured). Throws ApiError with the status Kubernetes returns for a bad patch.
boost::json::value strategicMergePatch(const boost::json::value& original,
                                       const boost::json::value& patch, const api::Type* schema);

}  // namespace cube::json
