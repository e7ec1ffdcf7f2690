#include "apiserver/controllers/termination_deadline.h"

#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"
#include "common/log.h"

namespace cube::apiserver {

TerminationDeadline::TerminationDeadline(ResourceStore& store) : store_(store) {}

void TerminationDeadline::reconcileAll() {
  auto pods = store_.registry().find("", "v1", "pods");
  TimePoint now = store_.clock()->now();
  std::vector<std::pair<std::string, std::string>> expired;
  store_.cache().list(store_.prefix(*pods, ""), "", [&](const std::string&, const ObjectPtr& pod) {
    if (!isTerminating(*pod) || hasFinalizers(*pod)) return true;
    auto deadline = parseRfc3339(json::getString(metadataOf(*pod), "deletionTimestamp"));
    if (deadline && *deadline <= now) expired.emplace_back(namespaceOf(*pod), nameOf(*pod));
    return true;
  });
  for (const auto& [ns, name] : expired) {
    try {
      DeleteOptions options;
      options.gracePeriodSeconds = 0;
      store_.remove(*pods, ns, name, options);
      CUBE_LOG(Info) << "removed pod " << ns << "/" << name << ": termination grace period ended";
    } catch (const ApiError& e) {
      if (e.code() != 404) CUBE_LOG(Warn) << "pod " << ns << "/" << name << ": " << e.message();
    }
  }
}

}  // namespace cube::apiserver
