#pragma once
// Server-side Table output (meta.k8s.io/v1 Table) for `kubectl get`.
//
// kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io` and prints the rows it gets, so
// the columns and cells here are what Kubernetes' own printers produce for each kind
// (pkg/printers/internalversion). As in Kubernetes, the server always sends the wide columns
// (priority 1); kubectl drops them unless `-o wide`.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cube::tables {

// One TableColumnDefinition. `name` is Kubernetes' spelling ("Up-to-date", "Port(s)"); kubectl
// upper-cases it for the header.
struct TableColumn {
  std::string name;
  std::string type;    // "string", "integer", "boolean", "date"
  std::string format;  // "name" for the object-name column, else ""
  std::string description;
  int priority = 0;  // 1 = shown only with -o wide
};

struct TablePrinter {
  std::vector<TableColumn> columns;
  // One row's cells for an object, one per column, printed from the stored JSON. Never throws on
  // missing or ill-typed fields: those print as Kubernetes prints the zero value.
  std::function<boost::json::array(const boost::json::object& obj,
                                   std::chrono::system_clock::time_point now)>
      cells;
  // Optional row conditions (TableRowCondition), e.g. Completed for finished pods. Null = none.
  std::function<boost::json::array(const boost::json::object& obj)> conditions;
};

// The printer for a kind (group "" = core; kind as in the object's `kind`), or the default one
// (Name, Created At — Kubernetes' default table convertor) for kinds without their own printer.
const TablePrinter& tablePrinterFor(std::string_view group, std::string_view kind);
// Whether `kind` has a printer of its own (false = the default Name/Created At one).
bool hasTablePrinter(std::string_view group, std::string_view kind);

// `includeObject` query parameter of a Table request.
enum class IncludeObject {
  None,      // rows[].object omitted
  Metadata,  // rows[].object = PartialObjectMetadata (the default; kubectl needs it for -L,
             // --show-labels and the NAMESPACE column of -A)
  Object,    // rows[].object = the whole object
};
// "" and "Metadata" -> Metadata, "Object", "None"; nullopt for anything else (a 400 for callers).
std::optional<IncludeObject> parseIncludeObject(std::string_view value);

struct TableOptions {
  IncludeObject includeObject = IncludeObject::Metadata;
  bool noHeaders = false;  // TableOptions.noHeaders: omit columnDefinitions
  // Group/version the Table was requested in: the Table's and PartialObjectMetadata's apiVersion.
  std::string apiVersion = "meta.k8s.io/v1";
};

// Builds the whole Table for a list (or a single object: pass one object and its
// resourceVersion in listMeta): kind/apiVersion, metadata from `listMeta` (resourceVersion,
// continue, remainingItemCount), columnDefinitions, and one row per object with its cells and
// `object` as `options.includeObject` says. Objects are given in the version the client asked for
// (IncludeObject::Object returns them as they are).
boost::json::object buildTable(std::string_view group, std::string_view kind,
                               const std::vector<const boost::json::object*>& objects,
                               const boost::json::object& listMeta, const TableOptions& options,
                               std::chrono::system_clock::time_point now);

// The columnDefinitions array of a printer, as JSON.
boost::json::array columnDefinitionsJson(const TablePrinter& printer);

}  // namespace cube::tables
