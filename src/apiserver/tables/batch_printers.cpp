// Job (STATUS COMPLETIONS DURATION AGE, as kubectl 1.32 shows it) and CronJob.

#include "apiserver/tables/cell_format.h"

namespace cube::tables {
namespace {

// The status of the first condition of `type`; later duplicates are ignored, as in Kubernetes.
bool jobCondition(const object& status, std::string_view type) {
  for (const object* c : objectsIn(status, "conditions")) {
    if (stringField(*c, "type") == type) return stringField(*c, "status") == "True";
  }
  return false;
}

std::string jobStatus(const object& job, const object& status) {
  if (jobCondition(status, "Complete")) return "Complete";
  if (jobCondition(status, "Failed")) return "Failed";
  if (hasDeletionTimestamp(job)) return "Terminating";
  if (jobCondition(status, "Suspended")) return "Suspended";
  if (jobCondition(status, "FailureTarget")) return "FailureTarget";
  return "Running";
}

std::string jobCompletions(const object& spec, const object& status) {
  const std::string succeeded = std::to_string(intField(status, "succeeded"));
  if (auto completions = optionalIntField(spec, "completions")) {
    return succeeded + "/" + std::to_string(*completions);
  }
  // Without completions the job is done after one success; show the parallelism beside it.
  int64_t parallelism = intField(spec, "parallelism", 0);
  if (parallelism > 1) return succeeded + "/1 of " + std::to_string(parallelism);
  return succeeded + "/1";
}

std::string jobDuration(const object& status, TimePoint now) {
  auto start = parseRfc3339(stringField(status, "startTime"));
  if (!start) return "";
  auto end = parseRfc3339(stringField(status, "completionTime"));
  return humanDuration(
      std::chrono::duration_cast<std::chrono::nanoseconds>((end ? *end : now) - *start));
}

TablePrinter jobPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Status", "Status of the job."),
               stringColumn("Completions", "Succeeded pods out of the completions wanted."),
               stringColumn("Duration", "Time the job took, or has run so far."),
               ageColumn(),
               containersColumn(),
               imagesColumn(),
               stringColumn("Selector", "Label selector of the job's pods.", 1)};
  p.cells = [](const object& job, TimePoint now) {
    const object& spec = orEmpty(objectField(job, "spec"));
    const object& status = orEmpty(objectField(job, "status"));
    auto [names, images] = containerNamesAndImages(objectPath(spec, {"template", "spec"}));
    return array{value(objectName(job)),
                 value(jobStatus(job, status)),
                 value(jobCompletions(spec, status)),
                 value(jobDuration(status, now)),
                 value(objectAge(job, now)),
                 value(names),
                 value(images),
                 value(formatLabelSelector(objectField(spec, "selector")))};
  };
  return p;
}

TablePrinter cronJobPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Schedule", "Cron schedule of the job."),
               stringColumn("Timezone", "Time zone the schedule is read in."),
               booleanColumn("Suspend", "Whether new runs are suspended."),
               integerColumn("Active", "Number of running jobs."),
               stringColumn("Last Schedule", "Time since a job was last scheduled."),
               ageColumn(),
               containersColumn(),
               imagesColumn(),
               stringColumn("Selector", "Label selector of the jobs' pods.", 1)};
  p.cells = [](const object& cronJob, TimePoint now) {
    const object& spec = orEmpty(objectField(cronJob, "spec"));
    const object& status = orEmpty(objectField(cronJob, "status"));
    const object& jobSpec = orEmpty(objectPath(spec, {"jobTemplate", "spec"}));
    auto [names, images] = containerNamesAndImages(objectPath(jobSpec, {"template", "spec"}));
    std::string lastSchedule = "<none>";
    if (hasField(status, "lastScheduleTime")) {
      lastSchedule = fieldAge(status, "lastScheduleTime", now);
    }
    return array{value(objectName(cronJob)),
                 value(stringField(spec, "schedule")),
                 value(optionalStringField(spec, "timeZone").value_or("<none>")),
                 value(boolPointerString(optionalBoolField(spec, "suspend"))),
                 value(static_cast<int64_t>(fieldSize(status, "active"))),
                 value(lastSchedule),
                 value(objectAge(cronJob, now)),
                 value(names),
                 value(images),
                 value(formatLabelSelector(objectField(jobSpec, "selector")))};
  };
  return p;
}

}  // namespace

void addBatchPrinters(PrinterMap& printers) {
  printers.emplace(printerKey("batch", "Job"), jobPrinter());
  printers.emplace(printerKey("batch", "CronJob"), cronJobPrinter());
}

}  // namespace cube::tables
