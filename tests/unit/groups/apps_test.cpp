#include "api/kinds/apps/apps_strategies.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::describe;
using testing::hasCause;
using testing::obj;
using testing::podTemplate;
namespace json = boost::json;

json::object workload(const std::string& kind, const std::string& selectorApp,
                      const std::string& templateApp, const std::string& restartPolicy = "Always") {
  return obj((R"({"apiVersion":"apps/v1","kind":")" + kind +
              R"(","metadata":{"name":"web","namespace":"default"},"spec":{"selector":)"
              R"({"matchLabels":{"app":")" +
              selectorApp + R"("}},"template":)" + podTemplate(templateApp, restartPolicy) + "}}")
                 .c_str());
}

TEST(Deployment, DefaultsRollingUpdate) {
  auto d = workload("Deployment", "x", "x");
  kinds::apps::deploymentStrategy().applyDefaults(d);
  const auto& spec = d["spec"].as_object();
  EXPECT_EQ(spec.at("replicas"), 1);
  EXPECT_EQ(spec.at("revisionHistoryLimit"), 10);
  EXPECT_EQ(spec.at("progressDeadlineSeconds"), 600);
  EXPECT_EQ(spec.at("strategy"), json::parse(R"({"type":"RollingUpdate","rollingUpdate":)"
                                             R"({"maxUnavailable":"25%","maxSurge":"25%"}})"));
}

TEST(Deployment, RecreateGetsNoRollingUpdateParams) {
  auto d = workload("Deployment", "x", "x");
  d["spec"].as_object()["strategy"] = json::parse(R"({"type":"Recreate"})");
  kinds::apps::deploymentStrategy().applyDefaults(d);
  EXPECT_EQ(d["spec"].as_object().at("strategy"), json::parse(R"({"type":"Recreate"})"));
}

TEST(Deployment, ValidAfterDefaults) {
  auto s = kinds::apps::deploymentStrategy();
  auto d = workload("Deployment", "x", "x");
  s.applyDefaults(d);
  auto causes = s.validate(d, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
}

TEST(Deployment, SelectorMustMatchTemplateLabels) {
  auto s = kinds::apps::deploymentStrategy();
  auto d = workload("Deployment", "y", "x");
  s.applyDefaults(d);
  auto causes = s.validate(d, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.template.metadata.labels",
                       R"(Invalid value: map[string]string{"app":"x"}: `selector` does not )"
                       "match template `labels`"))
      << describe(causes);
}

TEST(Deployment, SelectorRequired) {
  auto s = kinds::apps::deploymentStrategy();
  auto d = workload("Deployment", "x", "x");
  d["spec"].as_object().erase("selector");
  s.applyDefaults(d);
  auto causes = s.validate(d, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.selector", "Required value")) << describe(causes);
}

TEST(Deployment, RestartPolicyMustBeAlways) {
  auto s = kinds::apps::deploymentStrategy();
  auto d = workload("Deployment", "x", "x", "Never");
  s.applyDefaults(d);
  auto causes = s.validate(d, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.template.spec.restartPolicy",
                       R"(Unsupported value: "Never": supported values: "Always")"))
      << describe(causes);
}

TEST(Deployment, NegativeReplicasAndZeroSurgeAndUnavailable) {
  auto s = kinds::apps::deploymentStrategy();
  auto d = workload("Deployment", "x", "x");
  auto& spec = d["spec"].as_object();
  spec["replicas"] = -1;
  spec["strategy"] =
      json::parse(R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":0,"maxUnavailable":0}})");
  s.applyDefaults(d);
  auto causes = s.validate(d, nullptr);
  EXPECT_TRUE(
      hasCause(causes, "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "spec.strategy.rollingUpdate.maxUnavailable",
                       R"(Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: )"
                       "may not be 0 when `maxSurge` is 0"))
      << describe(causes);
}

TEST(Deployment, RollingUpdateParamsRejectedForRecreate) {
  auto s = kinds::apps::deploymentStrategy();
  auto d = workload("Deployment", "x", "x");
  d["spec"].as_object()["strategy"] =
      json::parse(R"({"type":"Recreate","rollingUpdate":{"maxSurge":1}})");
  s.applyDefaults(d);
  auto causes = s.validate(d, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.strategy.rollingUpdate",
                       "Forbidden: may not be specified when strategy `type` is 'Recreate'"))
      << describe(causes);
}

TEST(Deployment, SelectorImmutableOnUpdate) {
  auto s = kinds::apps::deploymentStrategy();
  auto old = workload("Deployment", "x", "x");
  s.applyDefaults(old);
  auto now = workload("Deployment", "y", "y");
  s.applyDefaults(now);
  auto causes = s.validate(now, &old);
  EXPECT_TRUE(
      hasCause(causes, "spec.selector",
               R"(Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"y"}, )"
               R"(MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable)"))
      << describe(causes);
}

TEST(ReplicaSet, EmptySelectorInvalid) {
  auto s = kinds::apps::replicaSetStrategy();
  auto rs = workload("ReplicaSet", "x", "x");
  rs["spec"].as_object()["selector"] = json::object();
  s.applyDefaults(rs);
  EXPECT_EQ(rs["spec"].as_object().at("replicas"), 1);
  auto causes = s.validate(rs, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.selector",
                       "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                       "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is "
                       "invalid for deployment"))
      << describe(causes);
}

TEST(ReplicaSet, MatchExpressionsSelector) {
  auto s = kinds::apps::replicaSetStrategy();
  auto rs = workload("ReplicaSet", "x", "http-go");
  rs["spec"].as_object()["selector"] =
      json::parse(R"({"matchExpressions":[{"key":"app","operator":"In","values":["http-go"]}]})");
  s.applyDefaults(rs);
  auto causes = s.validate(rs, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
}

TEST(DaemonSet, DefaultsAndValidation) {
  auto s = kinds::apps::daemonSetStrategy();
  auto ds = workload("DaemonSet", "x", "x");
  s.applyDefaults(ds);
  const auto& spec = ds["spec"].as_object();
  EXPECT_EQ(spec.at("revisionHistoryLimit"), 10);
  EXPECT_EQ(spec.at("updateStrategy"), json::parse(R"({"type":"RollingUpdate","rollingUpdate":)"
                                                   R"({"maxUnavailable":1,"maxSurge":0}})"));
  auto causes = s.validate(ds, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);

  ds["spec"].as_object()["updateStrategy"].as_object()["rollingUpdate"] =
      json::parse(R"({"maxUnavailable":0,"maxSurge":0})");
  causes = s.validate(ds, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.updateStrategy.rollingUpdate.maxUnavailable",
                       "Required value: cannot be 0 when maxSurge is 0"))
      << describe(causes);
}

TEST(StatefulSet, Defaults) {
  auto s = kinds::apps::statefulSetStrategy();
  auto sts = workload("StatefulSet", "x", "x");
  s.applyDefaults(sts);
  const auto& spec = sts["spec"].as_object();
  EXPECT_EQ(spec.at("replicas"), 1);
  EXPECT_EQ(spec.at("podManagementPolicy"), "OrderedReady");
  EXPECT_EQ(spec.at("updateStrategy"),
            json::parse(R"({"type":"RollingUpdate","rollingUpdate":{"partition":0}})"));
  EXPECT_EQ(spec.at("persistentVolumeClaimRetentionPolicy"),
            json::parse(R"({"whenDeleted":"Retain","whenScaled":"Retain"})"));
  auto causes = s.validate(sts, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
}

TEST(StatefulSet, UpdateMayChangeOnlySomeFields) {
  auto s = kinds::apps::statefulSetStrategy();
  auto old = workload("StatefulSet", "x", "x");
  s.applyDefaults(old);
  auto now = old;
  now["spec"].as_object()["replicas"] = 3;
  EXPECT_TRUE(s.validate(now, &old).empty()) << describe(s.validate(now, &old));
  now["spec"].as_object()["serviceName"] = "other";
  auto causes = s.validate(now, &old);
  ASSERT_EQ(causes.size(), 1u) << describe(causes);
  EXPECT_EQ(causes[0].field, "spec");
  EXPECT_EQ(causes[0].reason, "FieldValueForbidden");
}

TEST(ControllerRevision, RevisionRequiredNonNegative) {
  auto s = kinds::apps::controllerRevisionStrategy();
  auto cr = obj(R"({"metadata":{"name":"r","namespace":"default"},"revision":-2,"data":{}})");
  auto causes = s.validate(cr, nullptr);
  EXPECT_TRUE(hasCause(causes, "revision", "Invalid value: -2: must be greater than or equal to 0"))
      << describe(causes);
}

TEST(AppsV1beta2, ConversionRoundTrip) {
  // Seed 001's ReplicaSet, as sent through apps/v1beta2.
  auto original =
      obj(R"({"apiVersion":"apps/v1beta2","kind":"ReplicaSet",)"
          R"("metadata":{"name":"http-go"},"spec":{"replicas":3,"selector":)"
          R"({"matchExpressions":[{"key":"app","operator":"In","values":["http-go"]}]},)"
          R"("template":{"metadata":{"labels":{"app":"http-go"}},"spec":)"
          R"({"containers":[{"name":"http-go","image":"gasbugs/http-go"}]}}}})");
  auto conv = kinds::apps::v1beta2Conversion();
  auto stored = original;
  conv.toStorage(stored);
  EXPECT_EQ(stored.at("apiVersion"), "apps/v1");
  auto expected = original;
  expected["apiVersion"] = "apps/v1";
  EXPECT_EQ(stored, expected);
  conv.fromStorage(stored);
  EXPECT_EQ(stored, original);
}

}  // namespace
}  // namespace cube::api
