#pragma once
// Kind behaviour of batch/v1: Job (defaults, generated selector, validation) and CronJob.

#include "api/resource.h"

#include <boost/json/object.hpp>

#include <string_view>

namespace cube::api::kinds::batch {

KindStrategy jobStrategy();
KindStrategy cronJobStrategy();

// JobSpec checks shared by Job and CronJob's jobTemplate (Kubernetes' validateJobSpec): counts,
// completion mode, pod failure policy, pod template with restartPolicy OnFailure|Never.
void validateJobSpecCommon(const boost::json::object& spec, std::string_view path,
                           std::vector<StatusCause>& out);
// Job's conditional defaults on a JobSpec (parallelism/completions, backoffLimit,
// podReplacementPolicy, ...); also used for a CronJob's jobTemplate.spec.
void defaultJobSpec(boost::json::object& spec);

}  // namespace cube::api::kinds::batch
