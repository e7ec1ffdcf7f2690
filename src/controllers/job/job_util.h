#pragma once
// What the Job, TTL-after-finished and CronJob controllers read from a Job: its conditions,
// whether and when it finished. Conditions are written the way Kubernetes 1.32 writes them.

#include "common/clock.h"

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace cube::controllers::job {

inline constexpr const char* kComplete = "Complete";
inline constexpr const char* kFailed = "Failed";
inline constexpr const char* kSuspended = "Suspended";
// Interim conditions: the outcome is decided, but pods may still be terminating.
inline constexpr const char* kSuccessCriteriaMet = "SuccessCriteriaMet";
inline constexpr const char* kFailureTarget = "FailureTarget";

// The condition of `type` in status.conditions, or null.
const boost::json::object* jobCondition(const boost::json::object& job, const std::string& type);
// The condition of `type` exists with status "True".
bool hasTrueCondition(const boost::json::object& job, const std::string& type);
// Complete or Failed is True: the Job will not run pods again.
bool isJobFinished(const boost::json::object& job);
// "Complete" or "Failed" for a finished Job, "" otherwise.
std::string finishedConditionType(const boost::json::object& job);
// When it finished: status.completionTime, else the final condition's lastTransitionTime.
std::optional<TimePoint> jobFinishTime(const boost::json::object& job);

// Sets condition `type` on `status` (a status object being built). A condition that already has
// this status keeps its lastTransitionTime; returns true when something changed.
bool setJobCondition(boost::json::object& status, const std::string& type,
                     const std::string& conditionStatus, const std::string& reason,
                     const std::string& message, TimePoint now);

}  // namespace cube::controllers::job
