// coordination.k8s.io/v1 Lease: positive duration, non-negative transitions, strategy rules.
#include "api/kinds/coordination/coordination_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::coordination {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

Causes validateLease(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  const auto* spec = v::getObject(obj, "spec");
  if (!spec) return out;
  if (auto d = v::getInt(*spec, "leaseDurationSeconds"); d && *d <= 0) {
    out.push_back(
        v::invalid("spec.leaseDurationSeconds", json::value(*d), "must be greater than 0"));
  }
  v::append(out, v::validateNonnegative(*spec, "leaseTransitions", "spec"));
  auto strategy = v::getString(*spec, "strategy");
  if (strategy && *strategy != "OldestEmulationVersion") {
    out.push_back(
        v::notSupported("spec.strategy", json::value(*strategy), {"OldestEmulationVersion"}));
  }
  if (spec->contains("preferredHolder") && !strategy) {
    out.push_back(
        v::forbidden("spec.preferredHolder", "preferredHolder is only allowed if strategy is set"));
  }
  return out;
}

}  // namespace

KindStrategy leaseStrategy() {
  KindStrategy s;
  s.validate = validateLease;
  return s;
}

}  // namespace cube::api::kinds::coordination
