// The group registrations against the real schema types: every .schema file parses and
// resolves, and the served resources carry Kubernetes' names, scopes and subresources.
#include "api/resource_registry.h"
#include "api/schema/type_registry.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace cube::api {
namespace {

ResourceRegistry& groupsRegistry() {
  static ResourceRegistry* registry = [] {
    auto* r = new ResourceRegistry(TypeRegistry::builtin());
    registerAppsGroup(*r);
    registerBatchV1(*r);
    registerNetworkingV1(*r);
    registerDiscoveryV1(*r);
    registerStorageV1(*r);
    registerCoordinationV1(*r);
    registerEventsV1(*r);
    registerRbacV1(*r);
    return r;
  }();
  return *registry;
}

TEST(GroupSchemas, TypesResolveWithUnconditionalDefaults) {
  const auto& types = TypeRegistry::builtin();
  const Type* spec = types.find("io.k8s.api.apps.v1.DeploymentSpec");
  ASSERT_NE(spec, nullptr);
  ASSERT_NE(spec->field("revisionHistoryLimit"), nullptr);
  EXPECT_EQ(*spec->field("revisionHistoryLimit")->defaultValue, boost::json::value(10));
  EXPECT_EQ(*spec->field("progressDeadlineSeconds")->defaultValue, boost::json::value(600));
  EXPECT_TRUE(spec->field("selector")->required);
  EXPECT_EQ(spec->field("template")->type->name, "io.k8s.api.core.v1.PodTemplateSpec");
  EXPECT_EQ(spec->field("strategy")->patchStrategy, "retainKeys");
  const Type* status = types.find("io.k8s.api.apps.v1.DeploymentStatus");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->field("conditions")->patchMergeKey, "type");
  const Type* cron = types.find("io.k8s.api.batch.v1.CronJobSpec");
  ASSERT_NE(cron, nullptr);
  EXPECT_EQ(*cron->field("concurrencyPolicy")->defaultValue, boost::json::value("Allow"));
  EXPECT_EQ(*cron->field("successfulJobsHistoryLimit")->defaultValue, boost::json::value(3));
  const Type* path = types.find("io.k8s.api.networking.v1.HTTPIngressPath");
  ASSERT_NE(path, nullptr);
  EXPECT_TRUE(path->field("pathType")->required);
  for (const char* name :
       {"io.k8s.api.apps.v1.StatefulSet", "io.k8s.api.apps.v1.ControllerRevision",
        "io.k8s.api.batch.v1.Job", "io.k8s.api.networking.v1.IngressClass",
        "io.k8s.api.discovery.v1.EndpointSlice", "io.k8s.api.storage.v1.StorageClass",
        "io.k8s.api.coordination.v1.Lease", "io.k8s.api.events.v1.Event",
        "io.k8s.api.rbac.v1.ClusterRoleBinding"}) {
    EXPECT_NE(types.find(name), nullptr) << name;
  }
}

TEST(GroupRegistration, AppsServesV1PreferredAndV1beta2) {
  auto& r = groupsRegistry();
  auto deploy = r.find("apps", "v1", "deployments");
  ASSERT_NE(deploy, nullptr);
  EXPECT_EQ(deploy->shortNames, std::vector<std::string>{"deploy"});
  EXPECT_EQ(deploy->categories, std::vector<std::string>{"all"});
  EXPECT_TRUE(deploy->hasSubresource("scale"));
  EXPECT_TRUE(deploy->hasSubresource("status"));
  auto rsBeta = r.find("apps", "v1beta2", "replicasets");
  ASSERT_NE(rsBeta, nullptr);
  EXPECT_FALSE(rsBeta->preferred);
  EXPECT_EQ(rsBeta->storageVersion, "v1");
  EXPECT_EQ(rsBeta->typeName, "io.k8s.api.apps.v1.ReplicaSet");
  EXPECT_TRUE(rsBeta->conversion.toStorage);
  EXPECT_EQ(r.storageOf(*rsBeta)->version, "v1");
  auto ds = r.find("apps", "v1", "daemonsets");
  EXPECT_FALSE(ds->hasSubresource("scale"));
  for (const auto& g : r.groups()) {
    if (g.group == "apps") EXPECT_EQ(g.versions, (std::vector<std::string>{"v1", "v1beta2"}));
  }
}

TEST(GroupRegistration, NamesScopesAndShortNames) {
  auto& r = groupsRegistry();
  struct Want {
    const char* group;
    const char* plural;
    const char* kind;
    bool namespaced;
    std::vector<std::string> shortNames;
    bool all;
  };
  const Want wants[] = {
      {"batch", "jobs", "Job", true, {}, true},
      {"batch", "cronjobs", "CronJob", true, {"cj"}, true},
      {"networking.k8s.io", "ingresses", "Ingress", true, {"ing"}, false},
      {"networking.k8s.io", "ingressclasses", "IngressClass", false, {}, false},
      {"discovery.k8s.io", "endpointslices", "EndpointSlice", true, {}, false},
      {"storage.k8s.io", "storageclasses", "StorageClass", false, {"sc"}, false},
      {"coordination.k8s.io", "leases", "Lease", true, {}, false},
      {"events.k8s.io", "events", "Event", true, {"ev"}, false},
      {"rbac.authorization.k8s.io", "roles", "Role", true, {}, false},
      {"rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false, {}, false},
      {"rbac.authorization.k8s.io", "rolebindings", "RoleBinding", true, {}, false},
      {"rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", false, {}, false},
  };
  for (const auto& w : wants) {
    auto info = r.find(w.group, "v1", w.plural);
    ASSERT_NE(info, nullptr) << w.plural;
    EXPECT_EQ(info->kind, w.kind);
    EXPECT_EQ(info->listKind, std::string(w.kind) + "List");
    EXPECT_EQ(info->namespaced, w.namespaced) << w.plural;
    EXPECT_EQ(info->shortNames, w.shortNames) << w.plural;
    EXPECT_EQ(!info->categories.empty(), w.all) << w.plural;
    EXPECT_EQ(info->verbs, standardVerbs());
  }
  EXPECT_TRUE(r.find("batch", "v1", "jobs")->hasSubresource("status"));
  EXPECT_TRUE(r.find("networking.k8s.io", "v1", "ingresses")->hasSubresource("status"));
}

TEST(GroupRegistration, EventsStoredAsCoreEvent) {
  auto& r = groupsRegistry();
  auto ev = r.find("events.k8s.io", "v1", "events");
  ASSERT_NE(ev, nullptr);
  ASSERT_TRUE(ev->storageGroup.has_value());
  EXPECT_EQ(*ev->storageGroup, "");
  EXPECT_EQ(ev->storageVersion, "v1");
  EXPECT_TRUE(ev->conversion.toStorage);
  EXPECT_TRUE(ev->conversion.fromStorage);
}

}  // namespace
}  // namespace cube::api
