#pragma once
// The PodScheduled=False/Unschedulable condition a pod gets when it fits nowhere, written
// through the pods/status subresource as a strategic merge patch (conditions merge by type, so
// the patch touches only this condition).

#include "scheduler/pod_info.h"

#include <string>

namespace cube::scheduler {

// Whether the pod already carries exactly this condition (then there is nothing to write).
bool hasUnschedulableCondition(const PodInfo& pod, const std::string& message);

// The patch body. lastTransitionTime keeps the pod's current one when the condition was
// already False (the status did not transition), else `now`.
std::string unschedulableConditionPatch(const PodInfo& pod, const std::string& message,
                                        TimePoint now);

}  // namespace cube::scheduler
