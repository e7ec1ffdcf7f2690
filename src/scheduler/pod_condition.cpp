#include "scheduler/pod_condition.h"

#include "common/json_util.h"

namespace cube::scheduler {

namespace bj = boost::json;

bool hasUnschedulableCondition(const PodInfo& pod, const std::string& message) {
  return pod.scheduledStatus == "False" && pod.scheduledReason == "Unschedulable" &&
         pod.scheduledMessage == message;
}

std::string unschedulableConditionPatch(const PodInfo& pod, const std::string& message,
                                        TimePoint now) {
  std::string transition = pod.scheduledStatus == "False" && !pod.scheduledTransitionTime.empty()
                               ? pod.scheduledTransitionTime
                               : formatRfc3339(now);
  bj::object condition{{"type", "PodScheduled"},    {"status", "False"},
                       {"reason", "Unschedulable"}, {"message", message},
                       {"lastProbeTime", nullptr},  {"lastTransitionTime", transition}};
  bj::object patch{
      {"status", bj::object{{"conditions", bj::array{bj::value(std::move(condition))}}}}};
  return json::serialize(patch);
}

}  // namespace cube::scheduler
