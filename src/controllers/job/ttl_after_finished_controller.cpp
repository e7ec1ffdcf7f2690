#include "controllers/job/ttl_after_finished_controller.h"

#include "client/informer.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/job/job_controller.h"
#include "controllers/job/job_util.h"

namespace cube::controllers::job {

namespace bj = boost::json;

TtlAfterFinishedController::TtlAfterFinishedController(const ControllerContext& context)
    : TtlAfterFinishedController(
          Deps{context.client,
               std::make_shared<InformerCache>(context.informers->informerFor(kJobsResource)),
               context.clock}) {
  context.informers->informerFor(kJobsResource)
      ->addHandlers({[this](const ObjectPtr& o) { onJob(o); },
                     [this](const ObjectPtr&, const ObjectPtr& b) { onJob(b); }, nullptr});
}

TtlAfterFinishedController::TtlAfterFinishedController(Deps deps)
    : deps_(std::move(deps)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>("ttl-after-finished-controller", *queue_,
                                              [this](const std::string& key) { reconcile(key); })) {
}

TtlAfterFinishedController::~TtlAfterFinishedController() {
  stop();
}

void TtlAfterFinishedController::start(int workers) {
  workers_->start(workers);
}

void TtlAfterFinishedController::stop() {
  workers_->stop();
}

void TtlAfterFinishedController::onJob(const ObjectPtr& job) {
  if (timeLeft(*job)) queue_->add(client::Informer::keyOf(*job));
}

std::optional<client::Duration> TtlAfterFinishedController::timeLeft(const bj::object& job) const {
  if (isBeingDeleted(job)) return std::nullopt;
  const auto* spec = json::getObject(job, "spec");
  const auto* ttl = spec ? spec->if_contains("ttlSecondsAfterFinished") : nullptr;
  if (!ttl || !ttl->is_number()) return std::nullopt;
  auto finished = jobFinishTime(job);
  if (!finished) return std::nullopt;
  return *finished + std::chrono::seconds(ttl->to_number<int64_t>()) - deps_.clock->now();
}

void TtlAfterFinishedController::reconcile(const std::string& key) {
  ObjectPtr cached = deps_.jobs->get(key);
  if (!cached) return;
  auto left = timeLeft(*cached);
  if (!left) return;
  if (*left > client::Duration::zero()) {
    queue_->addAfter(key, *left);
    return;
  }
  // The cache may be stale: decide on the current object.
  bj::object fresh;
  try {
    fresh = deps_.client->get(kJobsResource, namespaceOf(*cached), nameOf(*cached));
  } catch (const ApiError& e) {
    if (e.code() == 404) return;
    throw;
  }
  left = timeLeft(fresh);
  if (!left) return;
  if (*left > client::Duration::zero()) {
    queue_->addAfter(key, *left);
    return;
  }
  client::DeleteOptions options;
  options.propagationPolicy = "Foreground";
  options.preconditionUid = uidOf(fresh);
  try {
    deps_.client->remove(kJobsResource, namespaceOf(fresh), nameOf(fresh), options);
    CUBE_LOG(Info) << "ttl-after-finished: deleted job " << key;
  } catch (const ApiError& e) {
    if (e.code() != 404 && e.code() != 409) throw;
  }
}

}  // namespace cube::controllers::job
