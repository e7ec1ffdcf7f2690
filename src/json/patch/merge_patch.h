#pragma once
// RFC 7386 JSON merge patch (application/merge-patch+json): objects merge recursively, null
// removes a key, anything else (arrays included) replaces the target value.

#include <boost/json/value.hpp>

namespace cube::json {

// Applies `patch` to `target`. Nulls inside values that are added are pruned, as
// evanphx/json-patch (used by the API server) does. A patch that is not an object replaces the
// target; a null patch is a 400 ("Invalid JSON Patch") as in Kubernetes.
boost::json::value jsonMergePatch(const boost::json::value& target,
                                  const boost::json::value& patch);

}  // namespace cube::json
