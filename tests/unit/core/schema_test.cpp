// The core/v1 and autoscaling/v1 schema files parse with the rest of the built-in types and carry
// the Kubernetes facts the API depends on (merge keys, list types, defaults).

#include "api/resource_registry.h"
#include "api/schema/type_registry.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cube::api {
namespace {

const Field* fieldOf(const char* type, const char* name) {
  const Type* t = TypeRegistry::builtin().find(type);
  if (!t) return nullptr;
  return t->field(name);
}

TEST(CoreSchema, BuiltinRegistryParsesCoreTypes) {
  const auto& reg = TypeRegistry::builtin();
  for (const char* name :
       {"io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.PodSpec", "io.k8s.api.core.v1.Container",
        "io.k8s.api.core.v1.Service", "io.k8s.api.core.v1.Namespace", "io.k8s.api.core.v1.Node",
        "io.k8s.api.core.v1.PersistentVolume", "io.k8s.api.core.v1.PersistentVolumeClaim",
        "io.k8s.api.core.v1.Event", "io.k8s.api.core.v1.Binding",
        "io.k8s.api.core.v1.ReplicationController", "io.k8s.api.core.v1.LimitRange",
        "io.k8s.api.core.v1.ResourceQuota", "io.k8s.api.core.v1.Secret",
        "io.k8s.api.core.v1.ConfigMap", "io.k8s.api.core.v1.Endpoints",
        "io.k8s.api.core.v1.ServiceAccount", "io.k8s.api.autoscaling.v1.Scale"}) {
    EXPECT_NE(reg.find(name), nullptr) << name;
  }
}

TEST(CoreSchema, StrategicMergeMetadata) {
  const Field* containers = fieldOf("io.k8s.api.core.v1.PodSpec", "containers");
  ASSERT_NE(containers, nullptr);
  EXPECT_TRUE(containers->required);
  EXPECT_EQ(containers->patchStrategy, "merge");
  EXPECT_EQ(containers->patchMergeKey, "name");

  const Field* ports = fieldOf("io.k8s.api.core.v1.ServiceSpec", "ports");
  ASSERT_NE(ports, nullptr);
  EXPECT_EQ(ports->patchMergeKey, "port");
  EXPECT_EQ(ports->listType, "map");
  EXPECT_EQ(ports->listMapKeys, (std::vector<std::string>{"port", "protocol"}));

  const Field* volumes = fieldOf("io.k8s.api.core.v1.PodSpec", "volumes");
  ASSERT_NE(volumes, nullptr);
  EXPECT_EQ(volumes->patchStrategy, "merge,retainKeys");

  const Field* cports = fieldOf("io.k8s.api.core.v1.Container", "ports");
  ASSERT_NE(cports, nullptr);
  EXPECT_EQ(cports->patchMergeKey, "containerPort");
  EXPECT_EQ(cports->listMapKeys, (std::vector<std::string>{"containerPort", "protocol"}));
}

TEST(CoreSchema, UnconditionalDefaults) {
  const Field* tmp = fieldOf("io.k8s.api.core.v1.Container", "terminationMessagePath");
  ASSERT_NE(tmp, nullptr);
  ASSERT_TRUE(tmp->defaultValue.has_value());
  EXPECT_EQ(*tmp->defaultValue, boost::json::value("/dev/termination-log"));
  const Field* proto = fieldOf("io.k8s.api.core.v1.ServicePort", "protocol");
  ASSERT_NE(proto, nullptr);
  EXPECT_EQ(*proto->defaultValue, boost::json::value("TCP"));
  const Field* grace = fieldOf("io.k8s.api.core.v1.PodSpec", "terminationGracePeriodSeconds");
  ASSERT_NE(grace, nullptr);
  EXPECT_EQ(*grace->defaultValue, boost::json::value(30));
  const Field* sc = fieldOf("io.k8s.api.core.v1.PodSpec", "securityContext");
  ASSERT_NE(sc, nullptr);
  ASSERT_TRUE(sc->defaultValue.has_value());
  EXPECT_TRUE(sc->defaultValue->is_object());
  const Field* policy = fieldOf("io.k8s.api.core.v1.Container", "imagePullPolicy");
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->enumValues, (std::vector<std::string>{"Always", "IfNotPresent", "Never"}));
}

TEST(CoreRegistration, PodsServicesAndFriends) {
  auto& reg = ResourceRegistry::builtin();
  auto pods = reg.find("", "v1", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->kind, "Pod");
  EXPECT_EQ(pods->listKind, "PodList");
  EXPECT_EQ(pods->shortNames, std::vector<std::string>{"po"});
  EXPECT_EQ(pods->categories, std::vector<std::string>{"all"});
  for (const char* sub : {"status", "binding", "log", "exec", "attach", "portforward", "eviction",
                          "ephemeralcontainers"})
    EXPECT_TRUE(pods->hasSubresource(sub)) << sub;
  EXPECT_TRUE(pods->namespaced);
  EXPECT_EQ(pods->typeName, "io.k8s.api.core.v1.Pod");

  auto ns = reg.find("", "v1", "namespaces");
  ASSERT_NE(ns, nullptr);
  EXPECT_FALSE(ns->namespaced);
  EXPECT_EQ(std::count(ns->verbs.begin(), ns->verbs.end(), "deletecollection"), 0);
  EXPECT_TRUE(ns->hasSubresource("finalize"));

  auto bindings = reg.find("", "v1", "bindings");
  ASSERT_NE(bindings, nullptr);
  EXPECT_EQ(bindings->verbs, std::vector<std::string>{"create"});

  auto rc = reg.find("", "v1", "replicationcontrollers");
  ASSERT_NE(rc, nullptr);
  EXPECT_TRUE(rc->hasSubresource("scale"));
  EXPECT_EQ(rc->shortNames, std::vector<std::string>{"rc"});

  struct Short {
    const char* plural;
    const char* shortName;
    bool namespaced;
  };
  for (auto s :
       {Short{"services", "svc", true}, Short{"configmaps", "cm", true},
        Short{"events", "ev", true}, Short{"endpoints", "ep", true}, Short{"nodes", "no", false},
        Short{"serviceaccounts", "sa", true}, Short{"persistentvolumes", "pv", false},
        Short{"persistentvolumeclaims", "pvc", true}, Short{"resourcequotas", "quota", true},
        Short{"limitranges", "limits", true}}) {
    auto r = reg.find("", "v1", s.plural);
    ASSERT_NE(r, nullptr) << s.plural;
    EXPECT_EQ(r->shortNames, std::vector<std::string>{s.shortName}) << s.plural;
    EXPECT_EQ(r->namespaced, s.namespaced) << s.plural;
    EXPECT_EQ(r->storageVersion, "v1");
  }
  EXPECT_EQ(reg.find("", "v1", "secrets")->kind, "Secret");
}

}  // namespace
}  // namespace cube::api
