// batch/v1 CronJob: schedule/time zone validation and the jobTemplate rules (its selector is
// always generated per run, so none may be given).
#include "api/kinds/apps/workload_validation.h"
#include "api/kinds/batch/batch_strategies.h"
#include "api/kinds/batch/cron_schedule.h"

namespace cube::api::kinds::batch {

namespace json = boost::json;
namespace v = cube::api::validation;

namespace {

void defaultCronJob(json::object& obj) {
  auto& spec = v::ensureObject(obj, "spec");
  if (v::getString(spec, "concurrencyPolicy").value_or("").empty()) {
    spec["concurrencyPolicy"] = "Allow";
  }
  setDefault(spec, "suspend", false);
  setDefault(spec, "successfulJobsHistoryLimit", 3);
  setDefault(spec, "failedJobsHistoryLimit", 1);
  // Job defaults (completions, backoffLimit, ...) apply to the Jobs created from the template,
  // not to the template itself; only its pod spec is defaulted, as Kubernetes does.
  auto& tmpl = v::ensureObject(spec, "jobTemplate");
  defaultTemplatePodSpec(v::ensureObject(tmpl, "spec"));
}

void validateSchedule(const json::object& spec, bool allowTzInSchedule, Causes& out) {
  auto schedule = v::getString(spec, "schedule").value_or("");
  if (schedule.empty()) {
    out.push_back(v::required("spec.schedule"));
    return;
  }
  if (auto err = cronScheduleError(schedule)) {
    out.push_back(v::invalid("spec.schedule", json::value(schedule), *err));
  }
  bool hasTz = schedule.find("TZ") != std::string_view::npos;
  if (allowTzInSchedule && hasTz && spec.contains("timeZone")) {
    out.push_back(v::invalid("spec.schedule", json::value(schedule),
                             "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
  } else if (!allowTzInSchedule && hasTz) {
    out.push_back(v::invalid("spec.schedule", json::value(schedule),
                             "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  }
}

void validateTimeZone(const json::object& spec, Causes& out) {
  const json::value* tz = spec.if_contains("timeZone");
  if (!tz || tz->is_null() || !tz->is_string()) return;
  std::string_view name = tz->as_string();
  if (name.empty()) {
    out.push_back(v::invalid("spec.timeZone", *tz, "timeZone must be nil or non-empty string"));
    return;
  }
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "local") {
    out.push_back(v::invalid("spec.timeZone", *tz,
                             "timeZone must be an explicit time zone as defined in "
                             "https://www.iana.org/time-zones"));
    return;
  }
  if (auto err = timeZoneError(name)) out.push_back(v::invalid("spec.timeZone", *tz, *err));
}

Causes validateCronJob(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  // Job names get an 11-character suffix per run and must stay DNS labels.
  if (const auto* meta = v::getObject(obj, "metadata")) {
    auto name = v::getString(*meta, "name").value_or("");
    if (name.size() > 52) {
      out.push_back(
          v::invalid("metadata.name", json::value(name), "must be no more than 52 characters"));
    }
  }
  static const json::object kEmpty;
  const auto* specPtr = specOf(obj);
  const auto& spec = specPtr ? *specPtr : kEmpty;
  bool allowTz = false;
  if (old) {
    if (const auto* oldSpec = specOf(*old)) {
      allowTz = v::getString(*oldSpec, "schedule").value_or("").find("TZ") != std::string::npos;
    }
  }
  validateSchedule(spec, allowTz, out);
  v::append(out, v::validateNonnegative(spec, "startingDeadlineSeconds", "spec"));
  auto policy = v::getString(spec, "concurrencyPolicy").value_or("");
  if (policy.empty()) {
    out.push_back(v::required("spec.concurrencyPolicy"));
  } else if (policy != "Allow" && policy != "Forbid" && policy != "Replace") {
    out.push_back(v::notSupported("spec.concurrencyPolicy", json::value(policy),
                                  {"Allow", "Forbid", "Replace"}));
  }
  const auto* tmpl = v::getObject(spec, "jobTemplate");
  const auto* jobSpec = tmpl ? v::getObject(*tmpl, "spec") : nullptr;
  if (!jobSpec) {
    out.push_back(v::required("spec.jobTemplate.spec"));
  } else {
    validateJobSpecCommon(*jobSpec, "spec.jobTemplate.spec", out);
    if (const json::value* sel = jobSpec->if_contains("selector"); sel && !sel->is_null()) {
      out.push_back(v::invalidPrinted("spec.jobTemplate.spec.selector", goPrintLabelSelector(*sel),
                                      "`selector` will be auto-generated"));
    }
    if (v::getBool(*jobSpec, "manualSelector").value_or(false)) {
      out.push_back(v::notSupported("spec.jobTemplate.spec.manualSelector", json::value(true),
                                    {"nil", "false"}));
    }
  }
  v::append(out, v::validateNonnegative(spec, "successfulJobsHistoryLimit", "spec"));
  v::append(out, v::validateNonnegative(spec, "failedJobsHistoryLimit", "spec"));
  validateTimeZone(spec, out);
  return out;
}

}  // namespace

KindStrategy cronJobStrategy() {
  KindStrategy s;
  s.applyDefaults = defaultCronJob;
  s.validate = validateCronJob;
  return s;
}

}  // namespace cube::api::kinds::batch
