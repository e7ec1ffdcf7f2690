#include "controllers/replicaset/replica_set_status.h"

#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/pod_util.h"

namespace cube::controllers::replicaset {

namespace bj = boost::json;

namespace {

constexpr std::string_view kReplicaFailure = "ReplicaFailure";

const bj::object* findCondition(const bj::array& conditions, std::string_view type) {
  for (const auto& c : conditions) {
    if (c.is_object() && json::getString(c.as_object(), "type") == type) return &c.as_object();
  }
  return nullptr;
}

bool templateLabelsMatch(const bj::object* templateLabels, const bj::object* podLabels) {
  if (!templateLabels) return true;
  for (const auto& [k, v] : *templateLabels) {
    if (!podLabels) return false;
    const auto* have = podLabels->if_contains(k);
    if (!have || *have != v) return false;
  }
  return true;
}

}  // namespace

int64_t specReplicas(const bj::object& owner) {
  const auto* spec = json::getObject(owner, "spec");
  if (!spec) return 1;
  const auto* v = spec->if_contains("replicas");
  if (!v || v->is_null()) return 1;
  return json::getInt(*spec, "replicas", 1);
}

int64_t minReadySeconds(const bj::object& owner) {
  const auto* spec = json::getObject(owner, "spec");
  return spec ? json::getInt(*spec, "minReadySeconds") : 0;
}

int64_t generationOf(const bj::object& owner) {
  const auto* meta = json::getObject(owner, "metadata");
  return meta ? json::getInt(*meta, "generation") : 0;
}

ReplicaStatus ReplicaStatus::of(const bj::object& owner) {
  ReplicaStatus s;
  const auto* status = json::getObject(owner, "status");
  if (!status) return s;
  s.replicas = json::getInt(*status, "replicas");
  s.fullyLabeledReplicas = json::getInt(*status, "fullyLabeledReplicas");
  s.readyReplicas = json::getInt(*status, "readyReplicas");
  s.availableReplicas = json::getInt(*status, "availableReplicas");
  s.observedGeneration = json::getInt(*status, "observedGeneration");
  if (const auto* c = json::getArray(*status, "conditions")) s.conditions = *c;
  return s;
}

bj::object ReplicaStatus::toJson(const bj::object& previous) const {
  bj::object out = previous;
  out["replicas"] = replicas;
  // Zero counts are omitted, as the Go types' omitempty does, so a round trip is stable.
  auto put = [&out](const char* key, int64_t value) {
    if (value != 0)
      out[key] = value;
    else
      out.erase(key);
  };
  put("fullyLabeledReplicas", fullyLabeledReplicas);
  put("readyReplicas", readyReplicas);
  put("availableReplicas", availableReplicas);
  put("observedGeneration", observedGeneration);
  if (conditions.empty())
    out.erase("conditions");
  else
    out["conditions"] = conditions;
  return out;
}

bool ReplicaStatus::operator==(const ReplicaStatus& o) const {
  return replicas == o.replicas && fullyLabeledReplicas == o.fullyLabeledReplicas &&
         readyReplicas == o.readyReplicas && availableReplicas == o.availableReplicas &&
         observedGeneration == o.observedGeneration && conditions == o.conditions;
}

ReplicaStatus calculateStatus(const bj::object& owner, const std::vector<client::ObjectPtr>& pods,
                              const std::optional<std::string>& manageError, bool failedCreate,
                              TimePoint now) {
  ReplicaStatus status = ReplicaStatus::of(owner);
  const auto* spec = json::getObject(owner, "spec");
  const auto* tmpl = spec ? json::getObject(*spec, "template") : nullptr;
  const auto* tmeta = tmpl ? json::getObject(*tmpl, "metadata") : nullptr;
  const auto* templateLabels = tmeta ? json::getObject(*tmeta, "labels") : nullptr;
  int64_t minReady = minReadySeconds(owner);

  status.replicas = static_cast<int64_t>(pods.size());
  status.fullyLabeledReplicas = status.readyReplicas = status.availableReplicas = 0;
  for (const auto& pod : pods) {
    if (templateLabelsMatch(templateLabels, labelsOf(*pod))) ++status.fullyLabeledReplicas;
    if (isPodReady(*pod)) {
      ++status.readyReplicas;
      if (isPodAvailable(*pod, minReady, now)) ++status.availableReplicas;
    }
  }
  status.observedGeneration = generationOf(owner);

  // ReplicaFailure appears when a round of creates or deletes fails and goes once one succeeds;
  // it is not rewritten on every failure, so a persistent error does not churn the status.
  const bj::object* failure = findCondition(status.conditions, kReplicaFailure);
  if (manageError && !failure) {
    status.conditions.push_back(
        bj::object{{"type", kReplicaFailure},
                   {"status", "True"},
                   {"lastTransitionTime", formatRfc3339(now)},
                   {"reason", failedCreate ? "FailedCreate" : "FailedDelete"},
                   {"message", *manageError}});
  } else if (!manageError && failure) {
    bj::array kept;
    for (const auto& c : status.conditions) {
      if (!(c.is_object() && json::getString(c.as_object(), "type") == kReplicaFailure))
        kept.push_back(c);
    }
    status.conditions = std::move(kept);
  }
  return status;
}

}  // namespace cube::controllers::replicaset
