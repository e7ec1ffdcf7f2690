#include "controllers/job/job_controller.h"

#include "client/informer.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/job/job_indexed.h"
#include "controllers/job/job_util.h"
#include "controllers/pod_util.h"

#include <algorithm>
#include <set>

namespace cube::controllers::job {

namespace bj = boost::json;

namespace {

const client::Resource kPods{"", "v1", "pods", true};
constexpr int kBurst = 500;  // creates or deletes per reconcile

client::ObjectReference refOf(const bj::object& job) {
  return client::ObjectReference::of(job, "batch/v1", "Job");
}

// An optional integer field of spec (nullopt when absent or null).
std::optional<int64_t> optionalInt(const bj::object& spec, const char* field) {
  const auto* v = spec.if_contains(field);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<int64_t>();
}

// Container restarts of a pod (init containers included): with restartPolicy OnFailure the node
// restarts failed containers in place, and each restart counts against backoffLimit.
int64_t restartsOf(const bj::object& pod) {
  int64_t total = 0;
  const auto* status = json::getObject(pod, "status");
  if (!status) return 0;
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    if (const auto* statuses = json::getArray(*status, list)) {
      for (const auto& c : *statuses)
        if (c.is_object()) total += json::getInt(c.as_object(), "restartCount");
    }
  }
  return total;
}

// A pod that has not terminated: it still runs (or will), deleted or not.
bool isPodRunningOrPending(const bj::object& pod) {
  std::string phase = podPhase(pod);
  return phase != "Succeeded" && phase != "Failed";
}

}  // namespace

JobController::JobController(const ControllerContext& context)
    : JobController([&] {
        auto recorder = std::make_shared<client::ApiEventRecorder>(
            context.client, client::EventSource{"job-controller"}, context.clock);
        return Deps{context.client,
                    std::make_shared<InformerCache>(context.informers->informerFor(kJobsResource)),
                    std::make_shared<InformerCache>(context.informers->informerFor(kPods)),
                    std::make_shared<ApiPodControl>(context.client, recorder),
                    recorder,
                    context.clock};
      }()) {
  context.informers->informerFor(kJobsResource)
      ->addHandlers({[this](const ObjectPtr& o) { onJobAdd(o); },
                     [this](const ObjectPtr& a, const ObjectPtr& b) { onJobUpdate(a, b); },
                     [this](const ObjectPtr& o) { onJobDelete(o); }});
  context.informers->informerFor(kPods)->addHandlers(
      {[this](const ObjectPtr& o) { onPodAdd(o); },
       [this](const ObjectPtr& a, const ObjectPtr& b) { onPodUpdate(a, b); },
       [this](const ObjectPtr& o) { onPodDelete(o); }});
}

JobController::JobController(Deps deps)
    : deps_(std::move(deps)),
      expectations_(std::make_unique<client::ControllerExpectations>(deps_.clock)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>(
          "job-controller", *queue_, [this](const std::string& key) { reconcile(key); })) {}

JobController::~JobController() {
  stop();
}

void JobController::start(int workers) {
  workers_->start(workers);
}

void JobController::stop() {
  workers_->stop();
}

// ---- handlers: find the Job, note what was observed, queue it ----

std::string JobController::ownerKey(const bj::object& pod) const {
  auto ref = controllerOf(pod);
  if (!ref || ref->kind != "Job" || ref->apiVersion.rfind("batch/", 0) != 0) return "";
  std::string key = namespaceOf(pod) + "/" + ref->name;
  ObjectPtr job = deps_.jobs->get(key);
  if (!job || uidOf(*job) != ref->uid) return "";
  return key;
}

void JobController::onJobAdd(const ObjectPtr& job) {
  queue_->add(client::Informer::keyOf(*job));
}

void JobController::onJobUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  if (uidOf(*old) != uidOf(*now)) expectations_->deleteExpectations(client::Informer::keyOf(*old));
  queue_->add(client::Informer::keyOf(*now));
}

void JobController::onJobDelete(const ObjectPtr& job) {
  std::string key = client::Informer::keyOf(*job);
  expectations_->deleteExpectations(key);
  queue_->add(key);
}

void JobController::onPodAdd(const ObjectPtr& pod) {
  std::string key = ownerKey(*pod);
  if (key.empty()) return;
  if (isBeingDeleted(*pod))
    expectations_->deletionObserved(key, uidOf(*pod));
  else
    expectations_->creationObserved(key);
  queue_->add(key);
}

void JobController::onPodUpdate(const ObjectPtr& old, const ObjectPtr& now) {
  if (resourceVersionOf(*old) == resourceVersionOf(*now))
    return;  // a resync; the Jobs' own resync covers rechecks
  std::string key = ownerKey(*now);
  if (key.empty()) return;
  if (isBeingDeleted(*now)) expectations_->deletionObserved(key, uidOf(*now));
  queue_->add(key);
}

void JobController::onPodDelete(const ObjectPtr& pod) {
  std::string key = ownerKey(*pod);
  if (key.empty()) return;
  expectations_->deletionObserved(key, uidOf(*pod));
  queue_->add(key);
}

// ---- reconcile ----

int JobController::deletePods(const std::string& key, const bj::object& job,
                              const std::vector<ObjectPtr>& pods) {
  if (pods.empty()) return 0;
  std::vector<std::string> uids;
  for (const auto& p : pods) uids.push_back(uidOf(*p));
  expectations_->expectDeletions(key, uids);
  int sent = 0;
  std::optional<ApiError> firstError;
  for (const auto& p : pods) {
    try {
      deps_.podControl->deletePod(namespaceOf(*p), nameOf(*p), refOf(job));
      ++sent;
    } catch (const ApiError& e) {
      // Never seen as deleted through us: do not wait for it.
      expectations_->deletionObserved(key, uidOf(*p));
      if (e.code() != 404 && !firstError) firstError = e;
    }
  }
  if (firstError) throw *firstError;
  return sent;
}

void JobController::reconcile(const std::string& key) {
  ObjectPtr jobPtr = deps_.jobs->get(key);
  if (!jobPtr) {
    expectations_->deleteExpectations(key);
    return;
  }
  const bj::object& job = *jobPtr;
  if (isJobFinished(job) || isBeingDeleted(job))
    return;  // finished pods are kept, as in Kubernetes
  const std::string ns = namespaceOf(job);
  const std::string uid = uidOf(job);
  static const bj::object kEmpty;
  const auto* specPtr = json::getObject(job, "spec");
  const bj::object& spec = specPtr ? *specPtr : kEmpty;
  const auto* statusPtr = json::getObject(job, "status");
  bj::object status = statusPtr ? *statusPtr : bj::object{};
  const TimePoint now = deps_.clock->now();

  // Checked before reading the pods, so a creation observed in between is not missed.
  bool needsSync = expectations_->satisfied(key);

  const auto completions = optionalInt(spec, "completions");
  const bool indexed = completions && json::getString(spec, "completionMode") == "Indexed";
  std::vector<ObjectPtr> active, running;
  std::set<int64_t> succeededIndexes, activeIndexes;
  int64_t succeededPods = 0, failedPods = 0, ready = 0, restarts = 0;
  for (const auto& pod : deps_.pods->listNamespace(ns)) {
    auto ref = controllerOf(*pod);
    if (!ref || ref->uid != uid) continue;
    std::string phase = podPhase(*pod);
    auto index = indexed ? podCompletionIndex(*pod) : std::nullopt;
    if (phase == "Succeeded") {
      ++succeededPods;
      if (index && *index < *completions) succeededIndexes.insert(*index);
    }
    if (phase == "Failed") ++failedPods;
    if (isPodRunningOrPending(*pod)) running.push_back(pod);
    if (isPodActive(*pod)) {
      active.push_back(pod);
      restarts += restartsOf(*pod);
      if (index) activeIndexes.insert(*index);
      if (isPodReady(*pod)) ++ready;
    }
  }
  // Counts never go back: a counted pod that was deleted since still counted.
  int64_t succeeded = std::max(json::getInt(status, "succeeded"), succeededPods);
  if (indexed) {
    auto known = parseIndexes(json::getString(status, "completedIndexes"), *completions);
    succeededIndexes.insert(known.begin(), known.end());
    succeeded = static_cast<int64_t>(succeededIndexes.size());
    if (succeededIndexes.empty())
      status.erase("completedIndexes");
    else
      status["completedIndexes"] = formatIndexes(succeededIndexes);
  }
  int64_t failed = std::max(json::getInt(status, "failed"), failedPods);
  const bool suspended = json::getBool(spec, "suspend");
  const int64_t backoffLimit = optionalInt(spec, "backoffLimit").value_or(6);
  const auto* templateSpec = json::findPath(spec, "template.spec");
  const bool restartPolicyOnFailure =
      templateSpec && templateSpec->is_object() &&
      json::getString(templateSpec->as_object(), "restartPolicy") == "OnFailure";
  const int64_t parallelism = optionalInt(spec, "parallelism").value_or(1);
  const auto deadline = optionalInt(spec, "activeDeadlineSeconds");

  std::optional<TimePoint> startTime = parseRfc3339(json::getString(status, "startTime"));
  if (!suspended && !startTime) {
    startTime = now;
    status["startTime"] = formatRfc3339(now);
  }

  // The outcome: already decided (an interim condition), or decided now.
  struct Outcome {
    bool success;
    std::string reason, message;
  };
  std::optional<Outcome> outcome;
  if (const auto* c = jobCondition(job, kFailureTarget);
      c && json::getString(*c, "status") == "True") {
    outcome = Outcome{false, json::getString(*c, "reason"), json::getString(*c, "message")};
  } else if (hasTrueCondition(job, kSuccessCriteriaMet)) {
    outcome = Outcome{true, "CompletionsReached", "Reached expected number of succeeded pods"};
  } else if (failed > backoffLimit ||
             (restartPolicyOnFailure && restarts > 0 && failed + restarts > backoffLimit)) {
    outcome = Outcome{false, "BackoffLimitExceeded", "Job has reached the specified backoff limit"};
  } else if (!suspended && deadline && startTime &&
             now >= *startTime + std::chrono::seconds(*deadline)) {
    outcome = Outcome{false, "DeadlineExceeded", "Job was active longer than specified deadline"};
  } else if (completions ? succeeded >= *completions : succeeded > 0 && active.empty()) {
    outcome = Outcome{true, "CompletionsReached", "Reached expected number of succeeded pods"};
  }

  int64_t activeCount = static_cast<int64_t>(active.size());
  std::optional<std::string> manageError;
  if (outcome) {
    setJobCondition(status, outcome->success ? kSuccessCriteriaMet : kFailureTarget, "True",
                    outcome->reason, outcome->message, now);
    // Pods still running are no longer needed (on success, only extra ones may remain).
    if (needsSync) {
      try {
        deletePods(key, job, active);
      } catch (const ApiError& e) {
        manageError = e.message();
      }
    }
    activeCount = 0;
    // Any pod not yet Succeeded or Failed, even one being deleted, still runs.
    if (running.empty()) {
      if (outcome->success) {
        setJobCondition(status, kComplete, "True", outcome->reason, outcome->message, now);
        status["completionTime"] = formatRfc3339(now);
        deps_.recorder->event(refOf(job), "Normal", "Completed", "Job completed");
      } else {
        setJobCondition(status, kFailed, "True", outcome->reason, outcome->message, now);
        deps_.recorder->event(refOf(job), "Warning", outcome->reason, outcome->message);
      }
    }
  } else if (needsSync) {
    try {
      if (suspended) {
        activeCount -= deletePods(key, job, active);
        if (setJobCondition(status, kSuspended, "True", "JobSuspended", "Job suspended", now))
          deps_.recorder->event(refOf(job), "Normal", "Suspended", "Job suspended");
      } else {
        if (hasTrueCondition(job, kSuspended)) {
          setJobCondition(status, kSuspended, "False", "JobResumed", "Job resumed", now);
          deps_.recorder->event(refOf(job), "Normal", "Resumed", "Job resumed");
        }
        int64_t want = parallelism;
        if (completions) want = std::min(want, *completions - succeeded);
        // Without completions, one success means the work is done: only let the rest finish.
        if (!completions && succeeded > 0) want = std::min(want, activeCount);
        want = std::max<int64_t>(want, 0);
        if (activeCount > want) {
          // Unready and newest pods go first: they have done the least work.
          std::vector<ObjectPtr> victims = active;
          std::sort(victims.begin(), victims.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
            bool ra = isPodReady(*a), rb = isPodReady(*b);
            if (ra != rb) return !ra;
            return creationTime(*a).value_or(TimePoint{}) > creationTime(*b).value_or(TimePoint{});
          });
          victims.resize(std::min<int64_t>(activeCount - want, kBurst));
          activeCount -= deletePods(key, job, victims);
        } else if (activeCount < want) {
          int64_t count = std::min<int64_t>(want - activeCount, kBurst);
          std::vector<int64_t> indexes;
          if (indexed) {
            indexes = missingIndexes(succeededIndexes, activeIndexes, *completions, count);
            count = static_cast<int64_t>(indexes.size());
          }
          expectations_->expectCreations(key, static_cast<int>(count));
          const auto* tmpl = json::getObject(spec, "template");
          OwnerReference controllerRef = makeControllerRef(job, "batch/v1", "Job");
          for (int64_t i = 0; i < count; ++i) {
            try {
              bj::object podTemplate = tmpl ? *tmpl : kEmpty;
              if (indexed) podTemplate = indexedTemplate(podTemplate, nameOf(job), indexes[i]);
              deps_.podControl->createPod(ns, podTemplate, refOf(job), controllerRef);
              ++activeCount;
            } catch (const ApiError& e) {
              // The rest will never be observed either.
              for (int64_t j = i; j < count; ++j) expectations_->creationObserved(key);
              manageError = e.message();
              break;
            }
          }
        }
      }
    } catch (const ApiError& e) {
      manageError = e.message();
    }
  }

  status["active"] = activeCount;
  status["succeeded"] = succeeded;
  status["failed"] = failed;
  status["ready"] = ready;
  if (activeCount == 0) status.erase("active");
  if (succeeded == 0) status.erase("succeeded");
  if (failed == 0) status.erase("failed");
  status["terminating"] = static_cast<int64_t>(running.size() - active.size());
  if (json::getInt(status, "terminating") == 0) status.erase("terminating");
  if (!statusPtr || status != *statusPtr) writeStatus(job, status);

  // The deadline passes with no event to say so.
  if (!outcome && !suspended && deadline && startTime) {
    auto left = *startTime + std::chrono::seconds(*deadline) - now;
    queue_->addAfter(key, std::max<client::Duration>(left, std::chrono::seconds(0)) +
                              std::chrono::milliseconds(1));
  }
  if (manageError) throw ApiError(500, "InternalError", "job " + key + ": " + *manageError);
}

void JobController::writeStatus(const bj::object& job, const bj::object& status) {
  bj::object obj = job;  // a copy: the cached object is shared
  obj["apiVersion"] = "batch/v1";
  obj["kind"] = "Job";
  obj["status"] = status;
  try {
    deps_.client->update(kJobsResource, namespaceOf(job), nameOf(job), obj, "status");
  } catch (const ApiError& e) {
    if (e.code() == 404) return;  // deleted meanwhile
    throw;                        // a Conflict: our cache is behind; the retry reads the newer Job
  }
}

}  // namespace cube::controllers::job
