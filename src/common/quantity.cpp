#include "common/quantity.h"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace cube {

namespace {

constexpr std::string_view kMaxInt64 = "9223372036854775807";
// The most decimal digits an int64 always holds; Kubernetes' fast parser takes at most this many.
constexpr int kMaxInt64Digits = 18;
constexpr int64_t kNanoScale = -9;

struct Suffix {
  int base = 10;  // 10 or 2
  int32_t exponent = 0;
  QuantityFormat format = QuantityFormat::DecimalSI;
};

std::optional<Suffix> interpretSuffix(std::string_view s) {
  static constexpr std::array<std::pair<std::string_view, int32_t>, 10> kDecimal = {{
      {"n", -9},
      {"u", -6},
      {"m", -3},
      {"", 0},
      {"k", 3},
      {"M", 6},
      {"G", 9},
      {"T", 12},
      {"P", 15},
      {"E", 18},
  }};
  static constexpr std::array<std::pair<std::string_view, int32_t>, 6> kBinary = {{
      {"Ki", 10},
      {"Mi", 20},
      {"Gi", 30},
      {"Ti", 40},
      {"Pi", 50},
      {"Ei", 60},
  }};
  for (const auto& [name, exp] : kDecimal) {
    if (s == name) return Suffix{10, exp, QuantityFormat::DecimalSI};
  }
  for (const auto& [name, exp] : kBinary) {
    if (s == name) return Suffix{2, exp, QuantityFormat::BinarySI};
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view rest = s.substr(1);
    // Go's ParseInt accepts a leading '+', from_chars does not.
    bool neg = false;
    if (rest[0] == '+' || rest[0] == '-') {
      neg = rest[0] == '-';
      rest.remove_prefix(1);
    }
    if (rest.empty()) return std::nullopt;
    uint64_t mag = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), mag);
    if (ec != std::errc() || ptr != rest.data() + rest.size()) return std::nullopt;
    if (mag > (neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1)) return std::nullopt;
    int64_t v = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
    // Kubernetes narrows the exponent to int32 the same way.
    return Suffix{10, static_cast<int32_t>(v), QuantityFormat::DecimalExponent};
  }
  return std::nullopt;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// Moves trailing zeros into the scale and drops leading zeros; zero becomes ("", 0).
void normalize(Quantity& q) {
  size_t first = q.digits.find_first_not_of('0');
  if (first == std::string::npos) {
    q.digits.clear();
    q.scale = 0;
    return;
  }
  q.digits.erase(0, first);
  size_t last = q.digits.find_last_not_of('0');
  q.scale += static_cast<int64_t>(q.digits.size() - 1 - last);
  q.digits.erase(last + 1);
}

// digits *= m for a small multiplier.
void multiplyDigits(std::string& digits, uint32_t m) {
  uint64_t carry = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    uint64_t v = static_cast<uint64_t>(digits[i] - '0') * m + carry;
    digits[i] = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  while (carry) {
    digits.insert(digits.begin(), static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
}

// digits += 1.
void incrementDigits(std::string& digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return;
    }
    digits[i] = '0';
  }
  digits.insert(digits.begin(), '1');
}

// Compares the magnitude of a normalized quantity with a non-negative integer string.
int compareMagnitude(const Quantity& q, std::string_view integer) {
  if (q.isZero()) return integer == "0" ? 0 : -1;
  int64_t qLen = static_cast<int64_t>(q.digits.size()) + q.scale;  // digits before the point
  int64_t iLen = static_cast<int64_t>(integer.size());
  if (qLen != iLen) return qLen < iLen ? -1 : 1;
  // Same integer length: compare digit by digit, q padded with zeros (or fraction beyond).
  for (int64_t i = 0; i < iLen; ++i) {
    char qc = i < static_cast<int64_t>(q.digits.size()) ? q.digits[i] : '0';
    if (qc != integer[i]) return qc < integer[i] ? -1 : 1;
  }
  return static_cast<int64_t>(q.digits.size()) > iLen ? 1 : 0;  // a fraction remains
}

// Rounds the magnitude up to a multiple of 10^scale (no-op when already that precise).
void roundUpToScale(Quantity& q, int64_t scale) {
  if (q.isZero() || q.scale >= scale) return;
  int64_t drop = scale - q.scale;
  if (drop >= static_cast<int64_t>(q.digits.size())) {
    q.digits = "1";  // normalized digits end in non-zero, so something was dropped
  } else {
    q.digits.erase(q.digits.size() - drop);
    incrementDigits(q.digits);
  }
  q.scale = scale;
  normalize(q);
}

// The integer value of the magnitude when it is integral and fits uint64.
std::optional<uint64_t> integerMagnitude(const Quantity& q) {
  if (q.isZero()) return 0;
  if (q.scale < 0 || static_cast<int64_t>(q.digits.size()) + q.scale > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : q.digits) {
    if (v > (std::numeric_limits<uint64_t>::max() - 9) / 10) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  for (int64_t i = 0; i < q.scale; ++i) {
    if (v > std::numeric_limits<uint64_t>::max() / 10) return std::nullopt;
    v *= 10;
  }
  return v;
}

std::string decimalSuffix(int64_t exponent) {
  switch (exponent) {
    case -9:
      return "n";
    case -6:
      return "u";
    case -3:
      return "m";
    case 3:
      return "k";
    case 6:
      return "M";
    case 9:
      return "G";
    case 12:
      return "T";
    case 15:
      return "P";
    case 18:
      return "E";
    default:
      return "";  // beyond E Kubernetes prints no suffix at all
  }
}

std::string binarySuffix(int exponent) {
  static constexpr std::array<std::string_view, 7> kNames = {"",   "Ki", "Mi", "Gi",
                                                             "Ti", "Pi", "Ei"};
  return exponent >= 0 && exponent < 7 ? std::string(kNames[exponent]) : "";
}

// The fast path Kubernetes takes for values that fit an int64 exactly. Returns false when the
// general path must be used; on success fills q, including `verbatim` when Kubernetes would
// keep the input text as the canonical form.
bool tryFastParse(std::string_view text, bool negative, const std::string& num,
                  const std::string& denom, const Suffix& suffix, Quantity& q) {
  int64_t scale = 0;
  int64_t precision = 0;
  if (suffix.format == QuantityFormat::BinarySI) {
    if (!denom.empty()) return false;
    precision = 15 - static_cast<int64_t>(num.size()) - suffix.exponent * 3 / 10 - 1;
  } else {
    scale = suffix.exponent;
    precision = kMaxInt64Digits - static_cast<int64_t>(num.size() + denom.size());
  }
  if (precision < 0) return false;
  scale -= static_cast<int64_t>(denom.size());
  if (scale < kNanoScale) return false;
  std::string shifted = num + denom;
  uint64_t value = 0;
  for (char c : shifted) value = value * 10 + static_cast<uint64_t>(c - '0');
  if (suffix.format == QuantityFormat::BinarySI) {
    if (suffix.exponent >= 63 || value > (uint64_t{1} << (63 - suffix.exponent)) - 1) {
      return false;  // would overflow int64
    }
  }

  q.format = suffix.format;
  q.negative = negative;
  q.digits = shifted;
  q.scale = scale;
  if (suffix.format == QuantityFormat::BinarySI) {
    for (int i = 0; i < suffix.exponent; i += 10) multiplyDigits(q.digits, 1024);
    if ((value & 0x07) != 0) q.verbatim = std::string(text);
  } else if (scale % 3 == 0 && !shifted.ends_with("000") && shifted[0] != '0') {
    q.verbatim = std::string(text);
  }
  normalize(q);
  if (q.isZero()) q.negative = false;
  return true;
}

}  // namespace

std::optional<Quantity> parseQuantity(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text == "0") {
    Quantity q;
    q.verbatim = "0";
    return q;
  }

  // Scan: [+-] digits [. digits] suffix, where suffix is [eEinumkKMGTP]* [+-]? digits*.
  size_t pos = 0;
  const size_t end = text.size();
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    ++pos;
  }
  while (pos < end && text[pos] == '0') ++pos;
  size_t numStart = pos;
  while (pos < end && isDigit(text[pos])) ++pos;
  std::string num(text.substr(numStart, pos - numStart));
  if (num.empty()) num = "0";
  std::string denom;
  if (pos < end && text[pos] == '.') {
    ++pos;
    size_t denomStart = pos;
    while (pos < end && isDigit(text[pos])) ++pos;
    denom = std::string(text.substr(denomStart, pos - denomStart));
  }
  size_t suffixStart = pos;
  while (pos < end && std::string_view("eEinumkKMGTP").find(text[pos]) != std::string_view::npos) {
    ++pos;
  }
  if (pos < end && (text[pos] == '-' || text[pos] == '+')) ++pos;
  while (pos < end && isDigit(text[pos])) ++pos;
  if (pos != end) return std::nullopt;

  auto suffix = interpretSuffix(text.substr(suffixStart));
  if (!suffix) return std::nullopt;

  Quantity q;
  if (tryFastParse(text, negative, num, denom, *suffix, q)) return q;

  // General path: exact decimal arithmetic on the digit string.
  q = Quantity{};
  q.format = suffix->format;
  q.negative = negative;
  q.digits = num + denom;
  q.scale = -static_cast<int64_t>(denom.size());
  if (suffix->base == 10) {
    q.scale += suffix->exponent;
  } else {
    for (int i = 0; i < suffix->exponent; i += 10) multiplyDigits(q.digits, 1024);
  }
  normalize(q);
  // Kubernetes rounds any non-zero amount up to the nearest nano so that asking for a tiny
  // amount of a resource still asks for some.
  roundUpToScale(q, kNanoScale);
  if (q.format == QuantityFormat::BinarySI) {
    if (compareMagnitude(q, kMaxInt64) > 0) {
      q.digits = std::string(kMaxInt64);
      q.scale = 0;
      normalize(q);
    }
    if (!q.isZero() && compareMagnitude(q, "1") < 0) q.format = QuantityFormat::DecimalSI;
  }
  if (q.isZero()) q.negative = false;
  return q;
}

std::string canonicalString(const Quantity& q) {
  if (!q.verbatim.empty()) return q.verbatim;
  if (q.isZero()) return "0";
  std::string sign = q.negative ? "-" : "";

  QuantityFormat format = q.format;
  std::optional<uint64_t> integer;
  if (format == QuantityFormat::BinarySI) {
    integer = integerMagnitude(q);
    // Below 1024 or fractional, binary units would round: Kubernetes falls back to decimal SI.
    if (compareMagnitude(q, "1024") < 0 || !integer) format = QuantityFormat::DecimalSI;
  }

  if (format == QuantityFormat::BinarySI) {
    uint64_t v = *integer;
    int exponent = 0;
    while (v % 1024 == 0 && exponent < 6) {
      v /= 1024;
      ++exponent;
    }
    return sign + std::to_string(v) + binarySuffix(exponent);
  }

  // Decimal: the largest exponent that is a multiple of three with an integral mantissa.
  std::string mantissa = q.digits;
  int64_t exponent = q.scale;
  while (((exponent % 3) + 3) % 3 != 0) {
    mantissa.push_back('0');
    --exponent;
  }
  if (format == QuantityFormat::DecimalExponent) {
    return sign + mantissa + (exponent == 0 ? "" : "e" + std::to_string(exponent));
  }
  return sign + mantissa + decimalSuffix(exponent);
}

namespace {

// The JSON decoder trims surrounding whitespace before parsing a quantity.
std::string_view trimSpace(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

std::optional<std::string> canonicalQuantity(std::string_view text) {
  auto q = parseQuantity(trimSpace(text));
  if (!q) return std::nullopt;
  return canonicalString(*q);
}

namespace {

// ceil(|q| * 10^-scale) with the sign, or nullopt on int64 overflow.
std::optional<int64_t> scaledValue(const Quantity& q, int64_t scale) {
  Quantity r = q;
  roundUpToScale(r, scale);
  r.scale -= scale;  // now an integer in units of 10^scale
  auto mag = integerMagnitude(r);
  if (!mag) return std::nullopt;
  if (r.negative) {
    if (*mag > (uint64_t{1} << 63)) return std::nullopt;
    return static_cast<int64_t>(0 - *mag);
  }
  if (*mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(*mag);
}

}  // namespace

std::optional<int64_t> milliValue(const Quantity& q) {
  return scaledValue(q, -3);
}
std::optional<int64_t> value(const Quantity& q) {
  return scaledValue(q, 0);
}

std::optional<int64_t> quantityMilliValue(std::string_view text) {
  auto q = parseQuantity(trimSpace(text));
  if (!q) return std::nullopt;
  return milliValue(*q);
}

std::optional<int64_t> quantityValue(std::string_view text) {
  auto q = parseQuantity(trimSpace(text));
  if (!q) return std::nullopt;
  return value(*q);
}

}  // namespace cube
