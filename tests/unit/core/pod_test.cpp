// Pod defaulting and validation: the causes kubectl users see most often.

#include "core_test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using coretest::createCauses;
using coretest::describe;
using coretest::hasCause;
using coretest::hasField;
using coretest::obj;
using coretest::prepare;
namespace json = boost::json;

json::object pod(const std::string& containers, const std::string& extraSpec = "") {
  return obj(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},)"
             R"("spec":{)" +
             extraSpec + R"("containers":)" + containers + "}}");
}

const json::object& container(const json::object& p, size_t i = 0) {
  return p.at("spec").at("containers").as_array()[i].as_object();
}

TEST(PodDefaults, ImagePullPolicyFollowsTheTag) {
  auto s = kinds::core::podStrategy();
  auto p = pod(
      R"([{"name":"a","image":"nginx"},{"name":"b","image":"nginx:latest"},)"
      R"({"name":"c","image":"nginx:1.25"},{"name":"d","image":"reg:5000/nginx"},)"
      R"({"name":"e","image":"nginx@sha256:abcd"},{"name":"f","image":"x","imagePullPolicy":"Never"}])");
  prepare(s, "Pod", p);
  EXPECT_EQ(container(p, 0).at("imagePullPolicy"), "Always");
  EXPECT_EQ(container(p, 1).at("imagePullPolicy"), "Always");
  EXPECT_EQ(container(p, 2).at("imagePullPolicy"), "IfNotPresent");
  EXPECT_EQ(container(p, 3).at("imagePullPolicy"), "Always");
  EXPECT_EQ(container(p, 4).at("imagePullPolicy"), "IfNotPresent");
  EXPECT_EQ(container(p, 5).at("imagePullPolicy"), "Never");
}

TEST(PodDefaults, SpecAndStatusDefaults) {
  auto s = kinds::core::podStrategy();
  auto p = pod(R"([{"name":"web","image":"nginx:1.25","ports":[{"containerPort":80}],)"
               R"("resources":{"limits":{"cpu":"0.5","memory":"1024Mi"}}}])");
  prepare(s, "Pod", p);
  const auto& spec = p.at("spec").as_object();
  EXPECT_EQ(spec.at("restartPolicy"), "Always");
  EXPECT_EQ(spec.at("dnsPolicy"), "ClusterFirst");
  EXPECT_EQ(spec.at("schedulerName"), "default-scheduler");
  EXPECT_EQ(spec.at("terminationGracePeriodSeconds"), 30);
  EXPECT_TRUE(spec.at("securityContext").is_object());
  EXPECT_EQ(spec.at("enableServiceLinks"), true);
  const auto& c = container(p);
  EXPECT_EQ(c.at("terminationMessagePath"), "/dev/termination-log");
  EXPECT_EQ(c.at("terminationMessagePolicy"), "File");
  EXPECT_EQ(c.at("ports").as_array()[0].at("protocol"), "TCP");
  // Quantities are canonical and requests default to limits.
  EXPECT_EQ(c.at("resources").at("limits").at("cpu"), "500m");
  EXPECT_EQ(c.at("resources").at("limits").at("memory"), "1Gi");
  EXPECT_EQ(c.at("resources").at("requests").at("cpu"), "500m");
  EXPECT_EQ(p.at("status").at("phase"), "Pending");
  EXPECT_EQ(p.at("status").at("qosClass"), "Guaranteed");
  EXPECT_TRUE(s.validate(p, nullptr).empty()) << describe(s.validate(p, nullptr));
}

TEST(PodDefaults, QosClasses) {
  auto s = kinds::core::podStrategy();
  auto best = pod(R"([{"name":"a","image":"x"}])");
  prepare(s, "Pod", best);
  EXPECT_EQ(best.at("status").at("qosClass"), "BestEffort");
  auto burst = pod(R"([{"name":"a","image":"x","resources":{"requests":{"cpu":"100m"}}}])");
  prepare(s, "Pod", burst);
  EXPECT_EQ(burst.at("status").at("qosClass"), "Burstable");
}

TEST(PodDefaults, ProbesVolumesAndHostNetwork) {
  auto s = kinds::core::podStrategy();
  auto p = pod(
      R"([{"name":"a","image":"x","ports":[{"containerPort":8080}],)"
      R"("livenessProbe":{"httpGet":{"port":8080}}}])",
      R"("hostNetwork":true,"volumes":[{"name":"scratch"},{"name":"cm","configMap":{"name":"c"}}],)");
  prepare(s, "Pod", p);
  const auto& probe = container(p).at("livenessProbe").as_object();
  EXPECT_EQ(probe.at("httpGet").at("path"), "/");
  EXPECT_EQ(probe.at("httpGet").at("scheme"), "HTTP");
  EXPECT_EQ(probe.at("timeoutSeconds"), 1);
  EXPECT_EQ(probe.at("periodSeconds"), 10);
  EXPECT_EQ(probe.at("successThreshold"), 1);
  EXPECT_EQ(probe.at("failureThreshold"), 3);
  EXPECT_EQ(container(p).at("ports").as_array()[0].at("hostPort"), 8080);
  const auto& vols = p.at("spec").at("volumes").as_array();
  EXPECT_TRUE(vols[0].at("emptyDir").is_object());
  EXPECT_EQ(vols[1].at("configMap").at("defaultMode"), 420);
}

TEST(PodValidation, ContainersRequired) {
  auto s = kinds::core::podStrategy();
  auto p = pod("[]");
  auto causes = createCauses(s, "Pod", p);
  EXPECT_TRUE(hasCause(causes, "spec.containers", "Required value")) << describe(causes);
}

TEST(PodValidation, ImageNameAndPorts) {
  auto s = kinds::core::podStrategy();
  auto p = pod(R"([{"name":"web"},{"name":"web","image":"x"},{"name":"Bad","image":"x",)"
               R"("ports":[{"containerPort":70000},{"containerPort":80,"protocol":"HTTP"}]}])");
  auto causes = createCauses(s, "Pod", p);
  EXPECT_TRUE(hasCause(causes, "spec.containers[0].image", "Required value")) << describe(causes);
  EXPECT_TRUE(hasCause(causes, "spec.containers[1].name", "Duplicate value: \"web\""));
  EXPECT_TRUE(hasCause(causes, "spec.containers[2].name",
                       "Invalid value: \"Bad\": a lowercase RFC 1123 label must consist of lower "
                       "case alphanumeric characters or '-', and must start and end with an "
                       "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                       "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
  EXPECT_TRUE(hasCause(causes, "spec.containers[2].ports[0].containerPort",
                       "Invalid value: 70000: must be between 1 and 65535, inclusive"));
  EXPECT_TRUE(
      hasCause(causes, "spec.containers[2].ports[1].protocol",
               "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""));
}

TEST(PodValidation, VolumesAndMounts) {
  auto s = kinds::core::podStrategy();
  auto p = pod(R"([{"name":"a","image":"x","volumeMounts":[{"name":"missing","mountPath":"/m"},)"
               R"({"name":"data","mountPath":"/m"}]}])",
               R"("volumes":[{"name":"data","emptyDir":{}},{"name":"data","emptyDir":{}}],)");
  auto causes = createCauses(s, "Pod", p);
  EXPECT_TRUE(hasCause(causes, "spec.volumes[1].name", "Duplicate value: \"data\""))
      << describe(causes);
  EXPECT_TRUE(
      hasCause(causes, "spec.containers[0].volumeMounts[0].name", "Not found: \"missing\""));
  EXPECT_TRUE(hasCause(causes, "spec.containers[0].volumeMounts[1].mountPath",
                       "Invalid value: \"/m\": must be unique"));
}

TEST(PodValidation, RestartPolicyAndName) {
  auto s = kinds::core::podStrategy();
  auto p = obj(
      R"({"metadata":{"name":"Web_1","namespace":"default"},"spec":{"restartPolicy":"Sometimes",)"
      R"("containers":[{"name":"a","image":"x"}]}})");
  auto causes = createCauses(s, "Pod", p);
  EXPECT_TRUE(hasCause(causes, "spec.restartPolicy",
                       "Unsupported value: \"Sometimes\": supported values: \"Always\", "
                       "\"OnFailure\", \"Never\""))
      << describe(causes);
  EXPECT_TRUE(hasCause(
      causes, "metadata.name",
      "Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must consist of lower case "
      "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
      "character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
}

TEST(PodValidation, EnvAndProbes) {
  auto s = kinds::core::podStrategy();
  auto p = pod(
      R"([{"name":"a","image":"x","env":[{"name":"1BAD"},)"
      R"({"name":"OK","valueFrom":{}}],"livenessProbe":{"exec":{"command":["true"]},"successThreshold":2}}])");
  auto causes = createCauses(s, "Pod", p);
  EXPECT_TRUE(hasField(causes, "spec.containers[0].env[0].name")) << describe(causes);
  EXPECT_TRUE(hasCause(causes, "spec.containers[0].env[1].valueFrom",
                       "Invalid value: \"\": must specify one of: `fieldRef`, "
                       "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
  EXPECT_TRUE(hasCause(causes, "spec.containers[0].livenessProbe.successThreshold",
                       "Invalid value: 2: must be 1"));
}

TEST(PodValidation, Tolerations) {
  auto s = kinds::core::podStrategy();
  auto p = pod(
      R"([{"name":"a","image":"x"}])",
      R"("tolerations":[{"operator":"Equal","value":"x"},{"key":"k","operator":"Exists","effect":"Sometimes"}],)");
  auto causes = createCauses(s, "Pod", p);
  EXPECT_TRUE(hasCause(causes, "spec.tolerations[0].operator",
                       "Invalid value: \"Equal\": operator must be Exists when `key` is empty, "
                       "which means \"match all values and all keys\""))
      << describe(causes);
  EXPECT_TRUE(hasField(causes, "spec.tolerations[1].effect"));
}

TEST(PodUpdate, OnlyAllowedFieldsChange) {
  auto s = kinds::core::podStrategy();
  auto old = pod(R"([{"name":"a","image":"nginx:1.24"}])");
  prepare(s, "Pod", old);
  old["metadata"].as_object()["uid"] = "u1";

  auto newImage = old;
  newImage["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = "nginx:1.25";
  EXPECT_TRUE(s.validate(newImage, &old).empty()) << describe(s.validate(newImage, &old));

  auto newTolerations = old;
  newTolerations["spec"].as_object()["tolerations"] =
      json::parse(R"([{"key":"k","operator":"Exists"}])");
  EXPECT_TRUE(s.validate(newTolerations, &old).empty());

  auto changed = old;
  changed["spec"].as_object()["restartPolicy"] = "Never";
  auto causes = s.validate(changed, &old);
  ASSERT_EQ(causes.size(), 1u) << describe(causes);
  EXPECT_EQ(causes[0].field, "spec");
  EXPECT_EQ(causes[0].reason, "FieldValueForbidden");
  EXPECT_EQ(causes[0].message.rfind(
                "Forbidden: pod updates may not change fields other than "
                "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
                "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if "
                "it was previously negative)\n",
                0),
            0u)
      << causes[0].message;

  auto removed = old;
  removed["spec"].as_object()["containers"].as_array().clear();
  EXPECT_TRUE(hasCause(s.validate(removed, &old), "spec.containers",
                       "Forbidden: pod updates may not add or remove containers"));
}

TEST(PodCreate, EphemeralContainersForbidden) {
  auto s = kinds::core::podStrategy();
  auto p = pod(R"([{"name":"a","image":"x"}])",
               R"("ephemeralContainers":[{"name":"dbg","image":"busybox"}],)");
  auto causes = createCauses(s, "Pod", p);
  EXPECT_TRUE(hasCause(causes, "spec.ephemeralContainers", "Forbidden: cannot be set on create"))
      << describe(causes);
}

}  // namespace
}  // namespace cube::api

namespace cube::api {
namespace {

TEST(PodUpdate, EphemeralContainersMayOnlyBeAdded) {
  auto s = kinds::core::podStrategy();
  auto old =
      coretest::obj(R"({"metadata":{"name":"p","namespace":"default","resourceVersion":"3"},)"
                    R"("spec":{"containers":[{"name":"a","image":"x"}]}})");
  coretest::prepare(s, "Pod", old);
  auto added = old;
  added["spec"].as_object()["ephemeralContainers"] =
      boost::json::parse(R"([{"name":"dbg","image":"busybox","imagePullPolicy":"IfNotPresent",)"
                         R"("terminationMessagePolicy":"File"}])");
  auto causes = s.validate(added, &old);
  EXPECT_TRUE(causes.empty()) << coretest::describe(causes);
  auto changed = added;
  changed["spec"].as_object()["ephemeralContainers"].as_array()[0].as_object()["image"] = "y";
  EXPECT_TRUE(coretest::hasCause(s.validate(changed, &added), "spec.ephemeralContainers[0]",
                                 "Forbidden: existing ephemeral containers \"dbg\" may not be "
                                 "changed"));
}

}  // namespace
}  // namespace cube::api
