#include "json/patch/strategic_merge_patch.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>

#include "common/api_error.h"

namespace cube::json {
namespace {

namespace bj = boost::json;
using api::Field;
using api::Type;
using api::TypeKind;

// A hand-built slice of the Pod/Deployment schema: just what the merge strategies need.
struct Schema {
  static Type of(TypeKind kind) {
    Type t;
    t.kind = kind;
    return t;
  }

  Type str = of(TypeKind::String);
  Type intT = of(TypeKind::Integer);
  Type any = of(TypeKind::Any);
  Type stringMap = of(TypeKind::Map);
  Type stringList = of(TypeKind::Array);
  Type envVar = of(TypeKind::Object);
  Type envList = of(TypeKind::Array);
  Type port = of(TypeKind::Object);
  Type portList = of(TypeKind::Array);
  Type container = of(TypeKind::Object);
  Type containerList = of(TypeKind::Array);
  Type volume = of(TypeKind::Object);
  Type volumeList = of(TypeKind::Array);
  Type podSpec = of(TypeKind::Object);
  Type meta = of(TypeKind::Object);
  Type podTemplate = of(TypeKind::Object);
  Type strategy = of(TypeKind::Object);
  Type deploymentSpec = of(TypeKind::Object);
  Type deployment = of(TypeKind::Object);
  Type pod = of(TypeKind::Object);

  static Field field(std::string name, const Type* t, std::string strategy = "",
                     std::string key = "") {
    Field f;
    f.name = std::move(name);
    f.type = t;
    f.patchStrategy = std::move(strategy);
    f.patchMergeKey = std::move(key);
    return f;
  }

  Schema() {
    stringMap.elem = &str;
    stringList.elem = &str;
    envVar.fields = {field("name", &str), field("value", &str)};
    envList.elem = &envVar;
    port.fields = {field("containerPort", &intT), field("protocol", &str), field("name", &str)};
    portList.elem = &port;
    container.fields = {field("name", &str), field("image", &str), field("args", &stringList),
                        field("env", &envList, "merge", "name"),
                        field("ports", &portList, "merge", "containerPort")};
    containerList.elem = &container;
    volume.fields = {field("name", &str), field("emptyDir", &any)};
    volumeList.elem = &volume;
    podSpec.fields = {field("containers", &containerList, "merge", "name"),
                      field("volumes", &volumeList, "merge,retainKeys", "name"),
                      field("nodeSelector", &stringMap)};
    meta.fields = {field("name", &str), field("labels", &stringMap),
                   field("finalizers", &stringList, "merge")};
    podTemplate.fields = {field("metadata", &meta), field("spec", &podSpec)};
    strategy.fields = {field("type", &str), field("rollingUpdate", &any)};
    deploymentSpec.fields = {field("replicas", &intT), field("template", &podTemplate),
                             field("strategy", &strategy, "retainKeys")};
    deployment.fields = {field("metadata", &meta), field("spec", &deploymentSpec)};
    pod.fields = {field("metadata", &meta), field("spec", &podSpec)};
  }
};

const Schema& schema() {
  static const Schema s;
  return s;
}

bj::value smp(std::string_view original, std::string_view patch, const Type* t) {
  return strategicMergePatch(bj::parse(original), bj::parse(patch), t);
}

void expectSmp(std::string_view original, std::string_view patch, const Type* t,
               std::string_view expected) {
  EXPECT_EQ(smp(original, patch, t), bj::parse(expected))
      << "original: " << original << "\npatch: " << patch
      << "\ngot: " << bj::serialize(smp(original, patch, t));
}

TEST(StrategicMergePatch, KubectlSetImage) {
  expectSmp(
      R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"old"},
          {"name":"b","image":"b1"}]}}}})",
      R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
          "containers":[{"image":"x","name":"a"}]}}}})",
      &schema().deployment,
      R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"x"},
          {"name":"b","image":"b1"}]}}}})");
}

TEST(StrategicMergePatch, ContainersMergedByNameNewOnesFirst) {
  // Without $setElementOrder Kubernetes puts items new to the server before server-only ones.
  expectSmp(R"({"spec":{"containers":[{"name":"a","image":"1"}]}})",
            R"({"spec":{"containers":[{"name":"b","image":"2"}]}})", &schema().pod,
            R"({"spec":{"containers":[{"name":"b","image":"2"},{"name":"a","image":"1"}]}})");
}

TEST(StrategicMergePatch, SetElementOrderInterleavesServerOnlyItems) {
  // Server-only "b" keeps its place relative to items the server knew.
  expectSmp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})",
            R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}]}})",
            &schema().pod, R"({"spec":{"containers":[{"name":"b"},{"name":"c"},{"name":"a"}]}})");
  expectSmp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
            R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"},{"name":"n"}],
                "containers":[{"name":"n","image":"i"}]}})",
            &schema().pod,
            R"({"spec":{"containers":[{"name":"b"},{"name":"a"},{"name":"n","image":"i"}]}})");
}

TEST(StrategicMergePatch, DeleteContainerWithPatchDelete) {
  expectSmp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
            R"({"spec":{"$setElementOrder/containers":[{"name":"b"}],
                "containers":[{"$patch":"delete","name":"a"}]}})",
            &schema().pod, R"({"spec":{"containers":[{"name":"b"}]}})");
}

TEST(StrategicMergePatch, PortsMergedByContainerPort) {
  expectSmp(
      R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"TCP"}]}]}})",
      R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http"},
                {"containerPort":443}]}]}})",
      &schema().pod,
      R"({"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"TCP",
                "name":"http"},{"containerPort":443}]}]}})");
}

TEST(StrategicMergePatch, EnvVarRemovalAndChange) {
  // What client-side apply sends when env var B is dropped and A changes.
  expectSmp(R"({"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"1"},
                {"name":"B","value":"2"}]}]}})",
            R"({"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"name":"c",
                "$setElementOrder/env":[{"name":"A"}],
                "env":[{"name":"A","value":"9"},{"$patch":"delete","name":"B"}]}]}})",
            &schema().pod,
            R"({"spec":{"containers":[{"name":"c","env":[{"name":"A","value":"9"}]}]}})");
}

TEST(StrategicMergePatch, NullDeletesKeyAndMapsMerge) {
  expectSmp(R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"nodeSelector":{"x":"y"}}})",
            R"({"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"nodeSelector":null}})",
            &schema().pod, R"({"metadata":{"labels":{"b":"2","c":"3"}},"spec":{}})");
  // A null for a key the original lacks is dropped, not stored.
  expectSmp(R"({"metadata":{}})", R"({"metadata":{"labels":null}})", &schema().pod,
            R"({"metadata":{}})");
}

TEST(StrategicMergePatch, ListWithoutMergeStrategyIsReplaced) {
  expectSmp(R"({"spec":{"containers":[{"name":"a","args":["x","y"]}]}})",
            R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})", &schema().pod,
            R"({"spec":{"containers":[{"name":"a","args":["z"]}]}})");
}

TEST(StrategicMergePatch, FinalizersUnionAndDeleteFromPrimitiveList) {
  expectSmp(R"({"metadata":{"finalizers":["a","b"]}})", R"({"metadata":{"finalizers":["c","a"]}})",
            &schema().pod, R"({"metadata":{"finalizers":["c","a","b"]}})");
  expectSmp(R"({"metadata":{"finalizers":["a","b","c"]}})",
            R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})", &schema().pod,
            R"({"metadata":{"finalizers":["a","c"]}})");
  expectSmp(R"({"metadata":{"finalizers":["a","b"]}})",
            R"({"metadata":{"$setElementOrder/finalizers":["b","c"],
                "$deleteFromPrimitiveList/finalizers":["a"],"finalizers":["c"]}})",
            &schema().pod, R"({"metadata":{"finalizers":["b","c"]}})");
  // Deleting from a list the object lacks does not create it.
  expectSmp(R"({"metadata":{}})", R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})",
            &schema().pod, R"({"metadata":{}})");
}

TEST(StrategicMergePatch, RetainKeysForDeploymentStrategy) {
  // kubectl apply switching RollingUpdate -> Recreate.
  expectSmp(R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})",
            R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})",
            &schema().deployment, R"({"spec":{"strategy":{"type":"Recreate"}}})");
  // A patch key missing from $retainKeys is a 400.
  try {
    smp(R"({"spec":{"strategy":{}}})",
        R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}})",
        &schema().deployment);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
    EXPECT_EQ(e.message(), "invalid patch format of retainKeys");
  }
}

TEST(StrategicMergePatch, RetainKeysInListElements) {
  expectSmp(
      R"({"spec":{"volumes":[{"name":"v","emptyDir":{},"hostPath":{"path":"/x"}}]}})",
      R"({"spec":{"volumes":[{"$retainKeys":["emptyDir","name"],"name":"v","emptyDir":{}}]}})",
      &schema().pod, R"({"spec":{"volumes":[{"name":"v","emptyDir":{}}]}})");
}

TEST(StrategicMergePatch, PatchReplaceOnMapAndList) {
  expectSmp(R"({"metadata":{"labels":{"a":"1","b":"2"}}})",
            R"({"metadata":{"labels":{"$patch":"replace","c":"3"}}})", &schema().pod,
            R"({"metadata":{"labels":{"c":"3"}}})");
  expectSmp(R"({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]}})",
            R"({"spec":{"containers":[{"name":"c"},{"$patch":"replace"}]}})", &schema().pod,
            R"({"spec":{"containers":[{"name":"c"}]}})");
}

TEST(StrategicMergePatch, PatchDeleteOnMap) {
  expectSmp(R"({"metadata":{"labels":{"a":"1"}},"spec":{}})",
            R"({"metadata":{"labels":{"$patch":"delete"}}})", &schema().pod,
            R"({"metadata":{"labels":{}},"spec":{}})");
  expectSmp(R"({"a":1})", R"({"$patch":"delete"})", &schema().pod, R"({})");
}

TEST(StrategicMergePatch, PatchMergeIsRejectedAsKubernetesDoes) {
  try {
    smp(R"({"spec":{"containers":[{"name":"a"}]}})",
        R"({"spec":{"containers":[{"$patch":"merge","name":"a"}]}})", &schema().pod);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 500);
    EXPECT_EQ(e.message(), "merging lists cannot yet be specified in the patch");
  }
  try {
    smp(R"({"metadata":{}})", R"({"metadata":{"$patch":"merge"}})", &schema().pod);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "unknown patch type: merge in map: map[$patch:merge]");
  }
}

TEST(StrategicMergePatch, MissingMergeKeyIsAnError) {
  try {
    smp(R"({"spec":{"containers":[{"name":"a"}]}})", R"({"spec":{"containers":[{"image":"x"}]}})",
        &schema().pod);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "map: map[image:x] does not contain declared merge key: name");
  }
}

TEST(StrategicMergePatch, SetElementOrderMismatchIsAnError) {
  EXPECT_THROW(smp(R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
                   R"({"spec":{"$setElementOrder/containers":[{"name":"a"}],
                       "containers":[{"name":"b"}]}})",
                   &schema().pod),
               ApiError);
}

TEST(StrategicMergePatch, NewValuesAreCleanedOfDirectives) {
  expectSmp(R"({"spec":{}})",
            R"({"spec":{"containers":[{"name":"a","env":[{"$patch":"delete","name":"x"}],
                "image":null}]}})",
            &schema().pod, R"({"spec":{"containers":[{"name":"a","env":[]}]}})");
}

TEST(StrategicMergePatch, UnknownFieldsMergeAsMapsAndReplaceLists) {
  expectSmp(R"({"status":{"x":{"a":1,"b":2},"l":[1,2]}})",
            R"({"status":{"x":{"a":null,"c":3},"l":[3]}})", &schema().pod,
            R"({"status":{"x":{"b":2,"c":3},"l":[3]}})");
}

TEST(StrategicMergePatch, SchemalessHonoursDirectives) {
  expectSmp(R"({"a":{"b":1,"c":2},"l":[1,2]})", R"({"a":{"$retainKeys":["b"]},"l":[5]})", nullptr,
            R"({"a":{"b":1},"l":[5]})");
  expectSmp(R"({"f":["a","b"]})", R"({"$deleteFromPrimitiveList/f":["a"]})", nullptr,
            R"({"f":["b"]})");
}

TEST(StrategicMergePatch, ListOfListsIs422) {
  try {
    smp(R"({"metadata":{"finalizers":[]}})", R"({"metadata":{"finalizers":[["b"]]}})",
        &schema().pod);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
  }
}

TEST(StrategicMergePatch, NonObjectPatchIsBadRequest) {
  try {
    smp(R"({})", R"([1])", &schema().pod);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
    EXPECT_EQ(e.message(),
              "json: cannot unmarshal array into Go value of type map[string]interface {}");
  }
}

}  // namespace
}  // namespace cube::json
