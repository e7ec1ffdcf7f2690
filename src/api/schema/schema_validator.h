#pragma once
// Checks a JSON value against a schema Type, as Kubernetes' strict decoder plus its required /
// enum checks would: which fields are unknown, which values have the wrong JSON type, which
// required fields are missing and which values are outside an enum.
//
// Paths are written the way kubectl and the API server print them: `spec.containers[0].image`
// (no leading dot, array indices in brackets, map keys as `.key`).
//
// Accepted as Kubernetes' decoder accepts them: null for any field (a required field that is
// null counts as missing); strings or numbers for quantities; integers or strings for
// int-or-string; RFC 3339 strings for times; base64 strings for bytes; anything for `any`.

#include "api/schema/type.h"
#include "common/api_error.h"

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace cube::api {

struct SchemaCheck {
  // Paths of fields the schema does not declare, in document order: the API server turns them
  // into `unknown field "PATH"` (fieldValidation=Strict) or warnings (Warn).
  std::vector<std::string> unknownFields;
  // FieldValueInvalid (wrong JSON type, bad quantity/time/base64; message as Kubernetes' decoder
  // words it), FieldValueRequired ("Required value"), FieldValueNotSupported (enum).
  std::vector<StatusCause> errors;

  bool ok() const { return unknownFields.empty() && errors.empty(); }
};

struct SchemaCheckOptions {
  // Report missing required fields. Off for partial documents (patch bodies).
  bool checkRequired = true;
  // Accept `apiVersion` and `kind` at the root even when the type does not declare them.
  bool allowTypeMeta = true;
};

SchemaCheck checkAgainstSchema(const Type& type, const boost::json::value& value,
                               const SchemaCheckOptions& options = {});

// The message for an enum violation: `Unsupported value: "X": supported values: "A", "B"`.
std::string unsupportedValueMessage(const boost::json::value& value,
                                    const std::vector<std::string>& supported);

}  // namespace cube::api
