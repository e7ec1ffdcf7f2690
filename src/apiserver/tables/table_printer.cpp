#include "apiserver/tables/table_printer.h"

#include "apiserver/tables/cell_format.h"

namespace cube::tables {
namespace {

// Kubernetes' default table convertor (apiserver registry/rest/table.go): kinds without a
// printer of their own, e.g. Role, ClusterRole, LimitRange, CustomResources without
// additionalPrinterColumns.
TablePrinter defaultPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               {"Created At", "date", "", "Time the object was created (RFC 3339, UTC).", 0}};
  p.cells = [](const object& obj, TimePoint) {
    const object* meta = objectField(obj, "metadata");
    std::optional<TimePoint> created;
    if (meta) created = parseRfc3339(stringField(*meta, "creationTimestamp"));
    // An unset timestamp prints as Go's zero time, as Kubernetes does.
    return array{value(objectName(obj)),
                 value(created ? formatRfc3339(*created) : "0001-01-01T00:00:00Z")};
  };
  return p;
}

const PrinterMap& printers() {
  static const PrinterMap map = [] {
    PrinterMap m;
    addPodPrinters(m);
    addWorkloadPrinters(m);
    addBatchPrinters(m);
    addServicePrinters(m);
    addIngressPrinters(m);
    addClusterPrinters(m);
    addEventPrinters(m);
    addConfigPrinters(m);
    addStoragePrinters(m);
    addRbacPrinters(m);
    addPolicyPrinters(m);
    return m;
  }();
  return map;
}

object columnJson(const TableColumn& c) {
  // Every field is written, empty or zero included, as metav1.TableColumnDefinition marshals.
  return object{{"name", c.name},
                {"type", c.type},
                {"format", c.format},
                {"description", c.description},
                {"priority", c.priority}};
}

object partialObjectMetadata(const object& obj, const std::string& apiVersion) {
  object partial{{"kind", "PartialObjectMetadata"}, {"apiVersion", apiVersion}};
  const object* meta = objectField(obj, "metadata");
  partial["metadata"] = meta ? *meta : object{};
  return partial;
}

}  // namespace

const TablePrinter& tablePrinterFor(std::string_view group, std::string_view kind) {
  static const TablePrinter fallback = defaultPrinter();
  const PrinterMap& map = printers();
  auto it = map.find(printerKey(group, kind));
  return it == map.end() ? fallback : it->second;
}

bool hasTablePrinter(std::string_view group, std::string_view kind) {
  return printers().count(printerKey(group, kind)) != 0;
}

std::optional<IncludeObject> parseIncludeObject(std::string_view v) {
  if (v.empty() || v == "Metadata") return IncludeObject::Metadata;
  if (v == "Object") return IncludeObject::Object;
  if (v == "None") return IncludeObject::None;
  return std::nullopt;
}

array columnDefinitionsJson(const TablePrinter& printer) {
  array out;
  out.reserve(printer.columns.size());
  for (const TableColumn& c : printer.columns) out.push_back(columnJson(c));
  return out;
}

object buildTable(std::string_view group, std::string_view kind,
                  const std::vector<const object*>& objects, const object& listMeta,
                  const TableOptions& options, TimePoint now) {
  const TablePrinter& printer = tablePrinterFor(group, kind);

  object meta;
  if (auto rv = optionalStringField(listMeta, "resourceVersion"); rv && !rv->empty()) {
    meta["resourceVersion"] = *rv;
  }
  if (auto cont = optionalStringField(listMeta, "continue"); cont && !cont->empty()) {
    meta["continue"] = *cont;
  }
  if (auto remaining = optionalIntField(listMeta, "remainingItemCount")) {
    meta["remainingItemCount"] = *remaining;
  }

  array rows;
  rows.reserve(objects.size());
  for (const object* obj : objects) {
    if (!obj) continue;
    object row;
    row["cells"] = printer.cells(*obj, now);
    if (printer.conditions) {
      array conditions = printer.conditions(*obj);
      if (!conditions.empty()) row["conditions"] = std::move(conditions);
    }
    switch (options.includeObject) {
      case IncludeObject::Metadata:
        row["object"] = partialObjectMetadata(*obj, options.apiVersion);
        break;
      case IncludeObject::Object:
        row["object"] = *obj;
        break;
      case IncludeObject::None:
        break;
    }
    rows.push_back(std::move(row));
  }

  object table{{"kind", "Table"}, {"apiVersion", options.apiVersion}};
  table["metadata"] = std::move(meta);
  // Go marshals the nil slice of a no-headers Table as null; kubectl reads both alike.
  table["columnDefinitions"] = options.noHeaders ? array{} : columnDefinitionsJson(printer);
  table["rows"] = std::move(rows);
  return table;
}

}  // namespace cube::tables
