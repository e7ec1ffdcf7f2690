#include "api/schema/openapi.h"

#include "test_schemas.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

namespace cube::api {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr const char* kApps = R"(package io.k8s.api.apps.v1
type ReplicaSet "Keeps pods running."
  apiVersion string "API version."
  kind string "Kind."
  metadata ObjectMeta "Metadata."
  spec ReplicaSetSpec "Spec."
type ReplicaSetSpec "Spec."
  replicas int32 default=1 "Replicas."
  selector LabelSelector required "Selector."
  maxSurge int-or-string "Surge."
package io.k8s.apimachinery.pkg.apis.meta.v1
type LabelSelector "Selector."
  matchLabels map[string] "Labels."
package io.k8s.api.autoscaling.v1
type Scale "Scale."
  spec ScaleSpec "Spec."
type ScaleSpec "Spec."
  replicas int32 "Replicas."
)";

class OpenApiTest : public ::testing::Test {
 protected:
  OpenApiTest() {
    types_.load("meta.schema", testing::kTestMeta);
    types_.load("core.schema", testing::kTestCore);
    types_.load("apps.schema", kApps);
    types_.resolve();
    ResourceInfo pod;
    pod.version = "v1";
    pod.kind = "Pod";
    pod.plural = "pods";
    pod.singular = "pod";
    pod.verbs = standardVerbs();
    pod.subresources = {"status", "log"};
    pod.typeName = "io.k8s.api.core.v1.Pod";
    registry_.add(pod);
    ResourceInfo rs;
    rs.group = "apps";
    rs.version = "v1";
    rs.kind = "ReplicaSet";
    rs.plural = "replicasets";
    rs.verbs = standardVerbs();
    rs.subresources = {"status", "scale"};
    rs.typeName = "io.k8s.api.apps.v1.ReplicaSet";
    registry_.add(rs);
    rs.version = "v1beta2";
    rs.preferred = false;
    rs.storageVersion = "v1";
    registry_.add(rs);
  }

  const json::object& schema(const json::object& doc, const std::string& name) {
    return doc.at("components").at("schemas").at(name).as_object();
  }

  // Follows a $ref, directly or through a one-element allOf, as kubectl explain does.
  const json::object& resolve(const json::object& doc, const json::object& s) {
    const json::object* p = &s;
    if (p->contains("allOf")) p = &p->at("allOf").at(0).as_object();
    if (!p->contains("$ref")) return *p;
    std::string ref(p->at("$ref").as_string());
    EXPECT_TRUE(ref.starts_with("#/components/schemas/")) << ref;
    return schema(doc, ref.substr(std::string("#/components/schemas/").size()));
  }

  TypeRegistry types_;
  ResourceRegistry registry_{types_};
};

TEST_F(OpenApiTest, IndexListsEveryGroupVersionWithItsHash) {
  json::object index = openApiV3Index(registry_);
  const json::object& paths = index.at("paths").as_object();
  ASSERT_EQ(paths.size(), 3u);
  json::object core = openApiV3Document(registry_, "", "v1");
  EXPECT_EQ(paths.at("api/v1").at("serverRelativeURL"),
            json::value("/openapi/v3/api/v1?hash=" + openApiV3Hash(core)));
  EXPECT_THAT(std::string(paths.at("apis/apps/v1").at("serverRelativeURL").as_string()),
              HasSubstr("/openapi/v3/apis/apps/v1?hash="));
  EXPECT_TRUE(paths.contains("apis/apps/v1beta2"));
  // Stable: the same registry gives the same digest; another document another one.
  EXPECT_EQ(openApiV3Hash(core), openApiV3Hash(openApiV3Document(registry_, "", "v1")));
  EXPECT_NE(openApiV3Hash(core), openApiV3Hash(openApiV3Document(registry_, "apps", "v1")));
  EXPECT_EQ(openApiV3Hash(core).size(), 32u);
  EXPECT_TRUE(openApiV3Document(registry_, "nope", "v1").empty());
}

TEST_F(OpenApiTest, PatchOperationsCarryGvkAndFieldValidation) {
  json::object doc = openApiV3Document(registry_, "", "v1");
  EXPECT_EQ(doc.at("openapi"), "3.0.0");
  const json::object& item =
      doc.at("paths").at("/api/v1/namespaces/{namespace}/pods/{name}").as_object();
  const json::object& patch = item.at("patch").as_object();
  EXPECT_EQ(patch.at("x-kubernetes-action"), "patch");
  EXPECT_EQ(patch.at("operationId"), "patchCoreV1NamespacedPod");
  EXPECT_EQ(patch.at("x-kubernetes-group-version-kind"),
            (json::object{{"group", ""}, {"kind", "Pod"}, {"version", "v1"}}));
  bool hasFieldValidation = false;
  for (const auto& p : patch.at("parameters").as_array()) {
    if (p.at("name") == "fieldValidation" && p.at("in") == "query") hasFieldValidation = true;
  }
  EXPECT_TRUE(hasFieldValidation);
  const json::object& content = patch.at("requestBody").at("content").as_object();
  for (const char* type :
       {"application/json-patch+json", "application/merge-patch+json",
        "application/strategic-merge-patch+json", "application/apply-patch+yaml"}) {
    ASSERT_TRUE(content.contains(type)) << type;
    EXPECT_EQ(content.at(type).at("schema").at("$ref"),
              "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch");
  }
  EXPECT_TRUE(doc.at("components")
                  .at("schemas")
                  .as_object()
                  .contains("io.k8s.apimachinery.pkg.apis.meta.v1.Patch"));

  // Every PATCH in the document names a GVK and takes fieldValidation (kubectl checks them).
  int patches = 0;
  for (const auto& [path, ops] : doc.at("paths").as_object()) {
    if (!ops.as_object().contains("patch")) continue;
    ++patches;
    const auto& op = ops.at("patch");
    EXPECT_TRUE(op.as_object().contains("x-kubernetes-group-version-kind")) << path;
    EXPECT_THAT(json::serialize(op.at("parameters")), HasSubstr("\"fieldValidation\"")) << path;
  }
  EXPECT_EQ(patches, 2);  // pods/{name} and pods/{name}/status
}

TEST_F(OpenApiTest, PathsAndActions) {
  json::object doc = openApiV3Document(registry_, "", "v1");
  const json::object& paths = doc.at("paths").as_object();
  const json::object& coll = paths.at("/api/v1/namespaces/{namespace}/pods").as_object();
  EXPECT_EQ(coll.at("get").at("x-kubernetes-action"), "list");
  EXPECT_EQ(coll.at("post").at("x-kubernetes-action"), "post");
  EXPECT_EQ(coll.at("delete").at("x-kubernetes-action"), "deletecollection");
  EXPECT_EQ(coll.at("get")
                .at("responses")
                .at("200")
                .at("content")
                .at("application/json")
                .at("schema")
                .at("$ref"),
            "#/components/schemas/io.k8s.api.core.v1.PodList");
  EXPECT_EQ(coll.at("post").at("requestBody").at("content").at("*/*").at("schema").at("$ref"),
            "#/components/schemas/io.k8s.api.core.v1.Pod");
  EXPECT_THAT(json::serialize(coll.at("post").at("parameters")), HasSubstr("\"dryRun\""));
  const json::object& item = paths.at("/api/v1/namespaces/{namespace}/pods/{name}").as_object();
  EXPECT_EQ(item.at("get").at("x-kubernetes-action"), "get");
  EXPECT_EQ(item.at("put").at("x-kubernetes-action"), "put");
  EXPECT_EQ(item.at("delete").at("x-kubernetes-action"), "delete");
  EXPECT_EQ(item.at("put").at("operationId"), "replaceCoreV1NamespacedPod");
  EXPECT_THAT(json::serialize(item.at("parameters")), HasSubstr("\"namespace\""));
  EXPECT_TRUE(paths.contains("/api/v1/namespaces/{namespace}/pods/{name}/status"));
  EXPECT_EQ(paths.at("/api/v1/pods").at("get").at("operationId"), "listCoreV1PodForAllNamespaces");
  EXPECT_TRUE(
      schema(doc, "io.k8s.api.core.v1.PodList").at("properties").as_object().contains("items"));
}

TEST_F(OpenApiTest, SchemasAreFullyTypedAndNestedRefsResolve) {
  json::object doc = openApiV3Document(registry_, "", "v1");
  const json::object& pod = schema(doc, "io.k8s.api.core.v1.Pod");
  EXPECT_EQ(pod.at("x-kubernetes-group-version-kind"),
            (json::array{json::object{{"group", ""}, {"kind", "Pod"}, {"version", "v1"}}}));
  // A field with its own description: allOf-wrapped $ref; the metadata default rides along.
  const json::object& metadata = pod.at("properties").at("metadata").as_object();
  EXPECT_EQ(metadata.at("allOf").at(0).at("$ref"),
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(metadata.at("default"), json::object());

  // pods.spec.containers.ports, the way kubectl explain walks it.
  const json::object& spec = resolve(doc, pod.at("properties").at("spec").as_object());
  const json::object& containers = spec.at("properties").at("containers").as_object();
  EXPECT_EQ(containers.at("type"), "array");
  EXPECT_EQ(containers.at("x-kubernetes-patch-merge-key"), "name");
  EXPECT_EQ(containers.at("x-kubernetes-patch-strategy"), "merge");
  EXPECT_EQ(containers.at("x-kubernetes-list-type"), "map");
  EXPECT_EQ(containers.at("x-kubernetes-list-map-keys"), json::array{"name"});
  EXPECT_EQ(spec.at("required"), json::array{"containers"});
  const json::object& container = resolve(doc, containers.at("items").as_object());
  const json::object& ports = container.at("properties").at("ports").as_object();
  EXPECT_EQ(ports.at("x-kubernetes-list-map-keys"), (json::array{"containerPort", "protocol"}));
  const json::object& port = resolve(doc, ports.at("items").as_object());
  EXPECT_EQ(
      port.at("properties").at("containerPort"),
      (json::object{{"type", "integer"}, {"format", "int32"}, {"description", "Port number."}}));
  const json::object& protocol = port.at("properties").at("protocol").as_object();
  EXPECT_EQ(protocol.at("default"), "TCP");
  EXPECT_EQ(protocol.at("enum"), (json::array{"TCP", "UDP", "SCTP"}));

  // Quantities, maps, times, int-or-string, any, bytes.
  const json::object& limits = resolve(doc, container.at("properties").at("resources").as_object())
                                   .at("properties")
                                   .at("limits")
                                   .as_object();
  EXPECT_EQ(limits.at("additionalProperties").at("$ref"),
            "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity");
  const json::object& quantity = schema(doc, "io.k8s.apimachinery.pkg.api.resource.Quantity");
  EXPECT_EQ(quantity.at("oneOf"),
            (json::array{json::object{{"type", "string"}}, json::object{{"type", "number"}}}));
  EXPECT_FALSE(quantity.contains("x-kubernetes-int-or-string"));
  const json::object& status = schema(doc, "io.k8s.api.core.v1.PodStatus");
  EXPECT_EQ(resolve(doc, status.at("properties").at("startTime").as_object()).at("format"),
            "date-time");
  const json::object& ready = resolve(doc, status.at("properties").at("ready").as_object());
  EXPECT_EQ(ready.at("x-kubernetes-int-or-string"), true);
  const json::object& volume = schema(doc, "io.k8s.api.core.v1.Volume");
  EXPECT_EQ(volume.at("properties").at("configMap").at("x-kubernetes-preserve-unknown-fields"),
            true);
  EXPECT_EQ(volume.at("properties").at("data").at("format"), "byte");
  const json::object& meta = schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(meta.at("properties").at("ownerReferences").at("x-kubernetes-patch-merge-key"), "uid");
  EXPECT_EQ(meta.at("properties").at("finalizers").at("x-kubernetes-patch-strategy"), "merge");
  EXPECT_EQ(meta.at("properties").at("labels").at("additionalProperties"),
            (json::object{{"type", "string"}}));

  // Meta types the operations refer to are present.
  for (const char* name : {"DeleteOptions", "Status", "Patch", "ListMeta"}) {
    EXPECT_TRUE(doc.at("components")
                    .at("schemas")
                    .as_object()
                    .contains(std::string("io.k8s.apimachinery.pkg.apis.meta.v1.") + name))
        << name;
  }
  // No dangling $ref anywhere.
  std::string text = json::serialize(doc);
  size_t pos = 0;
  const std::string marker = "\"$ref\":\"#/components/schemas/";
  while ((pos = text.find(marker, pos)) != std::string::npos) {
    pos += marker.size();
    std::string name = text.substr(pos, text.find('"', pos) - pos);
    EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains(name)) << name;
  }
}

TEST_F(OpenApiTest, SharedTypeIsPresentedUnderEachGroupVersion) {
  json::object v1 = openApiV3Document(registry_, "apps", "v1");
  json::object beta = openApiV3Document(registry_, "apps", "v1beta2");
  EXPECT_EQ(
      schema(v1, "io.k8s.api.apps.v1.ReplicaSet").at("x-kubernetes-group-version-kind"),
      (json::array{json::object{{"group", "apps"}, {"kind", "ReplicaSet"}, {"version", "v1"}}}));
  const json::object& rs = schema(beta, "io.k8s.api.apps.v1beta2.ReplicaSet");
  EXPECT_EQ(rs.at("x-kubernetes-group-version-kind"),
            (json::array{
                json::object{{"group", "apps"}, {"kind", "ReplicaSet"}, {"version", "v1beta2"}}}));
  // Nested types keep their names and resolve.
  EXPECT_EQ(resolve(beta, rs.at("properties").at("spec").as_object())
                .at("properties")
                .at("replicas")
                .at("default"),
            1);
  EXPECT_FALSE(
      beta.at("components").at("schemas").as_object().contains("io.k8s.api.apps.v1.ReplicaSet"));
  const json::object& patch =
      beta.at("paths")
          .at("/apis/apps/v1beta2/namespaces/{namespace}/replicasets/{name}")
          .at("patch")
          .as_object();
  EXPECT_EQ(patch.at("x-kubernetes-group-version-kind").at("version"), "v1beta2");
  EXPECT_EQ(patch.at("operationId"), "patchAppsV1beta2NamespacedReplicaSet");
  EXPECT_EQ(beta.at("paths")
                .at("/apis/apps/v1beta2/namespaces/{namespace}/replicasets")
                .at("get")
                .at("responses")
                .at("200")
                .at("content")
                .at("application/json")
                .at("schema")
                .at("$ref"),
            "#/components/schemas/io.k8s.api.apps.v1beta2.ReplicaSetList");

  // The scale subresource speaks autoscaling/v1 Scale.
  const json::object& scale =
      v1.at("paths")
          .at("/apis/apps/v1/namespaces/{namespace}/replicasets/{name}/scale")
          .as_object();
  EXPECT_EQ(scale.at("patch").at("x-kubernetes-group-version-kind"),
            (json::object{{"group", "autoscaling"}, {"kind", "Scale"}, {"version", "v1"}}));
  EXPECT_EQ(scale.at("patch").at("operationId"), "patchAppsV1NamespacedReplicaSetScale");
  EXPECT_TRUE(schema(v1, "io.k8s.api.autoscaling.v1.Scale").contains("properties"));
}

}  // namespace
}  // namespace cube::api
