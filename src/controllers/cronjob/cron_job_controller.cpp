#include "controllers/cronjob/cron_job_controller.h"

#include "api/kinds/batch/cron_next.h"
#include "client/informer.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/job/job_controller.h"
#include "controllers/job/job_util.h"
#include "controllers/pod_util.h"

#include <algorithm>
#include <set>

namespace cube::controllers::cronjob {

namespace bj = boost::json;
using job::kJobsResource;

namespace {

// Kubernetes stops counting missed runs here and warns instead.
constexpr int kTooManyMissed = 100;
constexpr int kCountCap = 100000;  // bounds the walk over missed times

client::ObjectReference refOf(const bj::object& cronJob) {
  return client::ObjectReference::of(cronJob, "batch/v1", "CronJob");
}

std::optional<int64_t> optionalInt(const bj::object& spec, const char* field) {
  const auto* v = spec.if_contains(field);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<int64_t>();
}

bj::object jobRef(const bj::object& job) {
  const auto* meta = json::getObject(job, "metadata");
  return bj::object{{"apiVersion", "batch/v1"},
                    {"kind", "Job"},
                    {"namespace", namespaceOf(job)},
                    {"name", nameOf(job)},
                    {"uid", uidOf(job)},
                    {"resourceVersion", meta ? json::getString(*meta, "resourceVersion") : ""}};
}

// The Job a run at `scheduled` creates: jobTemplate's metadata and spec, owned by the CronJob.
bj::object jobFromTemplate(const bj::object& cronJob, const std::string& name,
                           TimePoint scheduled) {
  static const bj::object kEmpty;
  const auto* spec = json::getObject(cronJob, "spec");
  const auto* tmpl = spec ? json::getObject(*spec, "jobTemplate") : nullptr;
  const auto* tmeta = tmpl ? json::getObject(*tmpl, "metadata") : nullptr;
  bj::object meta;
  if (tmeta) {
    for (const char* f : {"labels", "annotations"})
      if (const auto* v = tmeta->if_contains(f); v && v->is_object()) meta[f] = *v;
  }
  json::ensureObject(meta, "annotations")["batch.kubernetes.io/cronjob-scheduled-timestamp"] =
      formatRfc3339(scheduled);
  meta["name"] = name;
  meta["namespace"] = namespaceOf(cronJob);
  meta["ownerReferences"] = bj::array{makeControllerRef(cronJob, "batch/v1", "CronJob").toJson()};
  const auto* jobSpec = tmpl ? json::getObject(*tmpl, "spec") : nullptr;
  return bj::object{{"apiVersion", "batch/v1"},
                    {"kind", "Job"},
                    {"metadata", std::move(meta)},
                    {"spec", jobSpec ? *jobSpec : kEmpty}};
}

TimePoint startOf(const bj::object& job) {
  const auto* status = json::getObject(job, "status");
  if (status) {
    if (auto t = parseRfc3339(json::getString(*status, "startTime"))) return *t;
  }
  return creationTime(job).value_or(TimePoint{});
}

}  // namespace

CronJobController::CronJobController(const ControllerContext& context)
    : CronJobController(
          Deps{context.client,
               std::make_shared<InformerCache>(context.informers->informerFor(kCronJobsResource)),
               std::make_shared<InformerCache>(context.informers->informerFor(kJobsResource)),
               std::make_shared<client::ApiEventRecorder>(
                   context.client, client::EventSource{"cronjob-controller"}, context.clock),
               context.clock}) {
  context.informers->informerFor(kCronJobsResource)
      ->addHandlers({[this](const ObjectPtr& o) { onCronJob(o); },
                     [this](const ObjectPtr&, const ObjectPtr& b) { onCronJob(b); }, nullptr});
  context.informers->informerFor(kJobsResource)
      ->addHandlers({[this](const ObjectPtr& o) { onJob(o); },
                     [this](const ObjectPtr&, const ObjectPtr& b) { onJob(b); },
                     [this](const ObjectPtr& o) { onJob(o); }});
}

CronJobController::CronJobController(Deps deps)
    : deps_(std::move(deps)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>(
          "cronjob-controller", *queue_, [this](const std::string& key) { reconcile(key); })) {}

CronJobController::~CronJobController() {
  stop();
}

void CronJobController::start(int workers) {
  workers_->start(workers);
}

void CronJobController::stop() {
  workers_->stop();
}

void CronJobController::onCronJob(const ObjectPtr& cronJob) {
  queue_->add(client::Informer::keyOf(*cronJob));
}

void CronJobController::onJob(const ObjectPtr& jobObj) {
  auto ref = controllerOf(*jobObj);
  if (ref && ref->kind == "CronJob") queue_->add(namespaceOf(*jobObj) + "/" + ref->name);
}

void CronJobController::reconcile(const std::string& key) {
  ObjectPtr cached = deps_.cronJobs->get(key);
  if (!cached || isBeingDeleted(*cached)) return;
  const bj::object& cronJob = *cached;
  const std::string ns = namespaceOf(cronJob);
  const std::string uid = uidOf(cronJob);
  static const bj::object kEmpty;
  const auto* specPtr = json::getObject(cronJob, "spec");
  const bj::object& spec = specPtr ? *specPtr : kEmpty;
  const auto* statusPtr = json::getObject(cronJob, "status");
  bj::object status = statusPtr ? *statusPtr : bj::object{};
  const TimePoint now = deps_.clock->now();
  std::optional<std::string> error;

  // Which Jobs are ours, which still run, which finished how.
  std::set<std::string> previouslyActive;
  if (const auto* act = json::getArray(status, "active")) {
    for (const auto& r : *act)
      if (r.is_object()) previouslyActive.insert(json::getString(r.as_object(), "uid"));
  }
  std::vector<ObjectPtr> active, succeeded, failed;
  std::optional<TimePoint> lastSuccess =
      parseRfc3339(json::getString(status, "lastSuccessfulTime"));
  for (const auto& j : deps_.jobs->listNamespace(ns)) {
    auto ref = controllerOf(*j);
    if (!ref || ref->uid != uid) continue;
    std::string finished = job::finishedConditionType(*j);
    if (finished.empty()) {
      if (!isBeingDeleted(*j)) active.push_back(j);
      continue;
    }
    (finished == job::kComplete ? succeeded : failed).push_back(j);
    if (previouslyActive.count(uidOf(*j))) {
      deps_.recorder->event(refOf(cronJob), "Normal", "SawCompletedJob",
                            "Saw completed job: " + nameOf(*j) + ", condition: " + finished);
    }
    if (finished == job::kComplete) {
      auto t = job::jobFinishTime(*j);
      if (t && (!lastSuccess || *t > *lastSuccess)) lastSuccess = t;
    }
  }
  if (lastSuccess) status["lastSuccessfulTime"] = formatRfc3339(*lastSuccess);

  // History: keep the newest finished Jobs only.
  auto prune = [&](std::vector<ObjectPtr>& finished, int64_t limit) {
    if (static_cast<int64_t>(finished.size()) <= limit) return;
    std::sort(finished.begin(), finished.end(),
              [](const ObjectPtr& a, const ObjectPtr& b) { return startOf(*a) < startOf(*b); });
    for (size_t i = 0; i < finished.size() - static_cast<size_t>(std::max<int64_t>(limit, 0));
         ++i) {
      if (isBeingDeleted(*finished[i])) continue;
      client::DeleteOptions options;
      options.propagationPolicy = "Background";
      try {
        deps_.client->remove(kJobsResource, ns, nameOf(*finished[i]), options);
        deps_.recorder->event(refOf(cronJob), "Normal", "SuccessfulDelete",
                              "Deleted job " + nameOf(*finished[i]));
      } catch (const ApiError& e) {
        if (e.code() != 404) error = e.message();
      }
    }
  };
  prune(succeeded, optionalInt(spec, "successfulJobsHistoryLimit").value_or(3));
  prune(failed, optionalInt(spec, "failedJobsHistoryLimit").value_or(1));

  auto writeStatus = [&] {
    bj::array refs;
    for (const auto& j : active) refs.push_back(jobRef(*j));
    if (refs.empty())
      status.erase("active");
    else
      status["active"] = std::move(refs);
    if (statusPtr && status == *statusPtr) return;
    bj::object obj = cronJob;
    obj["apiVersion"] = "batch/v1";
    obj["kind"] = "CronJob";
    obj["status"] = status;
    try {
      deps_.client->update(kCronJobsResource, ns, nameOf(cronJob), obj, "status");
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  };
  auto finish = [&] {
    writeStatus();
    if (error) throw ApiError(500, "InternalError", "cronjob " + key + ": " + *error);
  };

  std::string parseError;
  auto schedule = api::kinds::batch::CronSchedule::parse(
      json::getString(spec, "schedule"), json::getString(spec, "timeZone"), &parseError);
  if (!schedule) {
    // Validation keeps bad schedules out; should one slip in, retrying cannot fix it.
    deps_.recorder->event(refOf(cronJob), "Warning", "UnparseableSchedule",
                          "unparseable schedule: " + parseError);
    return finish();
  }
  if (json::getBool(spec, "suspend")) return finish();

  // Look again at the next scheduled time (a little after it, so it is due when we look).
  auto requeueForNext = [&] {
    if (auto next = schedule->next(now))
      queue_->addAfter(key, *next - now + std::chrono::milliseconds(100));
  };

  // The most recent scheduled time not yet run.
  auto lastSchedule = parseRfc3339(json::getString(status, "lastScheduleTime"));
  TimePoint earliest = lastSchedule ? *lastSchedule : creationTime(cronJob).value_or(now);
  const auto startingDeadline = optionalInt(spec, "startingDeadlineSeconds");
  if (startingDeadline)
    earliest = std::max(earliest, now - std::chrono::seconds(*startingDeadline));
  std::optional<TimePoint> due;
  int missed = 0;
  for (auto t = schedule->next(earliest); t && *t <= now && missed < kCountCap;
       t = schedule->next(*t)) {
    due = t;
    ++missed;
  }
  if (!due) {
    requeueForNext();
    return finish();
  }
  if (missed > kTooManyMissed) {
    deps_.recorder->event(
        refOf(cronJob), "Warning", "TooManyMissedTimes",
        "too many missed start times: " + std::to_string(missed) +
            ". Set or decrease .spec.startingDeadlineSeconds or check clock skew");
  }
  if (startingDeadline && *due + std::chrono::seconds(*startingDeadline) < now) {
    deps_.recorder->event(refOf(cronJob), "Warning", "MissSchedule",
                          "Missed scheduled time to start a job: " + formatRfc3339(*due));
    requeueForNext();
    return finish();
  }

  const std::string jobName =
      nameOf(cronJob) + "-" +
      std::to_string(
          std::chrono::duration_cast<std::chrono::minutes>(due->time_since_epoch()).count());
  bool alreadyRan = std::any_of(active.begin(), active.end(),
                                [&](const ObjectPtr& j) { return nameOf(*j) == jobName; }) ||
                    deps_.jobs->get(ns + "/" + jobName) != nullptr;
  const std::string policy = json::getString(spec, "concurrencyPolicy", "Allow");
  if (alreadyRan) {
    status["lastScheduleTime"] = formatRfc3339(*due);
  } else if (policy == "Forbid" && !active.empty()) {
    deps_.recorder->event(refOf(cronJob), "Normal", "JobAlreadyActive",
                          "Not starting job because prior execution is running and concurrency "
                          "policy is Forbid");
    // Retried at the next scheduled time (or when the active Job finishes: a Job event).
  } else {
    if (policy == "Replace") {
      for (const auto& j : active) {
        client::DeleteOptions options;
        options.propagationPolicy = "Background";
        try {
          deps_.client->remove(kJobsResource, ns, nameOf(*j), options);
          deps_.recorder->event(refOf(cronJob), "Normal", "SuccessfulDelete",
                                "Deleted job " + nameOf(*j));
        } catch (const ApiError& e) {
          if (e.code() != 404) {
            error = e.message();
            return finish();  // never run two at once under Replace
          }
        }
      }
      active.clear();
    }
    try {
      bj::object created =
          deps_.client->create(kJobsResource, ns, jobFromTemplate(cronJob, jobName, *due));
      deps_.recorder->event(refOf(cronJob), "Normal", "SuccessfulCreate", "Created job " + jobName);
      active.push_back(std::make_shared<const bj::object>(std::move(created)));
      status["lastScheduleTime"] = formatRfc3339(*due);
    } catch (const ApiError& e) {
      if (e.code() == 409 && e.reason() == "AlreadyExists") {
        // Created by an earlier attempt whose response we lost: this run is done.
        status["lastScheduleTime"] = formatRfc3339(*due);
      } else {
        deps_.recorder->event(refOf(cronJob), "Warning", "FailedCreate",
                              "Error creating job: " + e.message());
        error = e.message();
      }
    }
  }
  requeueForNext();
  finish();
}

}  // namespace cube::controllers::cronjob
