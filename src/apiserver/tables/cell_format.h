#pragma once
// Helpers the per-kind printers share: tolerant field access on stored JSON and the formatting
// rules Kubernetes' printers use everywhere (labels, selectors, container lists, ages). Internal
// to src/apiserver/tables.

#include "apiserver/tables/human_duration.h"
#include "apiserver/tables/table_printer.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cube::tables {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// --- field access: absent, null or ill-typed fields read as absent --------------------------

const object* objectField(const object& o, std::string_view key);
// `o` itself, or a shared empty object when null: lets printers read fields of optional parts.
const object& orEmpty(const object* o);
// Nested objects, e.g. objectPath(pod, {"spec", "template", "spec"}).
const object* objectPath(const object& o, std::initializer_list<std::string_view> keys);
const array* arrayField(const object& o, std::string_view key);
// The object elements of an array field (non-objects skipped).
std::vector<const object*> objectsIn(const object& o, std::string_view key);
std::string stringField(const object& o, std::string_view key);
std::optional<std::string> optionalStringField(const object& o, std::string_view key);
std::optional<int64_t> optionalIntField(const object& o, std::string_view key);
int64_t intField(const object& o, std::string_view key, int64_t fallback = 0);
std::optional<bool> optionalBoolField(const object& o, std::string_view key);
bool boolField(const object& o, std::string_view key, bool fallback = false);
// Number of members of an object field or elements of an array field (0 when absent).
size_t fieldSize(const object& o, std::string_view key);
// Present and not null.
bool hasField(const object& o, std::string_view key);

// --- metadata -----------------------------------------------------------------------------

std::string objectName(const object& obj);
// AGE cell: age of metadata.creationTimestamp, "<unknown>" when unset.
std::string objectAge(const object& obj, TimePoint now);
bool hasDeletionTimestamp(const object& obj);
// Age of a timestamp field of `o`, "<unknown>" when unset.
std::string fieldAge(const object& o, std::string_view key, TimePoint now);

// --- formatting ---------------------------------------------------------------------------

std::string join(const std::vector<std::string>& parts, std::string_view sep);

// The distinct IPs (or hostnames where there is no IP) of a LoadBalancerStatus, sorted and
// comma-separated: the EXTERNAL-IP of services and the ADDRESS of ingresses.
std::string loadBalancerAddresses(const object* loadBalancer);
// ASCII lower-casing (kinds in "deployment/web" style references).
std::string toLower(std::string s);
// labels.FormatLabels: "k1=v1,k2=v2" sorted by key, "<none>" when empty.
std::string formatLabels(const object* labels);
// labels.Selector.String() of a metav1.LabelSelector: "" for a null or empty selector, nullopt
// when it cannot be converted (unknown operator, wrong number of values).
std::optional<std::string> labelSelectorString(const object* selector);
// metav1.FormatLabelSelector: as above but "<none>" when empty and "<error>" when invalid.
std::string formatLabelSelector(const object* selector);
// Container names and images, each comma-joined (wide CONTAINERS / IMAGES columns).
std::pair<std::string, std::string> containerNamesAndImages(const object* podSpec);
// PV access modes as RWO,ROX,RWX,RWOP (in that order, duplicates dropped).
std::string accessModesString(const array* modes);
// A resource quantity string from a resource map ("0" when absent, as a zero Quantity prints).
std::string quantityField(const object* resources, std::string_view name);
// Comma-joined list of the first `max` items followed by " + N more..." when there are more;
// `emptyText` when there are none.
std::string listWithMore(const std::vector<std::string>& items, size_t max,
                         std::string_view emptyText);
// Go's %q-free bool printing of printers.go: "True"/"False", "<unset>" when absent.
std::string boolPointerString(std::optional<bool> v);

// --- columns ------------------------------------------------------------------------------

TableColumn nameColumn();
TableColumn ageColumn();
TableColumn stringColumn(std::string name, std::string description, int priority = 0);
TableColumn integerColumn(std::string name, std::string description, int priority = 0);
TableColumn booleanColumn(std::string name, std::string description, int priority = 0);
// The wide CONTAINERS and IMAGES columns of workload kinds.
TableColumn containersColumn();
TableColumn imagesColumn();

// --- registry -----------------------------------------------------------------------------

// Printers by "Kind.group" ("Pod." for core).
using PrinterMap = std::map<std::string, TablePrinter, std::less<>>;
std::string printerKey(std::string_view group, std::string_view kind);

// One registration function per printer file.
void addPodPrinters(PrinterMap& printers);       // pod_printer.cpp
void addWorkloadPrinters(PrinterMap& printers);  // workload_printers.cpp
void addBatchPrinters(PrinterMap& printers);     // batch_printers.cpp
void addServicePrinters(PrinterMap& printers);   // service_printers.cpp
void addIngressPrinters(PrinterMap& printers);   // ingress_printers.cpp
void addClusterPrinters(PrinterMap& printers);   // cluster_printers.cpp
void addEventPrinters(PrinterMap& printers);     // event_printer.cpp
void addConfigPrinters(PrinterMap& printers);    // config_printers.cpp
void addStoragePrinters(PrinterMap& printers);   // storage_printers.cpp
void addRbacPrinters(PrinterMap& printers);      // rbac_printers.cpp
void addPolicyPrinters(PrinterMap& printers);    // policy_printers.cpp

}  // namespace cube::tables
