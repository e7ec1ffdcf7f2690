#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "common/api_error.h"
#include "json/selector/field_selector.h"
#include "json/selector/label_selector.h"

namespace cube::json {
namespace {

namespace bj = boost::json;
using Labels = std::map<std::string, std::string>;

std::string parseError(std::string_view text) {
  try {
    LabelSelector::parse(text);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
    return e.message();
  }
  return "";
}

TEST(LabelSelector, Matching) {
  Labels l{{"app", "web"}, {"tier", "front"}, {"n", "5"}};
  EXPECT_TRUE(LabelSelector::parse("").matches(l));
  EXPECT_TRUE(LabelSelector::parse("app=web").matches(l));
  EXPECT_TRUE(LabelSelector::parse("app==web,tier").matches(l));
  EXPECT_FALSE(LabelSelector::parse("app!=web").matches(l));
  EXPECT_TRUE(LabelSelector::parse("env!=prod").matches(l));  // absent label
  EXPECT_TRUE(LabelSelector::parse("app in (api, web)").matches(l));
  EXPECT_FALSE(LabelSelector::parse("app notin (web)").matches(l));
  EXPECT_TRUE(LabelSelector::parse("env notin (prod)").matches(l));
  EXPECT_TRUE(LabelSelector::parse("!env").matches(l));
  EXPECT_FALSE(LabelSelector::parse("!app").matches(l));
  EXPECT_FALSE(LabelSelector::parse("env").matches(l));
  EXPECT_TRUE(LabelSelector::parse("  app = web , n>3").matches(l));
  EXPECT_FALSE(LabelSelector::parse("n<3").matches(l));
  EXPECT_TRUE(LabelSelector::parse("in in (in)").matches(Labels{{"in", "in"}}));
  EXPECT_TRUE(LabelSelector::parse("a=").matches(Labels{{"a", ""}}));
  EXPECT_TRUE(LabelSelector::parse("a in (,x)").matches(Labels{{"a", ""}}));
  bj::object o{{"app", "web"}};
  EXPECT_TRUE(LabelSelector::parse("app=web").matches(&o));
  EXPECT_FALSE(LabelSelector::parse("app=web").matches(nullptr));
}

TEST(LabelSelector, StringFormSortedByKey) {
  EXPECT_EQ(LabelSelector::parse("z=1,a in (y, x),!b,c").toString(), "a in (x,y),!b,c,z=1");
}

TEST(LabelSelector, ErrorMessages) {
  EXPECT_EQ(parseError("a in b"), "unable to parse requirement: found 'b' expected: '('");
  EXPECT_EQ(parseError("a=b,"), "found '', expected: identifier after ','");
  EXPECT_EQ(parseError("a=b c"), "found 'c', expected: ',' or 'end of string'");
  EXPECT_EQ(parseError("=a"), "found '=', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(parseError("a b"),
            "unable to parse requirement: found 'b', expected: '=', '!=', '==', 'in', notin'");
  EXPECT_EQ(parseError("!"), "unable to parse requirement: found '', expected: identifier");
  EXPECT_EQ(parseError("a in (x y)"),
            "unable to parse requirement: found 'y', expected: ',' or ')'");
  EXPECT_EQ(parseError("a=-x"),
            "unable to parse requirement: values[0][a]: Invalid value: \"-x\": a valid label must "
            "be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
            "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(parseError("-a"),
            "unable to parse requirement: : Invalid value: \"-a\": name part must consist of "
            "alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
            "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  EXPECT_EQ(parseError("n>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer");
}

TEST(LabelSelector, FromMetaV1LabelSelector) {
  auto s = LabelSelector::fromLabelSelector(bj::parse(R"({"matchLabels":{"app":"web"},
      "matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]},
                          {"key":"old","operator":"DoesNotExist"}]})"));
  EXPECT_TRUE(s.matches(Labels{{"app", "web"}, {"tier", "b"}}));
  EXPECT_FALSE(s.matches(Labels{{"app", "web"}, {"tier", "b"}, {"old", "1"}}));
  EXPECT_FALSE(s.matches(Labels{{"app", "web"}}));
  EXPECT_TRUE(LabelSelector::fromLabelSelector(bj::parse("{}")).matches(Labels{}));
  EXPECT_FALSE(LabelSelector::fromLabelSelector(bj::value(nullptr)).matches(Labels{}));
  try {
    LabelSelector::fromLabelSelector(
        bj::parse(R"({"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]})"));
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "\"Gt\" is not a valid label selector operator");
  }
  try {
    LabelSelector::fromLabelSelector(
        bj::parse(R"({"matchExpressions":[{"key":"a","operator":"In","values":[]}]})"));
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(),
              "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't "
              "be empty");
  }
}

TEST(FieldSelector, ParseAndMatch) {
  auto s = FieldSelector::parse("spec.nodeName=n1,status.phase!=Running");
  std::map<std::string, std::string> f{{"spec.nodeName", "n1"}, {"status.phase", "Pending"}};
  EXPECT_TRUE(s.matches(f));
  f["status.phase"] = "Running";
  EXPECT_FALSE(s.matches(f));
  EXPECT_TRUE(FieldSelector::parse("metadata.name==a").matches({{"metadata.name", "a"}}));
  EXPECT_TRUE(FieldSelector::parse("spec.nodeName=").matches({}));
  EXPECT_TRUE(FieldSelector::parse("").matches({}));
  ASSERT_NE(s.requiredValue("spec.nodeName"), nullptr);
  EXPECT_EQ(*s.requiredValue("spec.nodeName"), "n1");
  EXPECT_EQ(s.requiredValue("status.phase"), nullptr);
}

TEST(FieldSelector, Escapes) {
  auto s = FieldSelector::parse(R"(metadata.name=a\,b\=c\\d)");
  ASSERT_EQ(s.requirements().size(), 1u);
  EXPECT_EQ(s.requirements()[0].value, R"(a,b=c\d)");
  EXPECT_EQ(escapeFieldValue(R"(a,b=c\d)"), R"(a\,b\=c\\d)");
  try {
    FieldSelector::parse(R"(a=b\x)");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "invalid field selector: invalid escape sequence: \\x");
  }
  try {
    FieldSelector::parse("a=b=c");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "invalid field selector: unescaped character in value: 61");
  }
  try {
    FieldSelector::parse("abc");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "invalid selector: 'abc'; can't understand 'abc'");
  }
}

TEST(FieldSelector, UnknownFields) {
  auto s = FieldSelector::parse("spec.foo=x");
  try {
    s.requireKnownFields({"metadata.name", "metadata.namespace"});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
    EXPECT_EQ(e.message(),
              "\"spec.foo\" is not a known field selector: only \"metadata.name\", "
              "\"metadata.namespace\"");
  }
  try {
    s.requireKnownFields({"metadata.name", "metadata.namespace", "spec.nodeName"});
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.message(), "field label not supported: spec.foo");
  }
  EXPECT_NO_THROW(FieldSelector::parse("metadata.name=a")
                      .requireKnownFields({"metadata.name", "metadata.namespace"}));
}

}  // namespace
}  // namespace cube::json
