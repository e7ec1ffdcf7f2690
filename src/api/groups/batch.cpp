// batch/v1: Job and CronJob.
#include "api/groups/builtin_kind.h"
#include "api/kinds/batch/batch_strategies.h"

namespace cube::api {

void registerBatchV1(ResourceRegistry& registry) {
  namespace k = kinds::batch;
  const BuiltinKind kinds[] = {
      {.kind = "Job",
       .plural = "jobs",
       .singular = "job",
       .categories = {"all"},
       .subresources = {"status"},
       .strategy = k::jobStrategy},
      {.kind = "CronJob",
       .plural = "cronjobs",
       .singular = "cronjob",
       .shortNames = {"cj"},
       .categories = {"all"},
       .subresources = {"status"},
       .strategy = k::cronJobStrategy},
  };
  for (const auto& kind : kinds)
    registry.add(builtinResource("batch", "v1", "io.k8s.api.batch.v1.", kind));
}

}  // namespace cube::api
