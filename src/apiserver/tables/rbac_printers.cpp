// RoleBinding and ClusterRoleBinding: ROLE AGE; wide USERS GROUPS SERVICEACCOUNTS.
// Role and ClusterRole have no printer of their own in Kubernetes: they print with the default
// NAME / CREATED AT table.

#include "apiserver/tables/cell_format.h"

namespace cube::tables {
namespace {

TablePrinter bindingPrinter(std::string_view what) {
  const std::string in = " in the " + std::string(what) + ".";
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Role", "Kind/name of the role granted."),
               ageColumn(),
               stringColumn("Users", "Users" + in, 1),
               stringColumn("Groups", "Groups" + in, 1),
               stringColumn("ServiceAccounts", "Service accounts (namespace/name)" + in, 1)};
  p.cells = [](const object& binding, TimePoint now) {
    const object& roleRef = orEmpty(objectField(binding, "roleRef"));
    std::vector<std::string> users, groups, serviceAccounts;
    for (const object* subject : objectsIn(binding, "subjects")) {
      const std::string kind = stringField(*subject, "kind");
      if (kind == "ServiceAccount") {
        serviceAccounts.push_back(stringField(*subject, "namespace") + "/" +
                                  stringField(*subject, "name"));
      } else if (kind == "User") {
        users.push_back(stringField(*subject, "name"));
      } else if (kind == "Group") {
        groups.push_back(stringField(*subject, "name"));
      }
    }
    return array{value(objectName(binding)),
                 value(stringField(roleRef, "kind") + "/" + stringField(roleRef, "name")),
                 value(objectAge(binding, now)),
                 value(join(users, ", ")),
                 value(join(groups, ", ")),
                 value(join(serviceAccounts, ", "))};
  };
  return p;
}

}  // namespace

void addRbacPrinters(PrinterMap& printers) {
  printers.emplace(printerKey("rbac.authorization.k8s.io", "RoleBinding"),
                   bindingPrinter("roleBinding"));
  printers.emplace(printerKey("rbac.authorization.k8s.io", "ClusterRoleBinding"),
                   bindingPrinter("clusterRoleBinding"));
}

}  // namespace cube::tables
