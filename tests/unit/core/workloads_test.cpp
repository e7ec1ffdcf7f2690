// ReplicationController, PodTemplate and Binding.

#include "core_test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using coretest::createCauses;
using coretest::describe;
using coretest::hasCause;
using coretest::obj;
using coretest::prepare;
namespace json = boost::json;

TEST(ReplicationController, SelectorAndLabelsDefaultFromTemplate) {
  auto s = kinds::core::replicationControllerStrategy();
  auto rc = obj(
      R"({"metadata":{"name":"rc","namespace":"default"},"spec":{"template":{)"
      R"("metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})");
  auto causes = createCauses(s, "ReplicationController", rc);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  EXPECT_EQ(rc.at("spec").at("selector"), json::parse(R"({"app":"web"})"));
  EXPECT_EQ(rc.at("metadata").at("labels"), json::parse(R"({"app":"web"})"));
  EXPECT_EQ(rc.at("spec").at("replicas"), 1);
  const auto& c = rc.at("spec").at("template").at("spec").at("containers").as_array()[0];
  EXPECT_EQ(c.at("imagePullPolicy"), "Always");
  EXPECT_EQ(rc.at("status").at("replicas"), 0);
}

TEST(ReplicationController, SelectorMustMatchTemplate) {
  auto s = kinds::core::replicationControllerStrategy();
  auto rc =
      obj(R"({"metadata":{"name":"rc","namespace":"default"},"spec":{"replicas":-1,)"
          R"("selector":{"app":"other"},"template":{"metadata":{"labels":{"app":"web"}},)"
          R"("spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"nginx"}]}}}})");
  auto causes = createCauses(s, "ReplicationController", rc);
  EXPECT_TRUE(hasCause(causes, "spec.template.metadata.labels",
                       "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not "
                       "match template `labels`"))
      << describe(causes);
  EXPECT_TRUE(
      hasCause(causes, "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"));
  EXPECT_TRUE(hasCause(causes, "spec.template.spec.restartPolicy",
                       "Unsupported value: \"Never\": supported values: \"Always\""));
}

TEST(ReplicationController, TemplateRequired) {
  auto s = kinds::core::replicationControllerStrategy();
  auto rc =
      obj(R"({"metadata":{"name":"rc","namespace":"default"},"spec":{"selector":{"a":"b"}}})");
  EXPECT_TRUE(
      hasCause(createCauses(s, "ReplicationController", rc), "spec.template", "Required value"));
}

TEST(PodTemplate, ValidatesTemplateSpec) {
  auto s = kinds::core::podTemplateStrategy();
  auto pt = obj(
      R"({"metadata":{"name":"t","namespace":"default"},"template":{"spec":{"containers":[{"name":"c"}]}}})");
  auto causes = createCauses(s, "PodTemplate", pt);
  EXPECT_TRUE(hasCause(causes, "template.spec.containers[0].image", "Required value"))
      << describe(causes);
}

TEST(Binding, TargetNodeRequired) {
  auto s = kinds::core::bindingStrategy();
  auto b = obj(R"({"metadata":{"name":"p","namespace":"default"},"target":{"kind":"Pod"}})");
  auto causes = s.validate(b, nullptr);
  EXPECT_TRUE(hasCause(causes, "target.name", "Required value")) << describe(causes);
  EXPECT_TRUE(hasCause(causes, "target.kind",
                       "Unsupported value: \"Pod\": supported values: \"Node\", \"<empty>\""));
}

}  // namespace
}  // namespace cube::api
