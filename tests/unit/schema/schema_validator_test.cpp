#include "api/schema/schema_validator.h"

#include "test_schemas.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace cube::api {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class SchemaValidatorTest : public ::testing::Test {
 protected:
  SchemaCheck check(std::string_view json, const SchemaCheckOptions& options = {}) {
    return checkAgainstSchema(*types_->find("io.k8s.api.core.v1.Pod"), boost::json::parse(json),
                              options);
  }
  std::unique_ptr<TypeRegistry> types_ = testing::testTypes();
};

TEST_F(SchemaValidatorTest, ValidPodPasses) {
  auto r = check(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "labels": {"a": "b"}, "creationTimestamp": "2024-01-02T03:04:05Z"},
    "spec": {"containers": [{"name": "c", "image": "busybox", "imagePullPolicy": "Never",
                             "ports": [{"containerPort": 80, "protocol": "UDP"}],
                             "resources": {"limits": {"cpu": "500m", "memory": 1024}}}],
             "volumes": [{"name": "v", "configMap": {"anything": [1, "x"]}, "data": "aGk="}]},
    "status": {"ready": "yes", "ratio": 1.5, "startTime": "2024-01-02T03:04:05.123+01:00"}})");
  EXPECT_THAT(r.unknownFields, IsEmpty());
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_TRUE(r.ok());
}

TEST_F(SchemaValidatorTest, UnknownFieldPathsAreKubectlStyle) {
  auto r = check(R"({"apiVersion": "v1", "kind": "Pod", "bogus": 1,
    "metadata": {"name": "p", "lables": {}},
    "spec": {"containers": [{"name": "a"}, {"name": "c", "imagePullPolcy": "Always",
                             "ports": [{"containerPort": 1, "hostPrt": 2}]}],
             "securityContext": {"sysctls": [{"name": "a", "value": "b", "extra": true}]}},
    "status": {"byName": {"k1": {"name": "n", "value": "v", "oops": 1}}}})");
  EXPECT_THAT(r.unknownFields,
              ElementsAre("bogus", "metadata.lables", "spec.containers[1].imagePullPolcy",
                          "spec.containers[1].ports[0].hostPrt",
                          "spec.securityContext.sysctls[0].extra", "status.byName.k1.oops"));
  EXPECT_THAT(r.errors, IsEmpty());
}

TEST_F(SchemaValidatorTest, TypeMetaAtTheRootIsAlwaysKnown) {
  const Type* spec = types_->find("io.k8s.api.core.v1.ContainerPort");
  auto r = checkAgainstSchema(*spec, boost::json::parse(R"({"containerPort": 1, "kind": "x"})"));
  EXPECT_TRUE(r.ok());
  SchemaCheckOptions strict;
  strict.allowTypeMeta = false;
  r = checkAgainstSchema(*spec, boost::json::parse(R"({"containerPort": 1, "kind": "x"})"), strict);
  EXPECT_THAT(r.unknownFields, ElementsAre("kind"));
}

TEST_F(SchemaValidatorTest, TypeErrorsReadLikeGoDecodingErrors) {
  auto r = check(R"({"metadata": {"name": 5},
    "spec": {"containers": [{"name": "c", "args": "notalist",
                             "ports": [{"containerPort": "80"}, {"containerPort": 1.5},
                                       {"containerPort": 3000000000}]}],
             "hostNetwork": "yes", "nodeSelector": [], "priority": true}})");
  ASSERT_EQ(r.errors.size(), 8u);
  auto expect = [&](size_t i, const std::string& field, const std::string& message) {
    EXPECT_EQ(r.errors[i].reason, "FieldValueInvalid") << i;
    EXPECT_EQ(r.errors[i].field, field) << i;
    EXPECT_EQ(r.errors[i].message, message) << i;
  };
  expect(0, "metadata.name",
         "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type "
         "string");
  expect(1, "spec.containers[0].args",
         "json: cannot unmarshal string into Go struct field Container.spec.containers.args of "
         "type []string");
  expect(2, "spec.containers[0].ports[0].containerPort",
         "json: cannot unmarshal string into Go struct field "
         "ContainerPort.spec.containers.ports.containerPort of type int32");
  expect(3, "spec.containers[0].ports[1].containerPort",
         "json: cannot unmarshal number 1.5 into Go struct field "
         "ContainerPort.spec.containers.ports.containerPort of type int32");
  expect(4, "spec.containers[0].ports[2].containerPort",
         "json: cannot unmarshal number 3000000000 into Go struct field "
         "ContainerPort.spec.containers.ports.containerPort of type int32");
  expect(5, "spec.hostNetwork",
         "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type "
         "bool");
  expect(6, "spec.nodeSelector",
         "json: cannot unmarshal array into Go struct field PodSpec.spec.nodeSelector of type "
         "map[string]string");
  expect(7, "spec.priority",
         "json: cannot unmarshal bool into Go struct field PodSpec.spec.priority of type int32");
}

TEST_F(SchemaValidatorTest, ObjectExpectedAndRootErrors) {
  auto r = check(R"({"spec": "x"})");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message,
            "json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec");
  r = check(R"([1])");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "");
  EXPECT_EQ(r.errors[0].message, "json: cannot unmarshal array into Go value of type v1.Pod");
}

TEST_F(SchemaValidatorTest, SpecialScalars) {
  auto r = check(R"({"spec": {"containers": [{"name": "c",
      "resources": {"limits": {"cpu": "lots", "memory": true, "ok": 1.5, "ok2": "1Gi"}}}],
      "volumes": [{"name": "v", "data": "not base64!"}]},
    "status": {"ready": 1.5, "startTime": "yesterday", "ratio": "x"}})");
  std::vector<std::string> fields;
  for (const auto& e : r.errors) fields.push_back(e.field + " | " + e.message);
  EXPECT_THAT(
      fields,
      ElementsAre("spec.containers[0].resources.limits.cpu | quantities must match the regular "
                  "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                  "spec.containers[0].resources.limits.memory | quantities must match the regular "
                  "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                  "spec.volumes[0].data | illegal base64 data at input byte 3",
                  "status.ready | json: cannot unmarshal number 1.5 into Go value of type int32",
                  "status.startTime | parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": "
                  "cannot parse \"yesterday\" as RFC 3339",
                  "status.ratio | json: cannot unmarshal string into Go struct field "
                  "PodStatus.status.ratio "
                  "of type float64"));
}

TEST_F(SchemaValidatorTest, TimesAcceptRfc3339Only) {
  const Type* status = types_->find("io.k8s.api.core.v1.PodStatus");
  for (const char* ok :
       {"2024-02-29T23:59:59Z", "2024-01-01T00:00:00.5-07:30", "2024-01-01t00:00:00z"}) {
    boost::json::object o{{"startTime", ok}};
    EXPECT_TRUE(checkAgainstSchema(*status, o).ok()) << ok;
  }
  for (const char* bad : {"2024-01-01", "2024-01-01 00:00:00Z", "2024-13-01T00:00:00Z",
                          "2024-01-01T00:00:00", "2024-01-01T00:00:00+0100"}) {
    boost::json::object o{{"startTime", bad}};
    EXPECT_FALSE(checkAgainstSchema(*status, o).ok()) << bad;
  }
}

TEST_F(SchemaValidatorTest, RequiredFields) {
  auto r = check(R"({"spec": {"containers": [{"image": "x", "ports": [{}]}, {"name": null}]}})");
  std::vector<std::string> got;
  for (const auto& e : r.errors) got.push_back(e.reason + " " + e.field + " " + e.message);
  EXPECT_THAT(
      got,
      ElementsAre("FieldValueRequired spec.containers[0].ports[0].containerPort Required value",
                  "FieldValueRequired spec.containers[0].name Required value",
                  "FieldValueRequired spec.containers[1].name Required value"));
  r = check(R"({"spec": {}})");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].field, "spec.containers");

  SchemaCheckOptions patch;
  patch.checkRequired = false;
  EXPECT_TRUE(check(R"({"spec": {}})", patch).ok());
}

TEST_F(SchemaValidatorTest, EnumViolations) {
  auto r = check(R"({"spec": {"restartPolicy": "Sometimes",
                              "containers": [{"name": "c", "imagePullPolicy": "always"}]}})");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].reason, "FieldValueNotSupported");
  EXPECT_EQ(r.errors[0].field, "spec.restartPolicy");
  EXPECT_EQ(r.errors[0].message,
            R"(Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never")");
  EXPECT_EQ(r.errors[1].field, "spec.containers[0].imagePullPolicy");
}

TEST_F(SchemaValidatorTest, NullIsAcceptedForOptionalFields) {
  auto r = check(R"({"metadata": null, "spec": {"containers": [{"name": "c", "image": null,
      "ports": null, "resources": {"limits": null}}], "restartPolicy": null}, "status": null})");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].message);
}

}  // namespace
}  // namespace cube::api
