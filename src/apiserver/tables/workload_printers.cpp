// ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, ControllerRevision.

#include "apiserver/tables/cell_format.h"

#include <cctype>

namespace cube::tables {
namespace {

// spec.replicas is defaulted to 1 on write; an object stored without it means 1 as well.
int64_t desiredReplicas(const object& spec) {
  return intField(spec, "replicas", 1);
}

const object* templatePodSpec(const object& spec) {
  return objectPath(spec, {"template", "spec"});
}

TableColumn selectorColumn() {
  return stringColumn("Selector", "Label selector of the pods this object manages.", 1);
}

// DESIRED CURRENT READY AGE (+ wide CONTAINERS IMAGES SELECTOR): RC and RS share the shape.
std::vector<TableColumn> replicaColumns() {
  return {nameColumn(),
          integerColumn("Desired", "Number of replicas wanted (spec.replicas)."),
          integerColumn("Current", "Number of replicas that exist (status.replicas)."),
          integerColumn("Ready", "Number of ready replicas (status.readyReplicas)."),
          ageColumn(),
          containersColumn(),
          imagesColumn(),
          selectorColumn()};
}

array replicaCells(const object& obj, TimePoint now, bool mapSelector) {
  const object& spec = orEmpty(objectField(obj, "spec"));
  const object& status = orEmpty(objectField(obj, "status"));
  auto [names, images] = containerNamesAndImages(templatePodSpec(spec));
  // A ReplicationController's selector is a plain label map; a ReplicaSet's a LabelSelector.
  std::string selector = mapSelector ? formatLabels(objectField(spec, "selector"))
                                     : formatLabelSelector(objectField(spec, "selector"));
  return array{value(objectName(obj)),
               value(desiredReplicas(spec)),
               value(intField(status, "replicas")),
               value(intField(status, "readyReplicas")),
               value(objectAge(obj, now)),
               value(names),
               value(images),
               value(selector)};
}

TablePrinter replicationControllerPrinter() {
  TablePrinter p;
  p.columns = replicaColumns();
  p.cells = [](const object& obj, TimePoint now) { return replicaCells(obj, now, true); };
  return p;
}

TablePrinter replicaSetPrinter() {
  TablePrinter p;
  p.columns = replicaColumns();
  p.cells = [](const object& obj, TimePoint now) { return replicaCells(obj, now, false); };
  return p;
}

TablePrinter deploymentPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Ready", "Ready replicas out of desired replicas."),
               stringColumn("Up-to-date", "Replicas running the current pod template."),
               stringColumn("Available", "Replicas available to serve."),
               ageColumn(),
               containersColumn(),
               imagesColumn(),
               selectorColumn()};
  p.cells = [](const object& obj, TimePoint now) {
    const object& spec = orEmpty(objectField(obj, "spec"));
    const object& status = orEmpty(objectField(obj, "status"));
    auto [names, images] = containerNamesAndImages(templatePodSpec(spec));
    // Deployments print the selector bare: "" when empty and "<invalid>" when unconvertible.
    std::string selector = labelSelectorString(objectField(spec, "selector")).value_or("<invalid>");
    return array{value(objectName(obj)),
                 value(std::to_string(intField(status, "readyReplicas")) + "/" +
                       std::to_string(desiredReplicas(spec))),
                 value(intField(status, "updatedReplicas")),
                 value(intField(status, "availableReplicas")),
                 value(objectAge(obj, now)),
                 value(names),
                 value(images),
                 value(selector)};
  };
  return p;
}

TablePrinter daemonSetPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               integerColumn("Desired", "Nodes that should run the daemon pod."),
               integerColumn("Current", "Nodes running at least one daemon pod."),
               integerColumn("Ready", "Nodes whose daemon pod is ready."),
               integerColumn("Up-to-date", "Nodes running the current pod template."),
               integerColumn("Available", "Nodes whose daemon pod is available."),
               stringColumn("Node Selector", "Node selector of the pod template."),
               ageColumn(),
               containersColumn(),
               imagesColumn(),
               selectorColumn()};
  p.cells = [](const object& obj, TimePoint now) {
    const object& spec = orEmpty(objectField(obj, "spec"));
    const object& status = orEmpty(objectField(obj, "status"));
    const object* podSpec = templatePodSpec(spec);
    auto [names, images] = containerNamesAndImages(podSpec);
    return array{value(objectName(obj)),
                 value(intField(status, "desiredNumberScheduled")),
                 value(intField(status, "currentNumberScheduled")),
                 value(intField(status, "numberReady")),
                 value(intField(status, "updatedNumberScheduled")),
                 value(intField(status, "numberAvailable")),
                 value(formatLabels(podSpec ? objectField(*podSpec, "nodeSelector") : nullptr)),
                 value(objectAge(obj, now)),
                 value(names),
                 value(images),
                 value(formatLabelSelector(objectField(spec, "selector")))};
  };
  return p;
}

TablePrinter statefulSetPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Ready", "Ready replicas out of desired replicas."),
               ageColumn(), containersColumn(), imagesColumn()};
  p.cells = [](const object& obj, TimePoint now) {
    const object& spec = orEmpty(objectField(obj, "spec"));
    const object& status = orEmpty(objectField(obj, "status"));
    auto [names, images] = containerNamesAndImages(templatePodSpec(spec));
    return array{value(objectName(obj)),
                 value(std::to_string(intField(status, "readyReplicas")) + "/" +
                       std::to_string(desiredReplicas(spec))),
                 value(objectAge(obj, now)), value(names), value(images)};
  };
  return p;
}

// "daemonset.apps/web" for the controlling owner, "<none>" without one.
std::string controllerOf(const object& obj) {
  const object* meta = objectField(obj, "metadata");
  if (!meta) return "<none>";
  for (const object* ref : objectsIn(*meta, "ownerReferences")) {
    if (!boolField(*ref, "controller")) continue;
    std::string apiVersion = stringField(*ref, "apiVersion");
    std::string kind = stringField(*ref, "kind");
    std::string name = stringField(*ref, "name");
    auto slash = apiVersion.find('/');
    std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
    if (kind.empty() && group.empty()) return name;
    std::string groupKind = group.empty() ? kind : kind + "." + group;
    return toLower(groupKind) + "/" + name;
  }
  return "<none>";
}

TablePrinter controllerRevisionPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Controller", "Object that owns this revision."),
               stringColumn("Revision", "Revision number of the recorded state."), ageColumn()};
  p.cells = [](const object& obj, TimePoint now) {
    return array{value(objectName(obj)), value(controllerOf(obj)), value(intField(obj, "revision")),
                 value(objectAge(obj, now))};
  };
  return p;
}

}  // namespace

void addWorkloadPrinters(PrinterMap& printers) {
  printers.emplace(printerKey("", "ReplicationController"), replicationControllerPrinter());
  printers.emplace(printerKey("apps", "ReplicaSet"), replicaSetPrinter());
  printers.emplace(printerKey("apps", "Deployment"), deploymentPrinter());
  printers.emplace(printerKey("apps", "DaemonSet"), daemonSetPrinter());
  printers.emplace(printerKey("apps", "StatefulSet"), statefulSetPrinter());
  printers.emplace(printerKey("apps", "ControllerRevision"), controllerRevisionPrinter());
}

}  // namespace cube::tables
