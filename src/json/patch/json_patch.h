#pragma once
// RFC 6902 JSON patch (application/json-patch+json): add, remove, replace, move, copy, test,
// with RFC 6901 JSON pointers ("~0" is "~", "~1" is "/", "-" appends to an array). As in
// evanphx/json-patch v4, which the API server uses, negative array indices count from the end
// and a `test` of a missing location against null succeeds.
//
// Errors are what the API server returns: a patch that is not an array of objects is 400
// BadRequest (Go's decoding message); more than 10000 operations is 413; any operation that
// cannot be applied (failed test included) is 422 Invalid with Kubernetes' generic message
// "the server rejected our request due to an error in our request". The specific reason is
// available from jsonPatchFailure() for logs and tests.

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace cube::json {

// Kubernetes rejects JSON patches with more operations than this.
inline constexpr size_t kMaxJsonPatchOperations = 10000;

// Applies the patch document `patch` (an array of operations) to `doc`; the whole patch applies
// or nothing does. Throws ApiError.
boost::json::value applyJsonPatch(const boost::json::value& doc, const boost::json::value& patch);

// Same with the raw request body; malformed JSON is a 400.
boost::json::value applyJsonPatch(const boost::json::value& doc, std::string_view patchBody);

// The specific reason the patch cannot be applied ("testing value /a failed", ...), or "" when
// it applies. Does not throw for 422-class failures; 400/413 problems are reported too.
std::string jsonPatchFailure(const boost::json::value& doc, const boost::json::value& patch);

}  // namespace cube::json
