#include "controllers/job/job_util.h"

#include "common/json_util.h"

namespace cube::controllers::job {

namespace bj = boost::json;

const bj::object* jobCondition(const bj::object& job, const std::string& type) {
  const auto* status = json::getObject(job, "status");
  const auto* conditions = status ? json::getArray(*status, "conditions") : nullptr;
  if (!conditions) return nullptr;
  for (const auto& c : *conditions) {
    if (c.is_object() && json::getString(c.as_object(), "type") == type) return &c.as_object();
  }
  return nullptr;
}

bool hasTrueCondition(const bj::object& job, const std::string& type) {
  const auto* c = jobCondition(job, type);
  return c && json::getString(*c, "status") == "True";
}

bool isJobFinished(const bj::object& job) {
  return !finishedConditionType(job).empty();
}

std::string finishedConditionType(const bj::object& job) {
  if (hasTrueCondition(job, kComplete)) return kComplete;
  if (hasTrueCondition(job, kFailed)) return kFailed;
  return "";
}

std::optional<TimePoint> jobFinishTime(const bj::object& job) {
  std::string type = finishedConditionType(job);
  if (type.empty()) return std::nullopt;
  if (const auto* status = json::getObject(job, "status")) {
    if (auto t = parseRfc3339(json::getString(*status, "completionTime"))) return t;
  }
  return parseRfc3339(json::getString(*jobCondition(job, type), "lastTransitionTime"));
}

bool setJobCondition(bj::object& status, const std::string& type,
                     const std::string& conditionStatus, const std::string& reason,
                     const std::string& message, TimePoint now) {
  auto& slot = status["conditions"];
  if (!slot.is_array()) slot = bj::array{};
  auto& conditions = slot.as_array();
  std::string stamp = formatRfc3339(now);
  for (auto& c : conditions) {
    if (!c.is_object() || json::getString(c.as_object(), "type") != type) continue;
    auto& cond = c.as_object();
    if (json::getString(cond, "status") == conditionStatus &&
        json::getString(cond, "reason") == reason && json::getString(cond, "message") == message)
      return false;
    if (json::getString(cond, "status") != conditionStatus) cond["lastTransitionTime"] = stamp;
    cond["status"] = conditionStatus;
    cond["reason"] = reason;
    cond["message"] = message;
    cond["lastProbeTime"] = stamp;
    return true;
  }
  conditions.push_back(bj::object{{"type", type},
                                  {"status", conditionStatus},
                                  {"lastProbeTime", stamp},
                                  {"lastTransitionTime", stamp},
                                  {"reason", reason},
                                  {"message", message}});
  return true;
}

}  // namespace cube::controllers::job
