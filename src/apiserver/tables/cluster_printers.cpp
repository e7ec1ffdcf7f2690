// Namespace, Node, Lease.

#include "apiserver/tables/cell_format.h"

#include <set>

namespace cube::tables {
namespace {

TablePrinter namespacePrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Status", "Phase of the namespace."), ageColumn()};
  p.cells = [](const object& ns, TimePoint now) {
    const object& status = orEmpty(objectField(ns, "status"));
    return array{value(objectName(ns)), value(stringField(status, "phase")),
                 value(objectAge(ns, now))};
  };
  return p;
}

// "Ready", "NotReady" or "Unknown" from the Ready condition, then ",SchedulingDisabled" for a
// cordoned node.
std::string nodeStatus(const object& node) {
  const object& spec = orEmpty(objectField(node, "spec"));
  const object& status = orEmpty(objectField(node, "status"));
  std::string out = "Unknown";
  // The last Ready condition wins, as a map keyed by type keeps the last.
  for (const object* c : objectsIn(status, "conditions")) {
    if (stringField(*c, "type") != "Ready") continue;
    out = stringField(*c, "status") == "True" ? "Ready" : "NotReady";
  }
  if (boolField(spec, "unschedulable")) out += ",SchedulingDisabled";
  return out;
}

std::string nodeRoles(const object& node) {
  static constexpr std::string_view kRolePrefix = "node-role.kubernetes.io/";
  std::set<std::string> roles;
  const object* meta = objectField(node, "metadata");
  const object* labels = meta ? objectField(*meta, "labels") : nullptr;
  if (labels) {
    for (const auto& kv : *labels) {
      std::string_view key = kv.key();
      if (key.substr(0, kRolePrefix.size()) == kRolePrefix) {
        if (key.size() > kRolePrefix.size())
          roles.insert(std::string(key.substr(kRolePrefix.size())));
      } else if (key == "kubernetes.io/role") {
        const auto* v = kv.value().if_string();
        if (v && !v->empty()) roles.insert(std::string(v->data(), v->size()));
      }
    }
  }
  if (roles.empty()) return "<none>";
  return join(std::vector<std::string>(roles.begin(), roles.end()), ",");
}

std::string nodeAddress(const object& status, std::string_view type) {
  for (const object* addr : objectsIn(status, "addresses")) {
    if (stringField(*addr, "type") == type) return stringField(*addr, "address");
  }
  return "<none>";
}

std::string orUnknown(std::string s) {
  return s.empty() ? "<unknown>" : s;
}

TablePrinter nodePrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Status", "Readiness of the node and whether it is cordoned."),
               stringColumn("Roles", "Roles from the node's node-role labels."),
               ageColumn(),
               stringColumn("Version", "Version of the node agent (kubelet)."),
               stringColumn("Internal-IP", "First internal address of the node.", 1),
               stringColumn("External-IP", "First external address of the node.", 1),
               stringColumn("OS-Image", "Operating system of the node.", 1),
               stringColumn("Kernel-Version", "Kernel version of the node.", 1),
               stringColumn("Container-Runtime", "Container runtime and its version.", 1)};
  p.cells = [](const object& node, TimePoint now) {
    const object& status = orEmpty(objectField(node, "status"));
    const object& info = orEmpty(objectField(status, "nodeInfo"));
    return array{value(objectName(node)),
                 value(nodeStatus(node)),
                 value(nodeRoles(node)),
                 value(objectAge(node, now)),
                 value(stringField(info, "kubeletVersion")),
                 value(nodeAddress(status, "InternalIP")),
                 value(nodeAddress(status, "ExternalIP")),
                 value(orUnknown(stringField(info, "osImage"))),
                 value(orUnknown(stringField(info, "kernelVersion"))),
                 value(orUnknown(stringField(info, "containerRuntimeVersion")))};
  };
  return p;
}

TablePrinter leasePrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Holder", "Identity holding the lease."), ageColumn()};
  p.cells = [](const object& lease, TimePoint now) {
    const object& spec = orEmpty(objectField(lease, "spec"));
    return array{value(objectName(lease)), value(stringField(spec, "holderIdentity")),
                 value(objectAge(lease, now))};
  };
  return p;
}

}  // namespace

void addClusterPrinters(PrinterMap& printers) {
  printers.emplace(printerKey("", "Namespace"), namespacePrinter());
  printers.emplace(printerKey("", "Node"), nodePrinter());
  printers.emplace(printerKey("coordination.k8s.io", "Lease"), leasePrinter());
}

}  // namespace cube::tables
