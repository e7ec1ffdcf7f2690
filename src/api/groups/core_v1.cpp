// core/v1 (the legacy "" group served under /api/v1) and autoscaling/v1, which only contributes
// the Scale type used by */scale subresources. Plural, short names, verbs and subresources are
// what a Kubernetes 1.32 API server reports in discovery.
#include "api/groups/builtin_kind.h"
#include "api/kinds/core/core_strategies.h"

namespace cube::api {

namespace {

std::vector<BuiltinKind> coreKinds() {
  namespace k = kinds::core;
  // Namespaces are deleted one by one through their finalizer; there is no deletecollection.
  std::vector<std::string> namespaceVerbs = {"create", "delete", "get",  "list",
                                             "patch",  "update", "watch"};
  return {
      {"Binding", "bindings", "binding", true, {}, {}, {"create"}, {}, k::bindingStrategy},
      {"ConfigMap", "configmaps", "configmap", true, {"cm"}, {}, {}, {}, k::configMapStrategy},
      {"Endpoints", "endpoints", "endpoints", true, {"ep"}, {}, {}, {}, k::endpointsStrategy},
      {"Event", "events", "event", true, {"ev"}, {}, {}, {}, k::eventStrategy},
      {"LimitRange",
       "limitranges",
       "limitrange",
       true,
       {"limits"},
       {},
       {},
       {},
       k::limitRangeStrategy},
      {"Namespace",
       "namespaces",
       "namespace",
       false,
       {"ns"},
       {},
       namespaceVerbs,
       {"status", "finalize"},
       k::namespaceStrategy},
      {"Node", "nodes", "node", false, {"no"}, {}, {}, {"status", "proxy"}, k::nodeStrategy},
      {"PersistentVolumeClaim",
       "persistentvolumeclaims",
       "persistentvolumeclaim",
       true,
       {"pvc"},
       {},
       {},
       {"status"},
       k::persistentVolumeClaimStrategy},
      {"PersistentVolume",
       "persistentvolumes",
       "persistentvolume",
       false,
       {"pv"},
       {},
       {},
       {"status"},
       k::persistentVolumeStrategy},
      {"Pod",
       "pods",
       "pod",
       true,
       {"po"},
       {"all"},
       {},
       {"status", "binding", "log", "exec", "attach", "portforward", "eviction",
        "ephemeralcontainers", "proxy"},
       k::podStrategy},
      {"PodTemplate", "podtemplates", "podtemplate", true, {}, {}, {}, {}, k::podTemplateStrategy},
      {"ReplicationController",
       "replicationcontrollers",
       "replicationcontroller",
       true,
       {"rc"},
       {"all"},
       {},
       {"status", "scale"},
       k::replicationControllerStrategy},
      {"ResourceQuota",
       "resourcequotas",
       "resourcequota",
       true,
       {"quota"},
       {},
       {},
       {"status"},
       k::resourceQuotaStrategy},
      {"Secret", "secrets", "secret", true, {}, {}, {}, {}, k::secretStrategy},
      {"ServiceAccount",
       "serviceaccounts",
       "serviceaccount",
       true,
       {"sa"},
       {},
       {},
       {},
       k::serviceAccountStrategy},
      {"Service",
       "services",
       "service",
       true,
       {"svc"},
       {"all"},
       {},
       {"status", "proxy"},
       k::serviceStrategy},
  };
}

}  // namespace

void registerCoreV1(ResourceRegistry& registry) {
  for (const auto& k : coreKinds())
    registry.add(builtinResource("", "v1", "io.k8s.api.core.v1.", k));
}

// autoscaling/v1 serves no resources of its own here (HorizontalPodAutoscaler is not part of
// cube); its Scale type is in autoscaling_v1.schema and used by the */scale subresources.
void registerAutoscalingV1(ResourceRegistry&) {}

}  // namespace cube::api
