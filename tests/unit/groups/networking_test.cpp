#include "api/kinds/networking/networking_strategies.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::describe;
using testing::hasCause;
using testing::obj;

TEST(Ingress, ValidServiceBackend) {
  auto ing = obj(R"({"metadata":{"name":"ing","namespace":"default"},"spec":{"rules":[)"
                 R"({"host":"gasbugs.com","http":{"paths":[{"path":"/","pathType":"Prefix",)"
                 R"("backend":{"service":{"name":"http-go-np","port":{"number":8080}}}}]}}]}})");
  auto causes = kinds::networking::ingressStrategy().validate(ing, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
}

TEST(Ingress, PathTypeRequired) {
  auto ing = obj(R"({"metadata":{"name":"ing","namespace":"default"},"spec":{"rules":[)"
                 R"({"http":{"paths":[{"path":"/echo",)"
                 R"("backend":{"service":{"name":"svc","port":{"number":80}}}}]}}]}})");
  auto causes = kinds::networking::ingressStrategy().validate(ing, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.rules[0].http.paths[0].pathType",
                       "Required value: pathType must be specified"))
      << describe(causes);
}

TEST(Ingress, BadPathTypeAndBothBackends) {
  auto ing = obj(R"({"metadata":{"name":"ing","namespace":"default"},"spec":{"rules":[)"
                 R"({"http":{"paths":[{"path":"/","pathType":"Regex","backend":{)"
                 R"("service":{"name":"svc","port":{"number":80}},)"
                 R"("resource":{"kind":"Bucket","name":"b"}}}]}}]}})");
  auto causes = kinds::networking::ingressStrategy().validate(ing, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.rules[0].http.paths[0].pathType",
                       R"(Unsupported value: "Regex": supported values: "Exact", )"
                       R"("ImplementationSpecific", "Prefix")"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "spec.rules[0].http.paths[0].backend",
                       R"(Invalid value: "": cannot set both resource and service backends)"))
      << describe(causes);
}

TEST(Ingress, RulesOrDefaultBackendRequired) {
  auto ing = obj(R"({"metadata":{"name":"ing","namespace":"default"},"spec":{}})");
  auto causes = kinds::networking::ingressStrategy().validate(ing, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec",
                       "Invalid value: []networking.IngressRule(nil): either `defaultBackend` or "
                       "`rules` must be specified"))
      << describe(causes);
}

TEST(Ingress, PrefixPathMustBeAbsoluteAndPortNeeded) {
  auto ing = obj(R"({"metadata":{"name":"ing","namespace":"default"},"spec":{"rules":[)"
                 R"({"http":{"paths":[{"path":"echo","pathType":"Prefix",)"
                 R"("backend":{"service":{"name":"svc"}}}]}}]}})");
  auto causes = kinds::networking::ingressStrategy().validate(ing, nullptr);
  EXPECT_TRUE(hasCause(causes, "spec.rules[0].http.paths[0].path",
                       R"(Invalid value: "echo": must be an absolute path)"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "spec.rules[0].http.paths[0].backend",
                       "Required value: port name or number is required"))
      << describe(causes);
}

TEST(IngressClass, ControllerRequiredAndImmutable) {
  auto s = kinds::networking::ingressClassStrategy();
  auto cls = obj(R"({"metadata":{"name":"nginx"},"spec":{}})");
  EXPECT_TRUE(hasCause(s.validate(cls, nullptr), "spec.controller", "Required value"));
  auto old = obj(R"({"metadata":{"name":"nginx"},"spec":{"controller":"cube.io/ingress"}})");
  auto now = obj(R"({"metadata":{"name":"nginx"},"spec":{"controller":"other.io/x"}})");
  auto causes = s.validate(now, &old);
  EXPECT_TRUE(
      hasCause(causes, "spec.controller", R"(Invalid value: "other.io/x": field is immutable)"))
      << describe(causes);
}

}  // namespace
}  // namespace cube::api
