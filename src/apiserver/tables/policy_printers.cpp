// Kinds beyond the core set that Kubernetes also prints with their own columns: NetworkPolicy,
// PodTemplate, PodDisruptionBudget, PriorityClass. Cheap to carry, and without them kubectl
// would show NAME / CREATED AT where users expect Kubernetes' columns.

#include "apiserver/tables/cell_format.h"

namespace cube::tables {
namespace {

TablePrinter networkPolicyPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Pod-Selector", "Pods the policy applies to."),
               ageColumn()};
  p.cells = [](const object& np, TimePoint now) {
    const object& spec = orEmpty(objectField(np, "spec"));
    // podSelector is a struct, not a pointer: an absent one is the empty selector.
    static const object emptySelector;
    const object* selector = objectField(spec, "podSelector");
    return array{value(objectName(np)),
                 value(formatLabelSelector(selector ? selector : &emptySelector)),
                 value(objectAge(np, now))};
  };
  return p;
}

TablePrinter podTemplatePrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Containers", "Names of the template's containers."),
               stringColumn("Images", "Images of the template's containers."),
               stringColumn("Pod Labels", "Labels of the pod template.")};
  p.cells = [](const object& pt, TimePoint) {
    const object& tmpl = orEmpty(objectField(pt, "template"));
    auto [names, images] = containerNamesAndImages(objectField(tmpl, "spec"));
    const object* meta = objectField(tmpl, "metadata");
    return array{value(objectName(pt)), value(names), value(images),
                 value(formatLabels(meta ? objectField(*meta, "labels") : nullptr))};
  };
  return p;
}

// An IntOrString as it prints: 1 or "50%"; "N/A" when unset.
std::string intOrString(const object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return "N/A";
  if (const auto* s = it->value().if_string()) return std::string(s->data(), s->size());
  return std::to_string(intField(o, key));
}

TablePrinter podDisruptionBudgetPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Min Available", "Pods that must stay available."),
               stringColumn("Max Unavailable", "Pods that may be unavailable."),
               integerColumn("Allowed Disruptions", "Pods that may be disrupted now."),
               ageColumn()};
  p.cells = [](const object& pdb, TimePoint now) {
    const object& spec = orEmpty(objectField(pdb, "spec"));
    const object& status = orEmpty(objectField(pdb, "status"));
    return array{value(objectName(pdb)), value(intOrString(spec, "minAvailable")),
                 value(intOrString(spec, "maxUnavailable")),
                 value(intField(status, "disruptionsAllowed")), value(objectAge(pdb, now))};
  };
  return p;
}

TablePrinter priorityClassPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), integerColumn("Value", "Priority of pods using the class."),
               booleanColumn("Global-Default", "Whether pods without a class get this one."),
               ageColumn(),
               stringColumn("PreemptionPolicy", "Whether pods of the class preempt others.", 1)};
  p.cells = [](const object& pc, TimePoint now) {
    return array{value(objectName(pc)), value(intField(pc, "value")),
                 value(boolField(pc, "globalDefault")), value(objectAge(pc, now)),
                 value(stringField(pc, "preemptionPolicy"))};
  };
  return p;
}

}  // namespace

void addPolicyPrinters(PrinterMap& printers) {
  printers.emplace(printerKey("networking.k8s.io", "NetworkPolicy"), networkPolicyPrinter());
  printers.emplace(printerKey("", "PodTemplate"), podTemplatePrinter());
  printers.emplace(printerKey("policy", "PodDisruptionBudget"), podDisruptionBudgetPrinter());
  printers.emplace(printerKey("scheduling.k8s.io", "PriorityClass"), priorityClassPrinter());
}

}  // namespace cube::tables
