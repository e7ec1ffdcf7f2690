// batch/v1: Job and CronJob.
#include "api/kinds/batch/batch_strategies.h"
#include "api/resource_registry.h"

namespace cube::api {

void registerBatchV1(ResourceRegistry& registry) {
  ResourceInfo job;
  job.group = "batch";
  job.version = "v1";
  job.kind = "Job";
  job.listKind = "JobList";
  job.plural = "jobs";
  job.singular = "job";
  job.categories = {"all"};
  job.verbs = standardVerbs();
  job.subresources = {"status"};
  job.typeName = "io.k8s.api.batch.v1.Job";
  job.strategy = kinds::batch::jobStrategy();
  registry.add(std::move(job));

  ResourceInfo cron;
  cron.group = "batch";
  cron.version = "v1";
  cron.kind = "CronJob";
  cron.listKind = "CronJobList";
  cron.plural = "cronjobs";
  cron.singular = "cronjob";
  cron.shortNames = {"cj"};
  cron.categories = {"all"};
  cron.verbs = standardVerbs();
  cron.subresources = {"status"};
  cron.typeName = "io.k8s.api.batch.v1.CronJob";
  cron.strategy = kinds::batch::cronJobStrategy();
  registry.add(std::move(cron));
}

}  // namespace cube::api
