#pragma once
// Kubernetes resource.Quantity: parsing and the canonical string form the API server stores
// ("0.5" -> "500m", "1024Mi" -> "1Gi"). A quantity is a decimal number with an optional suffix
// from one of three families: binary SI (Ki Mi Gi Ti Pi Ei), decimal SI (n u m "" k M G T P E)
// or a decimal exponent (e3, E-6). The canonical form keeps the family the user wrote, and any
// precision finer than a nano (10^-9) is rounded up (away from zero), as Kubernetes does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cube {

enum class QuantityFormat {
  BinarySI,         // Ki, Mi, Gi, ...
  DecimalSI,        // m, k, M, G, ... (and no suffix)
  DecimalExponent,  // e3, E-6
};

// A parsed quantity, exact (no floating point): value = sign * digits * 10^scale, rounded up to
// a nano. Binary SI values are capped at 2^63-1 as Kubernetes caps them; decimal ones are not.
struct Quantity {
  QuantityFormat format = QuantityFormat::DecimalSI;
  bool negative = false;
  // Decimal digits of the magnitude without leading zeros ("" means zero), and the power of ten
  // that the last digit stands for: "1536" with scale 0 is 1536; "5" with scale -1 is 0.5.
  std::string digits;
  int64_t scale = 0;
  // Kubernetes keeps the text the user wrote as the canonical form when its fast parser finds
  // it already canonical-looking (so "+1", "1.500" and "1E3" survive verbatim); set then.
  std::string verbatim;

  bool isZero() const { return digits.empty(); }
};

// Parses a quantity string strictly (no surrounding whitespace); nullopt when it is not a valid
// Kubernetes quantity.
std::optional<Quantity> parseQuantity(std::string_view text);

// The canonical string form Kubernetes stores and returns for `text`; nullopt when invalid.
// Surrounding whitespace is ignored, as the JSON decoder does. Examples: "0.5" -> "500m",
// "1024Mi" -> "1Gi", "1000m" -> "1", "1e3" -> "1e3", "2048Ki" -> "2Mi", "1.5Gi" -> "1536Mi",
// "0.0001" -> "100u", "100M" -> "100M". Precision below a nano (10^-9) is rounded up.
std::optional<std::string> canonicalQuantity(std::string_view text);

// Canonical string of an already parsed quantity (after the milli round-up).
std::string canonicalString(const Quantity& q);

// The value in milli units, rounded up (as Quantity.MilliValue()): "100m" -> 100, "1" -> 1000,
// "1Ki" -> 1024000. nullopt when invalid or when it does not fit in int64 (Kubernetes would
// silently overflow). Surrounding whitespace is ignored here too.
std::optional<int64_t> quantityMilliValue(std::string_view text);

// The value in whole units, rounded up (as Quantity.Value()): "1Gi" -> 1073741824 bytes,
// "500m" -> 1. nullopt when invalid or when it does not fit in int64.
std::optional<int64_t> quantityValue(std::string_view text);

// Same as above for a parsed quantity.
std::optional<int64_t> milliValue(const Quantity& q);
std::optional<int64_t> value(const Quantity& q);

}  // namespace cube
