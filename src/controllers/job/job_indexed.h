#pragma once
// Indexed completion mode: each pod of an Indexed Job works on one index in [0, completions),
// carried in the batch.kubernetes.io/job-completion-index annotation and label, the pod's
// hostname `<job>-<index>` and the JOB_COMPLETION_INDEX environment variable; the Job is complete
// when every index has a pod that succeeded, listed in status.completedIndexes ("0-2,5").

#include <boost/json/object.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cube::controllers::job {

inline constexpr const char* kCompletionIndexKey = "batch.kubernetes.io/job-completion-index";

// The pod's index (annotation first, then label), or nullopt when missing or malformed.
std::optional<int64_t> podCompletionIndex(const boost::json::object& pod);

// "1,3-5" <-> {1,3,4,5}. parse ignores malformed pieces and values outside [0, completions).
std::string formatIndexes(const std::set<int64_t>& indexes);
std::set<int64_t> parseIndexes(const std::string& text, int64_t completions);

// The lowest `count` indexes in [0, completions) in neither set.
std::vector<int64_t> missingIndexes(const std::set<int64_t>& succeeded,
                                    const std::set<int64_t>& active, int64_t completions,
                                    int64_t count);

// The Job's pod template for `index`: annotation and label, hostname, JOB_COMPLETION_INDEX in
// every container (and init container).
boost::json::object indexedTemplate(const boost::json::object& podTemplate,
                                    const std::string& jobName, int64_t index);

}  // namespace cube::controllers::job
