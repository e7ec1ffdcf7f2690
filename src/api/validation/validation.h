#pragma once
// Shared semantic validation for API objects: the field-error constructors (with Kubernetes'
// exact cause reasons and messages), name/label checks and ObjectMeta validation that every
// kind's strategy uses. Messages match Kubernetes byte for byte because kubectl users and tests
// compare them.
//
// Paths follow Kubernetes' field.Path printing: `spec.containers[0].image`, map keys as
// `data[key]`.

#include "common/api_error.h"
#include "common/quantity.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cube::api::validation {

using Causes = std::vector<StatusCause>;

// Appends `more` to `out`.
void append(Causes& out, Causes more);

// --- Field error constructors (Kubernetes field.Required, field.Invalid, ...) ---------------
// `message` is what Kubernetes' ErrorBody() prints, e.g. `Invalid value: "x": must be ...`.

StatusCause required(std::string path, std::string_view detail = "");
StatusCause invalid(std::string path, const boost::json::value& value, std::string_view detail);
// As invalid() but with the value already printed the Go way (e.g. `map[string]string{...}`).
StatusCause invalidPrinted(std::string path, std::string_view printedValue,
                           std::string_view detail);
StatusCause notSupported(std::string path, const boost::json::value& value,
                         const std::vector<std::string>& validValues);
StatusCause duplicate(std::string path, const boost::json::value& value);
StatusCause notFound(std::string path, const boost::json::value& value);
StatusCause forbidden(std::string path, std::string_view detail);
// "Too long: may not be more than N bytes".
StatusCause tooLong(std::string path, int64_t maxBytes);
StatusCause tooMany(std::string path, int64_t actual, int64_t max);

// A JSON value printed as Go's %v/%q would print the corresponding Go value: strings quoted,
// numbers and booleans bare, string maps as `map[string]string{"a":"b"}`, null as `null`.
std::string goPrint(const boost::json::value& value);
// Go's strconv.Quote.
std::string goQuote(std::string_view s);

// --- Path helpers ---------------------------------------------------------------------------
std::string child(std::string_view path, std::string_view name);  // "a" + "b" -> "a.b"
std::string index(std::string_view path, size_t i);               // "a[3]"
std::string key(std::string_view path, std::string_view k);       // "a[k]"

// --- JSON accessors (null when absent or of another type) -----------------------------------
const boost::json::object* getObject(const boost::json::object& o, std::string_view k);
const boost::json::array* getArray(const boost::json::object& o, std::string_view k);
std::optional<std::string_view> getString(const boost::json::object& o, std::string_view k);
std::optional<int64_t> getInt(const boost::json::object& o, std::string_view k);
std::optional<bool> getBool(const boost::json::object& o, std::string_view k);
boost::json::object& ensureObject(boost::json::object& o, std::string_view k);

// --- String format checks (apimachinery util/validation): each returns the error messages,
// empty when valid. ------------------------------------------------------------------------
std::vector<std::string> isDns1123Label(std::string_view value);
std::vector<std::string> isDns1123Subdomain(std::string_view value);
std::vector<std::string> isDns1035Label(std::string_view value);
std::vector<std::string> isQualifiedName(std::string_view value);  // label / annotation keys
std::vector<std::string> isValidLabelValue(std::string_view value);
std::vector<std::string> isConfigMapKey(std::string_view value);  // ConfigMap/Secret data keys
std::vector<std::string> isEnvVarName(std::string_view value);
std::vector<std::string> isCIdentifier(std::string_view value);
std::vector<std::string> isValidPortNum(int64_t port);             // 1..65535
std::vector<std::string> isValidPortName(std::string_view value);  // IANA_SVC_NAME
std::vector<std::string> isValidIp(std::string_view value);
std::vector<std::string> isHttpHeaderName(std::string_view value);
std::vector<std::string> isValidPercent(std::string_view value);

// Message helpers used by the checks above, exposed for kinds with their own rules.
std::string maxLenError(int64_t length);                  // "must be no more than N characters"
std::string inclusiveRangeError(int64_t lo, int64_t hi);  // "must be between lo and hi, inclusive"
std::string regexError(std::string_view msg, std::string_view fmt,
                       const std::vector<std::string>& examples);

// --- Object names ---------------------------------------------------------------------------
// A name validator: messages for `name`; with `prefix` a trailing '-' is allowed (generateName).
using NameValidator = std::vector<std::string> (*)(std::string_view name, bool prefix);
std::vector<std::string> nameIsDnsSubdomain(std::string_view name, bool prefix);
std::vector<std::string> nameIsDnsLabel(std::string_view name, bool prefix);      // Namespace
std::vector<std::string> nameIsDns1035Label(std::string_view name, bool prefix);  // Service
// Names that are path segments only (no '/' '%', not "." or ".."): RBAC roles, ...
std::vector<std::string> nameIsPathSegment(std::string_view name, bool prefix);

// --- Metadata -------------------------------------------------------------------------------
// Labels: keys must be qualified names, values valid label values. `path` is e.g.
// "metadata.labels"; errors name that path (as Kubernetes does), not the key.
Causes validateLabels(const boost::json::value* labels, std::string_view path);
// Annotations: keys qualified names (lower-cased), total size at most 256 KiB.
Causes validateAnnotations(const boost::json::value* annotations, std::string_view path);
// ObjectMeta of a top-level object (`obj` is the whole object). `requiresNamespace`: namespaced
// kinds must carry metadata.namespace, cluster-scoped kinds must not.
Causes validateObjectMeta(const boost::json::object& obj, bool requiresNamespace,
                          NameValidator nameFn, std::string_view path = "metadata");
// Update rules of ObjectMeta: name, namespace, uid, creationTimestamp immutable; plus
// validateObjectMeta on the new object.
Causes validateObjectMetaUpdate(const boost::json::object& obj, const boost::json::object& old,
                                bool requiresNamespace, NameValidator nameFn,
                                std::string_view path = "metadata");
// Convenience: create or update validation depending on `old`.
Causes validateMeta(const boost::json::object& obj, const boost::json::object* old,
                    bool requiresNamespace, NameValidator nameFn);

// --- Selectors ------------------------------------------------------------------------------
// metav1.LabelSelector (matchLabels + matchExpressions).
Causes validateLabelSelector(const boost::json::value* selector, std::string_view path);
// True when `labels` (a string map, may be null) satisfies the metav1.LabelSelector. An empty
// selector matches everything; a null selector matches nothing.
bool labelSelectorMatches(const boost::json::value* selector, const boost::json::value* labels);
// True when every key/value of the map selector `selector` is in `labels` (RC/Service style).
bool mapSelectorMatches(const boost::json::object& selector, const boost::json::value* labels);

// --- Numbers --------------------------------------------------------------------------------
// "must be greater than or equal to 0" when the (integer) field is negative.
Causes validateNonnegative(const boost::json::object& o, std::string_view field,
                           std::string_view path);
// Invalid value with "must be greater than or equal to 0" etc. for an explicit value.
Causes validateNonnegativeValue(int64_t value, std::string_view path);
Causes validatePositiveValue(int64_t value, std::string_view path);

// --- Unions ---------------------------------------------------------------------------------
// A union of which exactly one member may be set (present and not null), such as volume sources
// or probe handlers: Required at `path` with `missingDetail` when none is, Forbidden at
// `path.<member>` with `extraDetail` for each one after the first (in `members` order). Returns
// whether any member is set.
bool validateOneOf(const boost::json::object& o, std::span<const std::string_view> members,
                   std::string_view path, std::string_view missingDetail,
                   std::string_view extraDetail, Causes& out);

// --- Quantities -----------------------------------------------------------------------------
// The error for a value that is not a quantity, as Kubernetes' JSON decoder words it.
inline constexpr std::string_view kQuantityRegexError =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
// The quantity a JSON value holds (a string as written, anything else as its JSON text, which
// only numbers can parse as); nullopt when it is not a valid quantity.
std::optional<Quantity> quantityOf(const boost::json::value& value);
// A quantity at `path` that must not be negative: Invalid with kQuantityRegexError when `value`
// is not a quantity, "must be greater than or equal to 0" when it is below zero. Returns the
// parsed quantity (also a negative one), nullopt when it does not parse.
std::optional<Quantity> validateNonnegativeQuantity(const boost::json::value& value,
                                                    const std::string& path, Causes& out);

// --- Immutability ---------------------------------------------------------------------------
// `Invalid value: <new>: field is immutable` when the values differ (absent == null).
Causes validateImmutableField(const boost::json::value* now, const boost::json::value* before,
                              std::string_view path);

}  // namespace cube::api::validation
