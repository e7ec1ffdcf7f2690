#include "api/schema/type_registry.h"

#include "test_schemas.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(TypeRegistry, ParsesTypesFieldsAndAttributes) {
  auto types = testing::testTypes();
  const Type* spec = types->find("io.k8s.api.core.v1.PodSpec");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->kind, TypeKind::Object);
  EXPECT_EQ(spec->description, "Desired state of a pod.");

  const Field* containers = spec->field("containers");
  ASSERT_NE(containers, nullptr);
  EXPECT_TRUE(containers->required);
  EXPECT_EQ(containers->patchStrategy, "merge");
  EXPECT_EQ(containers->patchMergeKey, "name");
  EXPECT_EQ(containers->listType, "map");
  EXPECT_EQ(containers->listMapKeys, std::vector<std::string>{"name"});
  ASSERT_EQ(containers->type->kind, TypeKind::Array);
  EXPECT_EQ(containers->type->elem, types->find("io.k8s.api.core.v1.Container"));

  const Field* restart = spec->field("restartPolicy");
  EXPECT_EQ(restart->enumValues, (std::vector<std::string>{"Always", "OnFailure", "Never"}));
  ASSERT_TRUE(restart->defaultValue.has_value());
  EXPECT_EQ(*restart->defaultValue, boost::json::value("Always"));
  EXPECT_EQ(restart->description, "Restart policy.");

  // strategy= overrides the strategy merge= implies, keeping the key.
  const Field* volumes = spec->field("volumes");
  EXPECT_EQ(volumes->patchStrategy, "merge,retainKeys");
  EXPECT_EQ(volumes->patchMergeKey, "name");

  const Field* overhead = spec->field("overhead");
  ASSERT_EQ(overhead->type->kind, TypeKind::Map);
  EXPECT_EQ(overhead->type->elem, types->primitive(TypeKind::Quantity));

  const Type* port = types->find("io.k8s.api.core.v1.ContainerPort");
  EXPECT_EQ(port->field("protocol")->defaultValue, boost::json::value("TCP"));
  EXPECT_EQ(port->field("containerPort")->type, types->primitive(TypeKind::Integer, "int32"));
  EXPECT_EQ(port->field("nope"), nullptr);
  EXPECT_EQ(types->find("io.k8s.api.core.v1.Container")->field("ports")->listMapKeys,
            (std::vector<std::string>{"containerPort", "protocol"}));
}

TEST(TypeRegistry, UnqualifiedNamesFallBackToMeta) {
  auto types = testing::testTypes();
  const Type* pod = types->find("io.k8s.api.core.v1.Pod");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->field("metadata")->type,
            types->find("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  EXPECT_EQ(*pod->field("metadata")->defaultValue, boost::json::object());
}

TEST(TypeRegistry, PrimitivesAreSharedSingletons) {
  TypeRegistry a;
  TypeRegistry b;
  EXPECT_EQ(a.primitive(TypeKind::String), b.primitive(TypeKind::String));
  EXPECT_EQ(a.primitive(TypeKind::Integer), a.primitive(TypeKind::Integer, "int64"));
  EXPECT_NE(a.primitive(TypeKind::Integer, "int32"), a.primitive(TypeKind::Integer, "int64"));
  EXPECT_EQ(a.primitive(TypeKind::Time)->format, "date-time");
  EXPECT_EQ(a.primitive(TypeKind::Bytes)->format, "byte");
  EXPECT_EQ(a.primitive(TypeKind::Number)->format, "double");
  EXPECT_TRUE(a.primitive(TypeKind::Quantity)->isScalar());
  EXPECT_FALSE(a.primitive(TypeKind::Any)->isScalar());
  a.load("x.schema", "package p\ntype T\n  s string\n  t time\n");
  a.resolve();
  EXPECT_EQ(a.find("p.T")->field("s")->type, b.primitive(TypeKind::String));
  EXPECT_EQ(a.find("p.T")->field("t")->type, b.primitive(TypeKind::Time));
}

TEST(TypeRegistry, EveryTypeExpression) {
  TypeRegistry r;
  r.load("x.schema", R"(package a.b
type T "All the types."
  s string
  i int32
  l int64
  n number
  b boolean
  ios int-or-string
  q quantity
  t time
  by bytes
  x any
  arr []string
  nested [][]int32
  m map[string]
  mq map[quantity]
  ml map[[]string]
  am []map[string]
  self T
  full a.b.T
  other c.d.U
package c.d
type U
)");
  r.resolve();
  const Type* t = r.find("a.b.T");
  ASSERT_NE(t, nullptr);
  auto kindOf = [&](const char* f) { return t->field(f)->type->kind; };
  EXPECT_EQ(kindOf("s"), TypeKind::String);
  EXPECT_EQ(t->field("i")->type->format, "int32");
  EXPECT_EQ(t->field("l")->type->format, "int64");
  EXPECT_EQ(kindOf("n"), TypeKind::Number);
  EXPECT_EQ(kindOf("b"), TypeKind::Boolean);
  EXPECT_EQ(kindOf("ios"), TypeKind::IntOrString);
  EXPECT_EQ(kindOf("q"), TypeKind::Quantity);
  EXPECT_EQ(kindOf("t"), TypeKind::Time);
  EXPECT_EQ(kindOf("by"), TypeKind::Bytes);
  EXPECT_EQ(kindOf("x"), TypeKind::Any);
  EXPECT_EQ(kindOf("arr"), TypeKind::Array);
  EXPECT_EQ(t->field("nested")->type->elem->kind, TypeKind::Array);
  EXPECT_EQ(t->field("nested")->type->elem->elem->format, "int32");
  EXPECT_EQ(t->field("ml")->type->kind, TypeKind::Map);
  EXPECT_EQ(t->field("ml")->type->elem->kind, TypeKind::Array);
  EXPECT_EQ(t->field("am")->type->elem->kind, TypeKind::Map);
  EXPECT_EQ(t->field("self")->type, t);
  EXPECT_EQ(t->field("full")->type, t);
  EXPECT_EQ(t->field("other")->type, r.find("c.d.U"));
  EXPECT_TRUE(r.find("c.d.U")->fields.empty());
  EXPECT_EQ(r.all().size(), 2u);
  EXPECT_EQ(r.all()[0]->name, "a.b.T");
}

TEST(TypeRegistry, ForwardReferencesAcrossFilesResolveLater) {
  TypeRegistry r;
  r.load("one.schema", "package p\ntype A\n  b B\n");
  EXPECT_THROW(
      {
        TypeRegistry other;
        other.load("one.schema", "package p\ntype A\n  b B\n");
        other.resolve();
      },
      SchemaError);
  r.load("two.schema", "package p\ntype B\n  n string\n");
  r.resolve();
  EXPECT_EQ(r.find("p.A")->field("b")->type, r.find("p.B"));
}

TEST(TypeRegistry, DescriptionsWithEscapesAndDefaultsWithSpaces) {
  TypeRegistry r;
  r.load("x.schema", R"(package p
type T "Says \"hi\" \\ bye"
  a string default="a b c" "Has a # and \"quotes\"."
  b []string default=["x y", "z"]
  c int32 default=30
  d boolean default=true
  e T default={"a": "q r"}
  f string enum=|A "Empty allowed."
)");
  r.resolve();
  const Type* t = r.find("p.T");
  EXPECT_EQ(t->description, "Says \"hi\" \\ bye");
  EXPECT_EQ(t->field("a")->description, "Has a # and \"quotes\".");
  EXPECT_EQ(*t->field("a")->defaultValue, boost::json::value("a b c"));
  EXPECT_EQ(*t->field("b")->defaultValue, (boost::json::array{"x y", "z"}));
  EXPECT_EQ(*t->field("c")->defaultValue, boost::json::value(30));
  EXPECT_EQ(*t->field("d")->defaultValue, boost::json::value(true));
  EXPECT_EQ(t->field("e")->defaultValue->at("a"), boost::json::value("q r"));
  EXPECT_EQ(t->field("f")->enumValues, (std::vector<std::string>{"", "A"}));
}

TEST(TypeRegistry, CommentsBlankLinesAndCrlf) {
  TypeRegistry r;
  r.load("x.schema",
         "# comment\r\n\r\npackage p\r\n  # indented comment\r\ntype T\r\n  a string\r\n");
  r.resolve();
  EXPECT_NE(r.find("p.T")->field("a"), nullptr);
}

TEST(TypeRegistry, ErrorsNameFileAndLine) {
  EXPECT_EQ(loadError("package p\ntype T\n  a [string\n"),
            "bad.schema:3: unknown type `[string` for field a");
  EXPECT_EQ(loadError("package p\ntype T\n  a map[string\n"),
            "bad.schema:3: unknown type `map[string` for field a");
  EXPECT_EQ(loadError("type T\n"), "bad.schema:1: `type` before any `package` line");
  EXPECT_EQ(loadError("package p\n\n  a string\n"),
            "bad.schema:3: a field line (indented) before any `type` line");
  EXPECT_THAT(loadError("package p\ntype T\n  a string bogus=1\n"),
              HasSubstr("bad.schema:3: unknown attribute `bogus`"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string frob\n"),
              HasSubstr("bad.schema:3: unknown attribute `frob`"));
  EXPECT_THAT(loadError("package p\ntype T\n  a []string listType=list\n"),
              HasSubstr("bad.schema:3: unknown listType `list`"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string listType=set\n"),
              HasSubstr("bad.schema:3: listType= applies to list fields only"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string merge=name\n"),
              HasSubstr("bad.schema:3: merge= applies to list fields only"));
  EXPECT_THAT(loadError("package p\ntype T\n  a []string listMapKeys=x\n"),
              HasSubstr("bad.schema:3: listMapKeys= needs listType=map"));
  EXPECT_THAT(loadError("package p\ntype T\n  a []string strategy=squash\n"),
              HasSubstr("bad.schema:3: unknown patch strategy `squash`"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string default=nope\n"),
              HasSubstr("bad.schema:3: default=nope is not a JSON literal"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string \"unterminated\n"),
              HasSubstr("bad.schema:3: unterminated string"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string \"x\" required\n"),
              HasSubstr("bad.schema:3: text after the description"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string \"bad \\n\"\n"),
              HasSubstr("bad.schema:3: unknown escape \\n"));
  EXPECT_THAT(loadError("package p\ntype T\n  a string\n  a int32\n"),
              HasSubstr("bad.schema:4: field `a` declared twice in type p.T (first on line 3)"));
  EXPECT_THAT(loadError("package p\ntype T\ntype T\n"),
              HasSubstr("bad.schema:3: type p.T declared twice"));
  EXPECT_THAT(loadError("package p\nfield x\n"), HasSubstr("bad.schema:2: expected `package"));
  EXPECT_THAT(loadError("package p\ntype T\n  a\n"),
              HasSubstr("bad.schema:3: field `a` has no type"));
  EXPECT_EQ(loadError("package p\ntype T\n  a Missing\n"),
            "bad.schema:3: unknown type Missing (looked in p and "
            "io.k8s.apimachinery.pkg.apis.meta.v1)");
  EXPECT_EQ(loadError("package p\ntype T\n  a x.y.Missing\n"),
            "bad.schema:3: unknown type x.y.Missing");
  EXPECT_THAT(loadError("package p\ntype T\n  a int32 default=\"x\"\n"),
              HasSubstr("bad.schema:3: default of p.T.a does not fit its type"));
}

TEST(TypeRegistry, DuplicateTypeAcrossFilesIsRejectedAndAddsNothing) {
  TypeRegistry r;
  r.load("a.schema", "package p\ntype T\n");
  try {
    r.load("b.schema", "package p\ntype U\ntype T\n");
    FAIL() << "expected SchemaError";
  } catch (const SchemaError& e) {
    EXPECT_STREQ(e.what(), "b.schema:3: type p.T is already declared at a.schema:2");
  }
  EXPECT_EQ(r.find("p.U"), nullptr);
}

// Loads every embedded schema file (meta_v1 and the API groups' files) and resolves them.
TEST(TypeRegistry, BuiltinSchemasParseAndResolve) {
  const TypeRegistry* builtin = nullptr;
  try {
    builtin = &TypeRegistry::builtin();
  } catch (const SchemaError& e) {
    FAIL() << "builtin schemas do not load: " << e.what();
  }
  const Type* meta = builtin->find("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->field("ownerReferences")->patchMergeKey, "uid");
  EXPECT_EQ(meta->field("finalizers")->patchStrategy, "merge");
  EXPECT_EQ(meta->field("creationTimestamp")->type->kind, TypeKind::Time);
  EXPECT_NE(builtin->find("io.k8s.apimachinery.pkg.apis.meta.v1.Status"), nullptr);
  EXPECT_NE(builtin->find("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"), nullptr);
  for (const Type* t : builtin->all()) {
    for (const Field& f : t->fields) {
      EXPECT_NE(f.type, nullptr) << t->name << "." << f.name;
    }
  }
}

}  // namespace
}  // namespace cube::api
