// Ingress (CLASS HOSTS ADDRESS PORTS AGE) and IngressClass.

#include "apiserver/tables/cell_format.h"

#include <set>

namespace cube::tables {
namespace {

// Up to three hosts, "*" when no rule names one. The "+ N more" count is of rules, hosts or not,
// as Kubernetes counts it.
std::string formatHosts(const object& spec) {
  const auto rules = objectsIn(spec, "rules");
  const size_t max = 3;
  std::vector<std::string> hosts;
  bool more = false;
  for (const object* rule : rules) {
    if (hosts.size() == max) more = true;
    std::string host = stringField(*rule, "host");
    if (!more && !host.empty()) hosts.push_back(host);
  }
  if (hosts.empty()) return "*";
  std::string out = join(hosts, ",");
  if (more) out += " + " + std::to_string(rules.size() - max) + " more...";
  return out;
}

TablePrinter ingressPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Class", "IngressClass that handles this ingress."),
               stringColumn("Hosts", "Hosts the rules match."),
               stringColumn("Address", "Addresses the ingress is reachable at."),
               stringColumn("Ports", "Ports the ingress listens on."),
               ageColumn()};
  p.cells = [](const object& ing, TimePoint now) {
    const object& spec = orEmpty(objectField(ing, "spec"));
    const object& status = orEmpty(objectField(ing, "status"));
    return array{value(objectName(ing)),
                 value(optionalStringField(spec, "ingressClassName").value_or("<none>")),
                 value(formatHosts(spec)),
                 value(loadBalancerAddresses(objectField(status, "loadBalancer"))),
                 value(fieldSize(spec, "tls") != 0 ? "80, 443" : "80"),
                 value(objectAge(ing, now))};
  };
  return p;
}

TablePrinter ingressClassPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Controller", "Controller that implements the class."),
               stringColumn("Parameters", "Object holding the class's parameters."), ageColumn()};
  p.cells = [](const object& cls, TimePoint now) {
    const object& spec = orEmpty(objectField(cls, "spec"));
    std::string parameters = "<none>";
    if (const object* params = objectField(spec, "parameters")) {
      parameters = stringField(*params, "kind");
      if (auto group = optionalStringField(*params, "apiGroup")) parameters += "." + *group;
      parameters += "/" + stringField(*params, "name");
    }
    return array{value(objectName(cls)), value(stringField(spec, "controller")), value(parameters),
                 value(objectAge(cls, now))};
  };
  return p;
}

}  // namespace

void addIngressPrinters(PrinterMap& printers) {
  printers.emplace(printerKey("networking.k8s.io", "Ingress"), ingressPrinter());
  printers.emplace(printerKey("networking.k8s.io", "IngressClass"), ingressClassPrinter());
}

}  // namespace cube::tables
