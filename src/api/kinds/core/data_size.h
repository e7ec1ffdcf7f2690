#pragma once
// Helpers shared by ConfigMap and Secret: data keys, the 1 MiB data limit, base64 sizes and the
// rules of `immutable: true`.

#include "api/validation/validation.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cube::api::kinds::core {

// Kubernetes' MaxSecretSize, also used for ConfigMaps.
constexpr int64_t kMaxDataSize = 1024 * 1024;

// A key `k` of the map `field` ("data", "binaryData"): Invalid at `field[k]` unless it is a valid
// ConfigMap/Secret key.
void validateDataKey(std::string_view field, const std::string& k, validation::Causes& out);

// Bytes encoded by a base64 string (padding aware); invalid input is measured approximately.
int64_t base64DecodedSize(std::string_view text);
std::string base64Encode(std::string_view bytes);

// Once `immutable` was true: it must stay true and `fields` must not change.
validation::Causes validateImmutableData(const boost::json::object& obj,
                                         const boost::json::object& old,
                                         std::initializer_list<std::string_view> fields);

}  // namespace cube::api::kinds::core
