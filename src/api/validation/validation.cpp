#include "api/validation/validation.h"

#include <arpa/inet.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <map>

namespace cube::api::validation {

namespace json = boost::json;

namespace {

constexpr int64_t kDns1123LabelMaxLength = 63;
constexpr int64_t kDns1123SubdomainMaxLength = 253;
constexpr int64_t kDns1035LabelMaxLength = 63;
constexpr int64_t kQualifiedNameMaxLength = 63;
constexpr int64_t kLabelValueMaxLength = 63;
constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool isAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool isAlpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool matchesDns1123Label(std::string_view v) {
  if (v.empty() || !isLowerAlnum(v.front()) || !isLowerAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

bool matchesDns1123Subdomain(std::string_view v) {
  if (v.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = v.find('.', start);
    if (!matchesDns1123Label(v.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool matchesQualifiedName(std::string_view v) {
  if (v.empty() || !isAlnum(v.front()) || !isAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::vector<std::string> prefixEach(std::vector<std::string> msgs, std::string_view prefix) {
  for (auto& m : msgs) m = std::string(prefix) + m;
  return msgs;
}

// generateName may end in '-'; Kubernetes masks it before checking the format.
std::string maskTrailingDash(std::string_view name) {
  std::string s(name);
  if (s.size() > 1 && s.back() == '-') s.back() = 'a';
  return s;
}

StatusCause make(std::string reason, std::string path, std::string message) {
  return StatusCause{std::move(reason), std::move(message), std::move(path)};
}

std::string withDetail(std::string body, std::string_view detail) {
  if (!detail.empty()) {
    body += ": ";
    body += detail;
  }
  return body;
}

std::string printNumber(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  return json::serialize(v);
}

}  // namespace

void append(Causes& out, Causes more) {
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

std::string goQuote(std::string_view s) {
  std::string out = "\"";
  static const char* hex = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 0xf];
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through, as Go prints it
        }
    }
  }
  out += '"';
  return out;
}

std::string goPrint(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return v.as_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return printNumber(v);
    case json::kind::string:
      return goQuote(v.as_string());
    case json::kind::object: {
      const auto& o = v.as_object();
      bool allStrings =
          std::all_of(o.begin(), o.end(), [](const auto& kv) { return kv.value().is_string(); });
      if (!allStrings) return json::serialize(v);
      // Go prints maps with sorted keys.
      std::map<std::string, std::string> sorted;
      for (const auto& kv : o) sorted[std::string(kv.key())] = std::string(kv.value().as_string());
      std::string s = "map[string]string{";
      bool first = true;
      for (const auto& [k, val] : sorted) {
        if (!first) s += ", ";
        first = false;
        s += goQuote(k) + ":" + goQuote(val);
      }
      return s + "}";
    }
    case json::kind::array: {
      const auto& a = v.as_array();
      bool allStrings =
          std::all_of(a.begin(), a.end(), [](const auto& e) { return e.is_string(); });
      if (!allStrings) return json::serialize(v);
      std::string s = "[]string{";
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) s += ", ";
        s += goQuote(a[i].as_string());
      }
      return s + "}";
    }
  }
  return json::serialize(v);
}

StatusCause required(std::string path, std::string_view detail) {
  return make("FieldValueRequired", std::move(path), withDetail("Required value", detail));
}

StatusCause invalid(std::string path, const json::value& value, std::string_view detail) {
  return invalidPrinted(std::move(path), goPrint(value), detail);
}

StatusCause invalidPrinted(std::string path, std::string_view printedValue,
                           std::string_view detail) {
  return make("FieldValueInvalid", std::move(path),
              withDetail("Invalid value: " + std::string(printedValue), detail));
}

StatusCause notSupported(std::string path, const json::value& value,
                         const std::vector<std::string>& validValues) {
  std::string detail;
  if (!validValues.empty()) {
    detail = "supported values: ";
    for (size_t i = 0; i < validValues.size(); ++i) {
      if (i) detail += ", ";
      detail += goQuote(validValues[i]);
    }
  }
  return make("FieldValueNotSupported", std::move(path),
              withDetail("Unsupported value: " + goPrint(value), detail));
}

StatusCause duplicate(std::string path, const json::value& value) {
  return make("FieldValueDuplicate", std::move(path), "Duplicate value: " + goPrint(value));
}

StatusCause notFound(std::string path, const json::value& value) {
  return make("FieldValueNotFound", std::move(path), "Not found: " + goPrint(value));
}

StatusCause forbidden(std::string path, std::string_view detail) {
  return make("FieldValueForbidden", std::move(path), withDetail("Forbidden", detail));
}

StatusCause tooLong(std::string path, int64_t maxBytes) {
  return make("FieldValueTooLong", std::move(path),
              "Too long: may not be more than " + std::to_string(maxBytes) + " bytes");
}

StatusCause tooMany(std::string path, int64_t actual, int64_t max) {
  return make("FieldValueTooMany", std::move(path),
              "Too many: " + std::to_string(actual) + ": must have at most " + std::to_string(max) +
                  " items");
}

std::string child(std::string_view path, std::string_view name) {
  if (path.empty()) return std::string(name);
  return std::string(path) + "." + std::string(name);
}

std::string index(std::string_view path, size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

std::string key(std::string_view path, std::string_view k) {
  return std::string(path) + "[" + std::string(k) + "]";
}

const json::object* getObject(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_object() ? &it->value().as_object() : nullptr;
}

const json::array* getArray(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && it->value().is_array() ? &it->value().as_array() : nullptr;
}

std::optional<std::string_view> getString(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_string()) return std::nullopt;
  return std::string_view(it->value().as_string());
}

std::optional<int64_t> getInt(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  if (v.is_double() && v.as_double() == static_cast<double>(static_cast<int64_t>(v.as_double())))
    return static_cast<int64_t>(v.as_double());
  return std::nullopt;
}

std::optional<bool> getBool(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  if (it == o.end() || !it->value().is_bool()) return std::nullopt;
  return it->value().as_bool();
}

json::object& ensureObject(json::object& o, std::string_view k) {
  auto& v = o[k];
  if (!v.is_object()) v = json::object();
  return v.as_object();
}

std::string maxLenError(int64_t length) {
  return "must be no more than " + std::to_string(length) + " characters";
}

std::string inclusiveRangeError(int64_t lo, int64_t hi) {
  return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", inclusive";
}

std::string regexError(std::string_view msg, std::string_view fmt,
                       const std::vector<std::string>& examples) {
  std::string s(msg);
  if (examples.empty()) return s + " (regex used for validation is '" + std::string(fmt) + "')";
  s += " (e.g. ";
  for (size_t i = 0; i < examples.size(); ++i) {
    if (i) s += " or ";
    s += "'" + examples[i] + "', ";
  }
  return s + "regex used for validation is '" + std::string(fmt) + "')";
}

std::vector<std::string> isDns1123Label(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1123LabelMaxLength)
    errs.push_back(maxLenError(kDns1123LabelMaxLength));
  if (!matchesDns1123Label(value)) {
    if (matchesDns1123Subdomain(value)) {
      errs.push_back("must not contain dots");
    } else {
      errs.push_back(regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
          "and must start and end with an alphanumeric character",
          "[a-z0-9]([-a-z0-9]*[a-z0-9])?", {"my-name", "123-abc"}));
    }
  }
  return errs;
}

std::vector<std::string> isDns1123Subdomain(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1123SubdomainMaxLength)
    errs.push_back(maxLenError(kDns1123SubdomainMaxLength));
  if (!matchesDns1123Subdomain(value)) {
    errs.push_back(regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character",
        "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", {"example.com"}));
  }
  return errs;
}

std::vector<std::string> isDns1035Label(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1035LabelMaxLength)
    errs.push_back(maxLenError(kDns1035LabelMaxLength));
  bool ok =
      !value.empty() && value.front() >= 'a' && value.front() <= 'z' && matchesDns1123Label(value);
  if (!ok) {
    errs.push_back(regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character",
        "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return errs;
}

std::vector<std::string> isQualifiedName(std::string_view value) {
  static const char* kMsg =
      "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
      "alphanumeric character";
  static const char* kFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  std::vector<std::string> errs;
  std::string_view name = value;
  size_t slashes = std::count(value.begin(), value.end(), '/');
  if (slashes == 1) {
    size_t slash = value.find('/');
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      auto more = prefixEach(isDns1123Subdomain(prefix), "prefix part ");
      errs.insert(errs.end(), more.begin(), more.end());
    }
  } else if (slashes > 1) {
    errs.push_back("a qualified name " + regexError(kMsg, kFmt, {"MyName", "my.name", "123-abc"}) +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (static_cast<int64_t>(name.size()) > kQualifiedNameMaxLength) {
    errs.push_back("name part " + maxLenError(kQualifiedNameMaxLength));
  }
  if (!matchesQualifiedName(name)) {
    errs.push_back("name part " + regexError(kMsg, kFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> isValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kLabelValueMaxLength)
    errs.push_back(maxLenError(kLabelValueMaxLength));
  if (!value.empty() && !matchesQualifiedName(value)) {
    errs.push_back(regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character",
        "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

namespace {
std::vector<std::string> hasChDirPrefix(std::string_view value) {
  if (value == ".") return {"must not be '.'"};
  if (value == "..") return {"must not be '..'"};
  if (value.substr(0, 2) == "..") return {"must not start with '..'"};
  return {};
}
}  // namespace

std::vector<std::string> isConfigMapKey(std::string_view value) {
  std::vector<std::string> errs;
  if (static_cast<int64_t>(value.size()) > kDns1123SubdomainMaxLength)
    errs.push_back(maxLenError(kDns1123SubdomainMaxLength));
  bool ok = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
    return isAlnum(c) || c == '-' || c == '_' || c == '.';
  });
  if (!ok) {
    errs.push_back(
        regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                   "[-._a-zA-Z0-9]+", {"key.name", "KEY_NAME", "key-name"}));
  }
  auto more = hasChDirPrefix(value);
  errs.insert(errs.end(), more.begin(), more.end());
  return errs;
}

std::vector<std::string> isEnvVarName(std::string_view value) {
  std::vector<std::string> errs;
  auto ok = [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; };
  bool valid =
      !value.empty() && !isDigit(value.front()) && std::all_of(value.begin(), value.end(), ok);
  if (!valid) {
    errs.push_back(regexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', "
        "'-', or '.', and must not start with a digit",
        "[-._a-zA-Z][-._a-zA-Z0-9]*", {"my.env-name", "MY_ENV.NAME", "MyEnvName1"}));
  }
  auto more = hasChDirPrefix(value);
  errs.insert(errs.end(), more.begin(), more.end());
  return errs;
}

std::vector<std::string> isCIdentifier(std::string_view value) {
  bool valid =
      !value.empty() && (isAlpha(value.front()) || value.front() == '_') &&
      std::all_of(value.begin(), value.end(), [](char c) { return isAlnum(c) || c == '_'; });
  if (valid) return {};
  return {regexError(
      "a valid C identifier must start with alphabetic character or '_', followed by a string of "
      "alphanumeric characters or '_'",
      "[A-Za-z_][A-Za-z0-9_]*", {"my_name", "MY_NAME", "MyName"})};
}

std::vector<std::string> isValidPortNum(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {inclusiveRangeError(1, 65535)};
}

std::vector<std::string> isValidPortName(std::string_view port) {
  std::vector<std::string> errs;
  if (port.size() > 15) errs.push_back(maxLenError(15));
  bool charset = !port.empty() && std::all_of(port.begin(), port.end(),
                                              [](char c) { return isLowerAlnum(c) || c == '-'; });
  if (!charset)
    errs.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (std::none_of(port.begin(), port.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
    errs.push_back("must contain at least one letter (a-z)");
  if (port.find("--") != std::string_view::npos)
    errs.push_back("must not contain consecutive hyphens");
  if (!port.empty() && (port.front() == '-' || port.back() == '-'))
    errs.push_back("must not begin or end with a hyphen");
  return errs;
}

std::vector<std::string> isValidIp(std::string_view value) {
  std::string s(value);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1)
    return {};
  return {"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"};
}

std::vector<std::string> isHttpHeaderName(std::string_view value) {
  bool ok = !value.empty() &&
            std::all_of(value.begin(), value.end(), [](char c) { return isAlnum(c) || c == '-'; });
  if (ok) return {};
  return {regexError("a valid HTTP header must consist of alphanumeric characters or '-'",
                     "[-A-Za-z0-9]+", {"X-Header-Name"})};
}

std::vector<std::string> isValidPercent(std::string_view value) {
  bool ok = value.size() >= 2 && value.back() == '%' &&
            std::all_of(value.begin(), value.end() - 1, isDigit);
  if (ok) return {};
  return {regexError("a valid percent string must be a numeric string followed by an ending '%'",
                     "[0-9]+%", {"1%", "93%"})};
}

std::vector<std::string> nameIsDnsSubdomain(std::string_view name, bool prefix) {
  return isDns1123Subdomain(prefix ? maskTrailingDash(name) : std::string(name));
}

std::vector<std::string> nameIsDnsLabel(std::string_view name, bool prefix) {
  return isDns1123Label(prefix ? maskTrailingDash(name) : std::string(name));
}

std::vector<std::string> nameIsDns1035Label(std::string_view name, bool prefix) {
  return isDns1035Label(prefix ? maskTrailingDash(name) : std::string(name));
}

std::vector<std::string> nameIsPathSegment(std::string_view name, bool prefix) {
  if (prefix) {
    if (name.find('/') != std::string_view::npos) return {"may not contain '/'"};
    if (name.find('%') != std::string_view::npos) return {"may not contain '%'"};
    return {};
  }
  if (name == "." || name == "..") return {"may not be '" + std::string(name) + "'"};
  if (name.find('/') != std::string_view::npos) return {"may not contain '/'"};
  if (name.find('%') != std::string_view::npos) return {"may not contain '%'"};
  return {};
}

Causes validateLabels(const json::value* labels, std::string_view path) {
  Causes out;
  if (!labels || !labels->is_object()) return out;
  for (const auto& kv : labels->as_object()) {
    std::string k(kv.key());
    for (auto& msg : isQualifiedName(k))
      out.push_back(invalid(std::string(path), json::value(k), msg));
    if (kv.value().is_string()) {
      std::string_view v = kv.value().as_string();
      for (auto& msg : isValidLabelValue(v))
        out.push_back(invalid(std::string(path), json::value(v), msg));
    }
  }
  return out;
}

Causes validateAnnotations(const json::value* annotations, std::string_view path) {
  Causes out;
  if (!annotations || !annotations->is_object()) return out;
  int64_t total = 0;
  for (const auto& kv : annotations->as_object()) {
    std::string k(kv.key());
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (auto& msg : isQualifiedName(lower))
      out.push_back(invalid(std::string(path), json::value(k), msg));
    total += static_cast<int64_t>(k.size());
    if (kv.value().is_string()) total += static_cast<int64_t>(kv.value().as_string().size());
  }
  if (total > kTotalAnnotationSizeLimit)
    out.push_back(tooLong(std::string(path), kTotalAnnotationSizeLimit));
  return out;
}

namespace {

void validateOwnerReferences(const json::object& meta, std::string_view path, Causes& out) {
  const auto* refs = getArray(meta, "ownerReferences");
  if (!refs) return;
  for (const auto& r : *refs) {
    if (!r.is_object()) continue;
    const auto& ref = r.as_object();
    std::string apiVersion(getString(ref, "apiVersion").value_or(""));
    std::string version =
        apiVersion.substr(apiVersion.find('/') == std::string::npos ? 0 : apiVersion.find('/') + 1);
    if (version.empty())
      out.push_back(
          invalid(child(path, "apiVersion"), json::value(apiVersion), "version must not be empty"));
    auto kind = getString(ref, "kind").value_or("");
    if (kind.empty())
      out.push_back(invalid(child(path, "kind"), json::value(kind), "kind must not be empty"));
    auto name = getString(ref, "name").value_or("");
    if (name.empty())
      out.push_back(invalid(child(path, "name"), json::value(name), "name must not be empty"));
    auto uid = getString(ref, "uid").value_or("");
    if (uid.empty())
      out.push_back(invalid(child(path, "uid"), json::value(uid), "uid must not be empty"));
  }
}

void validateFinalizers(const json::object& meta, std::string_view path, Causes& out) {
  const auto* fins = getArray(meta, "finalizers");
  if (!fins) return;
  for (const auto& f : *fins) {
    if (!f.is_string()) continue;
    for (auto& msg : isQualifiedName(f.as_string()))
      out.push_back(invalid(std::string(path), f, msg));
  }
}

}  // namespace

Causes validateObjectMeta(const json::object& obj, bool requiresNamespace, NameValidator nameFn,
                          std::string_view path) {
  Causes out;
  static const json::object kEmpty;
  const json::object* metaPtr = getObject(obj, "metadata");
  const json::object& meta = metaPtr ? *metaPtr : kEmpty;

  auto generateName = getString(meta, "generateName").value_or("");
  if (!generateName.empty()) {
    for (auto& msg : nameFn(generateName, true))
      out.push_back(invalid(child(path, "generateName"), json::value(generateName), msg));
  }
  auto name = getString(meta, "name").value_or("");
  if (name.empty()) {
    out.push_back(required(child(path, "name"), "name or generateName is required"));
  } else {
    for (auto& msg : nameFn(name, false))
      out.push_back(invalid(child(path, "name"), json::value(name), msg));
  }
  auto ns = getString(meta, "namespace").value_or("");
  if (requiresNamespace) {
    if (ns.empty()) {
      out.push_back(required(child(path, "namespace")));
    } else {
      for (auto& msg : nameIsDnsLabel(ns, false))
        out.push_back(invalid(child(path, "namespace"), json::value(ns), msg));
    }
  } else if (!ns.empty()) {
    out.push_back(forbidden(child(path, "namespace"), "not allowed on this type"));
  }
  if (auto gen = getInt(meta, "generation"); gen && *gen < 0)
    out.push_back(invalid(child(path, "generation"), json::value(*gen),
                          "must be greater than or equal to 0"));
  append(out, validateLabels(meta.if_contains("labels"), child(path, "labels")));
  append(out, validateAnnotations(meta.if_contains("annotations"), child(path, "annotations")));
  validateOwnerReferences(meta, child(path, "ownerReferences"), out);
  validateFinalizers(meta, child(path, "finalizers"), out);
  return out;
}

Causes validateObjectMetaUpdate(const json::object& obj, const json::object& old,
                                bool requiresNamespace, NameValidator nameFn,
                                std::string_view path) {
  Causes out;
  static const json::object kEmpty;
  const json::object* m = getObject(obj, "metadata");
  const json::object* o = getObject(old, "metadata");
  const json::object& meta = m ? *m : kEmpty;
  const json::object& oldMeta = o ? *o : kEmpty;
  static const json::value kEmptyString = json::string();

  // Absent and "" are the same for these string fields.
  auto immutableString = [&](std::string_view field, bool onlyWhenBothSet) {
    const json::value* now = meta.if_contains(field);
    const json::value* before = oldMeta.if_contains(field);
    if (onlyWhenBothSet && (!now || !before)) return;
    if (!now) now = &kEmptyString;
    if (!before) before = &kEmptyString;
    append(out, validateImmutableField(now, before, child(path, field)));
  };
  if (auto gen = getInt(meta, "generation"), oldGen = getInt(oldMeta, "generation");
      gen && oldGen && *gen < *oldGen)
    out.push_back(invalid(child(path, "generation"), json::value(*gen), "must not be decremented"));
  immutableString("name", false);
  immutableString("namespace", false);
  // The store carries uid and creationTimestamp over; only a client that sends a different value
  // is wrong.
  immutableString("uid", true);
  immutableString("creationTimestamp", true);
  // Finalizers cannot be added once deletion started.
  if (oldMeta.contains("deletionTimestamp")) {
    const auto* fins = getArray(meta, "finalizers");
    const auto* oldFins = getArray(oldMeta, "finalizers");
    if (fins) {
      for (const auto& f : *fins) {
        bool existed = oldFins && std::find(oldFins->begin(), oldFins->end(), f) != oldFins->end();
        if (!existed && f.is_string())
          out.push_back(forbidden(child(path, "finalizers"),
                                  "no new finalizers can be added if the object is being deleted, "
                                  "found new finalizers []string{" +
                                      goQuote(f.as_string()) + "}"));
      }
    }
  }
  // Everything else is checked as on create, except that the name rules no longer matter (the
  // name cannot change).
  Causes createCauses = validateObjectMeta(obj, requiresNamespace, nameFn, path);
  for (auto& c : createCauses) {
    if (c.field == child(path, "name") || c.field == child(path, "generateName")) continue;
    out.push_back(std::move(c));
  }
  return out;
}

Causes validateMeta(const json::object& obj, const json::object* old, bool requiresNamespace,
                    NameValidator nameFn) {
  if (old) return validateObjectMetaUpdate(obj, *old, requiresNamespace, nameFn);
  return validateObjectMeta(obj, requiresNamespace, nameFn);
}

Causes validateLabelSelector(const json::value* selector, std::string_view path) {
  Causes out;
  if (!selector || !selector->is_object()) return out;
  const auto& sel = selector->as_object();
  append(out, validateLabels(sel.if_contains("matchLabels"), child(path, "matchLabels")));
  if (const auto* exprs = getArray(sel, "matchExpressions")) {
    for (size_t i = 0; i < exprs->size(); ++i) {
      if (!(*exprs)[i].is_object()) continue;
      const auto& e = (*exprs)[i].as_object();
      std::string p = index(child(path, "matchExpressions"), i);
      auto op = getString(e, "operator").value_or("");
      const auto* values = getArray(e, "values");
      size_t n = values ? values->size() : 0;
      if (op == "In" || op == "NotIn") {
        if (n == 0)
          out.push_back(
              required(child(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
      } else if (op == "Exists" || op == "DoesNotExist") {
        if (n > 0)
          out.push_back(forbidden(child(p, "values"),
                                  "may not be specified when `operator` is 'Exists' or "
                                  "'DoesNotExist'"));
      } else {
        out.push_back(
            invalid(child(p, "operator"), json::value(op), "not a valid selector operator"));
      }
      auto k = getString(e, "key").value_or("");
      for (auto& msg : isQualifiedName(k))
        out.push_back(invalid(child(p, "key"), json::value(k), msg));
      for (size_t j = 0; j < n; ++j) {
        if (!(*values)[j].is_string()) continue;
        for (auto& msg : isValidLabelValue((*values)[j].as_string()))
          out.push_back(invalid(index(child(p, "values"), j), (*values)[j], msg));
      }
    }
  }
  return out;
}

namespace {
std::optional<std::string_view> labelOf(const json::value* labels, std::string_view k) {
  if (!labels || !labels->is_object()) return std::nullopt;
  return getString(labels->as_object(), k);
}
}  // namespace

bool labelSelectorMatches(const json::value* selector, const json::value* labels) {
  if (!selector || !selector->is_object()) return false;
  const auto& sel = selector->as_object();
  if (const auto* ml = getObject(sel, "matchLabels")) {
    for (const auto& kv : *ml) {
      auto v = labelOf(labels, kv.key());
      if (!v || !kv.value().is_string() || *v != kv.value().as_string()) return false;
    }
  }
  if (const auto* exprs = getArray(sel, "matchExpressions")) {
    for (const auto& ev : *exprs) {
      if (!ev.is_object()) return false;
      const auto& e = ev.as_object();
      auto k = getString(e, "key").value_or("");
      auto op = getString(e, "operator").value_or("");
      auto v = labelOf(labels, k);
      const auto* values = getArray(e, "values");
      auto inValues = [&] {
        if (!v || !values) return false;
        return std::any_of(values->begin(), values->end(), [&](const json::value& x) {
          return x.is_string() && x.as_string() == *v;
        });
      };
      if (op == "In") {
        if (!inValues()) return false;
      } else if (op == "NotIn") {
        if (inValues()) return false;
      } else if (op == "Exists") {
        if (!v) return false;
      } else if (op == "DoesNotExist") {
        if (v) return false;
      } else {
        return false;
      }
    }
  }
  return true;
}

bool mapSelectorMatches(const json::object& selector, const json::value* labels) {
  for (const auto& kv : selector) {
    auto v = labelOf(labels, kv.key());
    if (!v || !kv.value().is_string() || *v != kv.value().as_string()) return false;
  }
  return true;
}

Causes validateNonnegativeValue(int64_t value, std::string_view path) {
  if (value >= 0) return {};
  return {invalid(std::string(path), json::value(value), "must be greater than or equal to 0")};
}

Causes validatePositiveValue(int64_t value, std::string_view path) {
  if (value > 0) return {};
  return {invalid(std::string(path), json::value(value), "must be greater than 0")};
}

Causes validateNonnegative(const json::object& o, std::string_view field, std::string_view path) {
  auto v = getInt(o, field);
  if (!v) return {};
  return validateNonnegativeValue(*v, child(path, field));
}

bool validateOneOf(const json::object& o, std::span<const std::string_view> members,
                   std::string_view path, std::string_view missingDetail,
                   std::string_view extraDetail, Causes& out) {
  std::vector<std::string_view> set;
  for (auto m : members) {
    auto it = o.find(m);
    if (it != o.end() && !it->value().is_null()) set.push_back(m);
  }
  if (set.empty()) {
    out.push_back(required(std::string(path), missingDetail));
    return false;
  }
  for (size_t i = 1; i < set.size(); ++i)
    out.push_back(forbidden(child(path, set[i]), extraDetail));
  return true;
}

Causes validateImmutableField(const json::value* now, const json::value* before,
                              std::string_view path) {
  static const json::value kNull;
  const json::value& a = now ? *now : kNull;
  const json::value& b = before ? *before : kNull;
  if (a == b) return {};
  return {invalid(std::string(path), a, "field is immutable")};
}

}  // namespace cube::api::validation
