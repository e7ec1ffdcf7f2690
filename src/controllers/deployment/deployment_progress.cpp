// DeploymentController: status and conditions. Available says whether the minimum
// (replicas - maxUnavailable) is available; Progressing says how the rollout is going:
// NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated while it moves,
// NewReplicaSetAvailable once complete, ProgressDeadlineExceeded when nothing moved for
// progressDeadlineSeconds, DeploymentPaused / DeploymentResumed around a pause. `kubectl rollout
// status` reads exactly these fields.

#include "common/api_error.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/deployment/deployment_util.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <limits>

namespace cube::controllers::deployment {

namespace bj = boost::json;

namespace {

constexpr int64_t kNoDeadline = std::numeric_limits<int32_t>::max();

std::optional<int64_t> progressDeadline(const bj::object& d) {
  const auto* spec = json::getObject(d, "spec");
  if (!spec || !spec->contains("progressDeadlineSeconds")) return std::nullopt;
  int64_t v = json::getInt(*spec, "progressDeadlineSeconds", kNoDeadline);
  if (v == kNoDeadline) return std::nullopt;
  return v;
}

bj::object* findCondition(bj::array& conditions, const std::string& type) {
  for (auto& c : conditions) {
    if (c.is_object() && json::getString(c.get_object(), "type") == type) return &c.get_object();
  }
  return nullptr;
}

// Same status and reason: nothing to record (the update time keeps marking the last change).
// Same status, new reason: the transition time stays.
void setCondition(bj::array& conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, const std::string& now,
                  bool touch = false) {
  bj::object* cur = findCondition(conditions, type);
  if (cur && json::getString(*cur, "status") == status &&
      json::getString(*cur, "reason") == reason && !touch)
    return;
  std::string transition = now;
  if (cur && json::getString(*cur, "status") == status)
    transition = json::getString(*cur, "lastTransitionTime", now);
  bj::object c{{"type", type},          {"status", status},
               {"lastUpdateTime", now}, {"lastTransitionTime", transition},
               {"reason", reason},      {"message", message}};
  if (cur)
    *cur = std::move(c);
  else
    conditions.push_back(std::move(c));
}

}  // namespace

bj::object DeploymentController::computeStatus(const State& s) const {
  const bj::object& d = s.deployment;
  static const bj::object kEmpty;
  const auto* prevPtr = json::getObject(d, "status");
  const bj::object& prev = prevPtr ? *prevPtr : kEmpty;
  std::string now = formatRfc3339(deps_.clock->now());
  int64_t replicas = specReplicas(d);
  RsList all = s.all();

  bj::object status;
  const auto* meta = json::getObject(d, "metadata");
  int64_t generation = meta ? json::getInt(*meta, "generation", 0) : 0;
  status["observedGeneration"] = generation;
  status["replicas"] = sumStatus(all, "replicas");
  status["updatedReplicas"] = s.newRs ? statusInt(*s.newRs, "replicas") : 0;
  status["readyReplicas"] = sumStatus(all, "readyReplicas");
  int64_t available = sumStatus(all, "availableReplicas");
  status["availableReplicas"] = available;
  status["unavailableReplicas"] = std::max<int64_t>(0, sumSpecReplicas(all) - available);
  if (prev.contains("collisionCount")) status["collisionCount"] = prev.at("collisionCount");

  bj::array conditions;
  if (const auto* c = json::getArray(prev, "conditions")) conditions = *c;
  if (available >= replicas - maxUnavailable(d))
    setCondition(conditions, "Available", "True", "MinimumReplicasAvailable",
                 "Deployment has minimum availability.", now);
  else
    setCondition(conditions, "Available", "False", "MinimumReplicasUnavailable",
                 "Deployment does not have minimum availability.", now);

  auto deadline = progressDeadline(d);
  if (deadline) {
    bj::object* progressing = findCondition(conditions, "Progressing");
    std::string reason = progressing ? json::getString(*progressing, "reason") : "";
    bool paused = isPaused(d);
    if (paused && reason != "DeploymentPaused") {
      setCondition(conditions, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused",
                   now);
    } else if (!paused && reason == "DeploymentPaused") {
      setCondition(conditions, "Progressing", "Unknown", "DeploymentResumed",
                   "Deployment is resumed", now);
    }
    if (!paused && s.newRs) {
      std::string rsName = nameOf(*s.newRs);
      if (s.createdNewRs)
        setCondition(conditions, "Progressing", "True", "NewReplicaSetCreated",
                     "Created new replica set \"" + rsName + "\"", now);
      else if (!findCondition(conditions, "Progressing"))
        setCondition(conditions, "Progressing", "True", "FoundNewReplicaSet",
                     "Found new replica set \"" + rsName + "\"", now);
    }
    if (!paused) {
      int64_t updated = status["updatedReplicas"].as_int64();
      int64_t total = status["replicas"].as_int64();
      bool complete = updated == replicas && total == replicas && available == replicas;
      // Progress: more updated, fewer old, more ready or more available pods than last time.
      bool moved =
          updated > statusInt(d, "updatedReplicas") ||
          (total - updated) < (statusInt(d, "replicas") - statusInt(d, "updatedReplicas")) ||
          status["readyReplicas"].as_int64() > statusInt(d, "readyReplicas") ||
          available > statusInt(d, "availableReplicas");
      std::string target =
          s.newRs ? "ReplicaSet \"" + nameOf(*s.newRs) + "\"" : "Deployment \"" + nameOf(d) + "\"";
      bj::object* cur = findCondition(conditions, "Progressing");
      std::string curReason = cur ? json::getString(*cur, "reason") : "";
      if (complete) {
        setCondition(conditions, "Progressing", "True", "NewReplicaSetAvailable",
                     target + " has successfully progressed.", now);
      } else if (moved) {
        setCondition(conditions, "Progressing", "True", "ReplicaSetUpdated",
                     target + " is progressing.", now, /*touch=*/true);
      } else if (cur && curReason != "NewReplicaSetAvailable") {
        bool timedOut = curReason == "ProgressDeadlineExceeded";
        if (!timedOut) {
          auto since = parseRfc3339(json::getString(*cur, "lastUpdateTime"));
          timedOut = since && *since + std::chrono::seconds(*deadline) < deps_.clock->now();
        }
        if (timedOut)
          setCondition(conditions, "Progressing", "False", "ProgressDeadlineExceeded",
                       target + " has timed out progressing.", now);
      }
    }
  }
  if (!conditions.empty()) status["conditions"] = std::move(conditions);
  return status;
}

void DeploymentController::syncRolloutStatus(State& s) {
  bj::object status = computeStatus(s);
  const auto* prev = json::getObject(s.deployment, "status");
  if (!prev || *prev != status) writeStatus(s.deployment, status);

  // Nothing announces that a deadline passed: look again just after it would.
  auto deadline = progressDeadline(s.deployment);
  if (!deadline || isPaused(s.deployment)) return;
  const auto* conds = json::getArray(status, "conditions");
  if (!conds) return;
  for (const auto& c : *conds) {
    const auto& o = c.as_object();
    if (json::getString(o, "type") != "Progressing") continue;
    std::string reason = json::getString(o, "reason");
    if (reason == "NewReplicaSetAvailable" || reason == "ProgressDeadlineExceeded") return;
    auto since = parseRfc3339(json::getString(o, "lastUpdateTime"));
    if (!since) return;
    auto due = *since + std::chrono::seconds(*deadline) - deps_.clock->now();
    auto wait = std::max<std::chrono::nanoseconds>(due, std::chrono::nanoseconds(0)) +
                std::chrono::seconds(1);
    queue_->addAfter(client::Informer::keyOf(s.deployment),
                     std::chrono::duration_cast<std::chrono::milliseconds>(wait));
  }
}

void DeploymentController::writeStatus(const bj::object& d, const bj::object& status) {
  // A merge patch: no resourceVersion race with kubectl's spec edits; arrays (conditions) are
  // replaced whole, and every other field is always written.
  try {
    deps_.client->patch(kDeploymentsResource, namespaceOf(d), nameOf(d), client::PatchKind::Merge,
                        bj::serialize(bj::object{{"status", status}}), "status");
  } catch (const ApiError& e) {
    if (e.code() != 404) throw;
  }
}

}  // namespace cube::controllers::deployment
