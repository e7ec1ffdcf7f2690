// ConfigMap, Secret, ServiceAccount, ResourceQuota.

#include "apiserver/tables/cell_format.h"

#include <algorithm>
#include <set>

namespace cube::tables {
namespace {

TablePrinter configMapPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Data", "Number of data and binaryData keys."),
               ageColumn()};
  p.cells = [](const object& cm, TimePoint now) {
    auto keys = static_cast<int64_t>(fieldSize(cm, "data") + fieldSize(cm, "binaryData"));
    return array{value(objectName(cm)), value(keys), value(objectAge(cm, now))};
  };
  return p;
}

TablePrinter secretPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Type", "Type of the secret."),
               stringColumn("Data", "Number of data keys."), ageColumn()};
  p.cells = [](const object& secret, TimePoint now) {
    // stringData is folded into data on write; count a key present in both once, in case an
    // object was stored unfolded.
    std::set<std::string> keys;
    for (std::string_view field : {"data", "stringData"}) {
      if (const object* m = objectField(secret, field)) {
        for (const auto& kv : *m) keys.insert(std::string(kv.key()));
      }
    }
    return array{value(objectName(secret)), value(stringField(secret, "type")),
                 value(static_cast<int64_t>(keys.size())), value(objectAge(secret, now))};
  };
  return p;
}

TablePrinter serviceAccountPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Secrets", "Number of secrets listed."), ageColumn()};
  p.cells = [](const object& sa, TimePoint now) {
    return array{value(objectName(sa)), value(static_cast<int64_t>(fieldSize(sa, "secrets"))),
                 value(objectAge(sa, now))};
  };
  return p;
}

// "resource: used/hard, ..." sorted by resource; limits.* resources go to the LIMIT column.
TablePrinter resourceQuotaPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Request", "Used/hard of the quota's request and count resources."),
               stringColumn("Limit", "Used/hard of the quota's limits.* resources."), ageColumn()};
  p.cells = [](const object& quota, TimePoint now) {
    const object& status = orEmpty(objectField(quota, "status"));
    const object* hard = objectField(status, "hard");
    const object* used = objectField(status, "used");
    std::vector<std::string> resources;
    if (hard) {
      for (const auto& kv : *hard) resources.emplace_back(kv.key());
    }
    std::sort(resources.begin(), resources.end());
    std::vector<std::string> requests, limits;
    for (const std::string& r : resources) {
      std::string text = r + ": " + quantityField(used, r) + "/" + quantityField(hard, r);
      auto dot = r.find('.');
      (dot != std::string::npos && r.substr(0, dot) == "limits" ? limits : requests)
          .push_back(std::move(text));
    }
    return array{value(objectName(quota)), value(join(requests, ", ")), value(join(limits, ", ")),
                 value(objectAge(quota, now))};
  };
  return p;
}

}  // namespace

void addConfigPrinters(PrinterMap& printers) {
  printers.emplace(printerKey("", "ConfigMap"), configMapPrinter());
  printers.emplace(printerKey("", "Secret"), secretPrinter());
  printers.emplace(printerKey("", "ServiceAccount"), serviceAccountPrinter());
  printers.emplace(printerKey("", "ResourceQuota"), resourceQuotaPrinter());
}

}  // namespace cube::tables
