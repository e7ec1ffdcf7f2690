// Namespace: cluster-scoped, DNS-1123 label names; created Active with the `kubernetes`
// finalizer that the namespace controller removes through /finalize once it emptied it.

#include "api/kinds/core/core_strategies.h"
#include "api/validation/validation.h"

#include <algorithm>

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

const std::vector<std::string> kStandardFinalizers = {"kubernetes", "orphan", "foregroundDeletion"};

void defaults(json::object& ns) {
  auto& meta = v::ensureObject(ns, "metadata");
  // Every namespace carries its own name as a label so selectors can pick namespaces by name.
  if (auto name = v::getString(meta, "name"); name && !name->empty()) {
    v::ensureObject(meta, "labels")["kubernetes.io/metadata.name"] = *name;
  }
  if (isUnstoredObject(ns)) {
    auto& spec = v::ensureObject(ns, "spec");
    auto& fins = spec["finalizers"];
    if (!fins.is_array()) fins = json::array();
    auto& arr = fins.as_array();
    if (std::find(arr.begin(), arr.end(), json::value("kubernetes")) == arr.end())
      arr.emplace_back("kubernetes");
    auto& status = v::ensureObject(ns, "status");
    status["phase"] = "Active";
  }
  auto& status = v::ensureObject(ns, "status");
  if (v::getString(status, "phase").value_or("").empty()) status["phase"] = "Active";
}

v::Causes validate(const json::object& ns, const json::object* old) {
  v::Causes out = v::validateMeta(ns, old, false, v::nameIsDnsLabel);
  if (const auto* spec = v::getObject(ns, "spec")) {
    if (const auto* fins = v::getArray(*spec, "finalizers")) {
      for (const auto& f : *fins) {
        if (!f.is_string()) continue;
        std::string name(f.as_string());
        auto msgs = v::isQualifiedName(name);
        for (auto& m : msgs) out.push_back(v::invalid("spec.finalizers", f, m));
        if (msgs.empty() && name.find('/') == std::string::npos &&
            std::find(kStandardFinalizers.begin(), kStandardFinalizers.end(), name) ==
                kStandardFinalizers.end())
          out.push_back(v::invalid("spec.finalizers", f,
                                   "name is neither a standard finalizer name nor is it fully "
                                   "qualified"));
      }
    }
  }
  if (const auto* status = v::getObject(ns, "status")) {
    if (auto phase = v::getString(*status, "phase");
        phase && *phase != "Active" && *phase != "Terminating")
      out.push_back(
          v::notSupported("status.phase", json::value(*phase), {"Active", "Terminating"}));
  }
  return out;
}

}  // namespace

bool isUnstoredObject(const json::object& obj) {
  // The API server assigns uid and creationTimestamp before defaulting a new object, but a
  // resourceVersion only when it is stored; every update carries the stored one.
  const auto* meta = v::getObject(obj, "metadata");
  if (!meta) return true;
  auto rv = v::getString(*meta, "resourceVersion");
  return !rv || rv->empty();
}

KindStrategy namespaceStrategy() {
  KindStrategy s;
  s.applyDefaults = defaults;
  s.validate = validate;
  return s;
}

}  // namespace cube::api::kinds::core
