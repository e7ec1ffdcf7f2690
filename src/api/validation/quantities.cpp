// Quantity-valued fields (resource requests and limits, capacities, quota): parsing a JSON value
// as a Kubernetes quantity and the non-negative check, with Kubernetes' messages.

#include "api/validation/validation.h"

#include <boost/json/serialize.hpp>

namespace cube::api::validation {

namespace json = boost::json;

std::optional<Quantity> quantityOf(const json::value& value) {
  return parseQuantity(value.is_string() ? std::string(value.as_string()) : json::serialize(value));
}

std::optional<Quantity> validateNonnegativeQuantity(const json::value& value,
                                                    const std::string& path, Causes& out) {
  auto q = quantityOf(value);
  if (!q) {
    out.push_back(invalid(path, value, kQuantityRegexError));
  } else if (q->negative && !q->isZero()) {
    out.push_back(
        invalid(path, json::value(canonicalString(*q)), "must be greater than or equal to 0"));
  }
  return q;
}

}  // namespace cube::api::validation
