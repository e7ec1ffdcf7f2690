#include "api/schema/schema_defaults.h"

#include "test_schemas.h"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace cube::api {
namespace {

boost::json::value defaulted(const TypeRegistry& types, std::string_view json) {
  boost::json::value v = boost::json::parse(json);
  applySchemaDefaults(*types.find("io.k8s.api.core.v1.Pod"), v);
  return v;
}

TEST(SchemaDefaults, FillsAbsentFieldsOfPresentObjectsAtAnyDepth) {
  auto types = testing::testTypes();
  auto v = defaulted(*types, R"({"spec": {"containers": [
      {"name": "a", "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}]},
      {"name": "b", "terminationMessagePath": "/x"}]}})");
  const auto& spec = v.at("spec");
  EXPECT_EQ(spec.at("restartPolicy"), "Always");
  EXPECT_EQ(spec.at("containers").at(0).at("terminationMessagePath"), "/dev/termination-log");
  EXPECT_EQ(spec.at("containers").at(0).at("ports").at(0).at("protocol"), "TCP");
  EXPECT_EQ(spec.at("containers").at(0).at("ports").at(1).at("protocol"), "UDP");
  EXPECT_EQ(spec.at("containers").at(1).at("terminationMessagePath"), "/x");
  // default={} creates the struct, whose own defaults then apply.
  EXPECT_EQ(spec.at("securityContext").at("fsGroupChangePolicy"), "Always");
  EXPECT_EQ(v.at("metadata"), boost::json::object());
  // Absent parents stay absent: no status, no ports on container b.
  EXPECT_FALSE(v.as_object().contains("status"));
  EXPECT_FALSE(spec.at("containers").at(1).as_object().contains("ports"));
}

TEST(SchemaDefaults, NullCountsAsAbsentAndWrongTypesAreLeftAlone) {
  auto types = testing::testTypes();
  auto v = defaulted(*types, R"({"spec": {"restartPolicy": null, "containers": "oops"}})");
  EXPECT_EQ(v.at("spec").at("restartPolicy"), "Always");
  EXPECT_EQ(v.at("spec").at("containers"), "oops");
  auto scalar = defaulted(*types, R"(42)");
  EXPECT_EQ(scalar, 42);
}

TEST(SchemaDefaults, RecursesThroughMaps) {
  TypeRegistry r;
  r.load("x.schema", R"(package p
type T
  byName map[U]
  lists map[[]U]
type U
  mode string default="auto"
)");
  r.resolve();
  boost::json::value v = boost::json::parse(R"({"byName": {"a": {}, "b": {"mode": "x"}},
                                                "lists": {"k": [{}]}})");
  applySchemaDefaults(*r.find("p.T"), v);
  EXPECT_EQ(v.at("byName").at("a").at("mode"), "auto");
  EXPECT_EQ(v.at("byName").at("b").at("mode"), "x");
  EXPECT_EQ(v.at("lists").at("k").at(0).at("mode"), "auto");
}

}  // namespace
}  // namespace cube::api
