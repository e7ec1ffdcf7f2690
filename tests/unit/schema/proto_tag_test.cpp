// The `proto=N` attribute (and its tag paths, `proto=N.M` for fields of Go-inlined structs) and
// the `microtime` primitive (docs/dev/schema-dsl.md): what the protobuf body decoder relies on.
#include "api/schema/openapi_schemas.h"
#include "api/schema/schema_validator.h"
#include "api/schema/type_registry.h"

#include <boost/json/parse.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace cube::api {
namespace {

using ::testing::HasSubstr;

std::string loadError(std::string_view text) {
  TypeRegistry r;
  try {
    r.load("bad.schema", text);
    r.resolve();
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "";
}

TEST(ProtoTag, ParsedOnFieldsInAnyAttributeOrder) {
  TypeRegistry r;
  r.load("t.schema", R"(package p
type T
  a string proto=1 "First."
  b []string listType=atomic proto=7 "Seventh."
  c int32 required proto=536870911
  d boolean
)");
  r.resolve();
  const Type* t = r.find("p.T");
  ASSERT_NE(t, nullptr);
  using Path = std::vector<int>;
  EXPECT_EQ(t->field("a")->protoPath, Path{1});
  EXPECT_EQ(t->field("a")->description, "First.");
  EXPECT_EQ(t->field("b")->protoPath, Path{7});
  EXPECT_EQ(t->field("b")->listType, "atomic");
  EXPECT_EQ(t->field("c")->protoPath, Path{536870911});
  EXPECT_TRUE(t->field("c")->required);
  EXPECT_TRUE(t->field("d")->protoPath.empty());  // not declared
}

TEST(ProtoTag, DottedPathsNameFieldsOfInlinedMessages) {
  TypeRegistry r;
  r.load("t.schema", R"(package p
type Volume
  name string required proto=1
  hostPath string proto=2.1 "In VolumeSource, field 2."
  emptyDir string proto=2.2
  deep int32 pointer proto=3.536870911.4
)");
  r.resolve();
  const Type* t = r.find("p.Volume");
  ASSERT_NE(t, nullptr);
  using Path = std::vector<int>;
  EXPECT_EQ(t->field("name")->protoPath, Path{1});
  EXPECT_EQ(t->field("hostPath")->protoPath, (Path{2, 1}));
  EXPECT_EQ(t->field("hostPath")->description, "In VolumeSource, field 2.");
  EXPECT_EQ(t->field("emptyDir")->protoPath, (Path{2, 2}));
  EXPECT_EQ(t->field("deep")->protoPath, (Path{3, 536870911, 4}));
  EXPECT_TRUE(t->field("deep")->pointer);
}

TEST(ProtoTag, BadDottedPathsAreErrors) {
  for (const char* bad :
       {"proto=2.", "proto=.1", "proto=2..1", "proto=2.0", "proto=0.1", "proto=2.x", "proto=2.-1",
        "proto=2.536870912", "proto=2,1", "proto=2.1."}) {
    EXPECT_THAT(loadError(std::string("package p\ntype T\n  a string ") + bad + "\n"),
                HasSubstr("bad.schema:3: " + std::string(bad) + " is not a protobuf field number"))
        << bad;
  }
  EXPECT_THAT(loadError("package p\ntype T\n  a string proto=2.1\n  b string proto=2.1\n"),
              HasSubstr("bad.schema:4: proto=2.1 already used by field `a` (line 3)"));
  // A number is a field or the message of inlined fields, never both; either order.
  EXPECT_THAT(loadError("package p\ntype T\n  a string proto=2\n  b string proto=2.1\n"),
              HasSubstr("bad.schema:4: proto=2.1 clashes with proto=2 of field `a` (line 3)"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string proto=2.1.5\n  b string proto=2.1\n"),
              HasSubstr("bad.schema:4: proto=2.1 clashes with proto=2.1.5 of field `a` (line 3)"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string proto=2.1 proto=2.2\n"),
              HasSubstr("bad.schema:3: proto= given twice"));
  // Siblings in one inlined message, and the same path in another type, are fine.
  EXPECT_EQ(loadError("package p\ntype T\n  a string proto=2.1\n  b string proto=2.2\n"
                      "  c string proto=1\ntype U\n  a string proto=2.1\n"),
            "");
}

TEST(ProtoTag, PointerMarksGoPointerFields) {
  TypeRegistry r;
  r.load("t.schema", "package p\ntype T\n  a int32 pointer proto=1\n  b int32 proto=2\n");
  r.resolve();
  EXPECT_TRUE(r.find("p.T")->field("a")->pointer);
  EXPECT_FALSE(r.find("p.T")->field("b")->pointer);
  EXPECT_THAT(loadError("package p\ntype T\n  a int32 pointer=1\n"),
              HasSubstr("bad.schema:3: `pointer` takes no value"));
}

TEST(ProtoTag, BadValuesAreErrors) {
  for (const char* bad :
       {"proto=0", "proto=-1", "proto=x", "proto=1x", "proto=536870912", "proto=99999999999"}) {
    EXPECT_THAT(loadError(std::string("package p\ntype T\n  a string ") + bad + "\n"),
                HasSubstr("bad.schema:3: " + std::string(bad) + " is not a protobuf field number"))
        << bad;
  }
  EXPECT_THAT(loadError("package p\ntype T\n  a string proto=\n"),
              HasSubstr("bad.schema:3: `proto=` needs a value"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string proto=1 proto=2\n"),
              HasSubstr("bad.schema:3: proto= given twice"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string proto=3\n  b string proto=3\n"),
              HasSubstr("bad.schema:4: proto=3 already used by field `a` (line 3)"));
  // The same number in different types is fine.
  EXPECT_EQ(loadError("package p\ntype T\n  a string proto=1\ntype U\n  a string proto=1\n"), "");
}

TEST(MicroTime, IsAPrimitiveWithDateTimeFormat) {
  TypeRegistry r;
  r.load("t.schema", "package p\ntype T\n  m microtime proto=1\n  t time proto=2\n");
  r.resolve();
  const Type* m = r.find("p.T")->field("m")->type;
  EXPECT_EQ(m->kind, TypeKind::MicroTime);
  EXPECT_EQ(m->format, "date-time");
  EXPECT_TRUE(m->isScalar());
  EXPECT_EQ(m, r.primitive(TypeKind::MicroTime));
  EXPECT_NE(m, r.find("p.T")->field("t")->type);
}

TEST(MicroTime, ValidatedLikeTime) {
  TypeRegistry r;
  r.load("t.schema", "package p\ntype T\n  m microtime\n");
  r.resolve();
  const Type* t = r.find("p.T");
  auto errors = [&](const char* json) {
    return checkAgainstSchema(*t, boost::json::parse(json)).errors.size();
  };
  EXPECT_EQ(errors(R"({"m":"2024-05-01T10:20:30.123456Z"})"), 0u);
  EXPECT_EQ(errors(R"({"m":"2024-05-01T10:20:30Z"})"), 0u);
  EXPECT_EQ(errors(R"({"m":"yesterday"})"), 1u);
  EXPECT_EQ(errors(R"({"m":5})"), 1u);
}

TEST(MicroTime, OpenApiRefersToMetaMicroTime) {
  TypeRegistry r;
  r.load("t.schema", "package p\ntype T\n  m microtime\n");
  r.resolve();
  OpenApiSchemas schemas(r);
  schemas.addType(*r.find("p.T"));
  auto doc = schemas.render();
  const auto& micro = doc.at("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime").as_object();
  EXPECT_EQ(micro.at("type"), "string");
  EXPECT_EQ(micro.at("format"), "date-time");
  const auto& prop = doc.at("p.T").at("properties").at("m").as_object();
  EXPECT_EQ(prop.at("$ref"), "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime");
}

}  // namespace
}  // namespace cube::api
