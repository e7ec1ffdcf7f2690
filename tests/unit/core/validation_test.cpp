// Shared validation helpers: messages must match Kubernetes byte for byte.

#include "api/validation/validation.h"

#include "core_test_util.h"

#include <gtest/gtest.h>

namespace cube::api::validation {
namespace {

using coretest::obj;

TEST(Names, Dns1123Subdomain) {
  EXPECT_TRUE(isDns1123Subdomain("example.com").empty());
  EXPECT_TRUE(isDns1123Subdomain("a").empty());
  auto errs = isDns1123Subdomain("Foo_bar");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            "'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_FALSE(isDns1123Subdomain("a..b").empty());
  EXPECT_FALSE(isDns1123Subdomain("-a").empty());
  EXPECT_EQ(isDns1123Subdomain(std::string(254, 'a'))[0], "must be no more than 253 characters");
}

TEST(Names, Dns1123Label) {
  EXPECT_TRUE(isDns1123Label("my-name").empty());
  EXPECT_EQ(isDns1123Label("a.b"), std::vector<std::string>{"must not contain dots"});
  auto errs = isDns1123Label("My_Name");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
            "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  EXPECT_EQ(isDns1123Label(std::string(64, 'a'))[0], "must be no more than 63 characters");
}

TEST(Names, Dns1035Label) {
  EXPECT_TRUE(isDns1035Label("web").empty());
  auto errs = isDns1035Label("1web");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
            "with an alphabetic character, and end with an alphanumeric character (e.g. "
            "'my-name',  or 'abc-123', regex used for validation is "
            "'[a-z]([-a-z0-9]*[a-z0-9])?')");
}

TEST(Names, GenerateNamePrefixMayEndInDash) {
  EXPECT_TRUE(nameIsDnsSubdomain("web-", true).empty());
  EXPECT_FALSE(nameIsDnsSubdomain("web-", false).empty());
}

TEST(Labels, QualifiedNamesAndValues) {
  EXPECT_TRUE(isQualifiedName("app").empty());
  EXPECT_TRUE(isQualifiedName("example.com/app").empty());
  auto errs = isQualifiedName("-app");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
            "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  EXPECT_EQ(isQualifiedName("/app")[0], "prefix part must be non-empty");
  EXPECT_TRUE(isValidLabelValue("").empty());
  EXPECT_EQ(isValidLabelValue("a b")[0],
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
            "or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}

TEST(Causes, MessagesFollowFieldErrorBody) {
  EXPECT_EQ(required("spec.containers").message, "Required value");
  EXPECT_EQ(required("spec.containers").reason, "FieldValueRequired");
  EXPECT_EQ(invalid("x", boost::json::value(70000), "m").message, "Invalid value: 70000: m");
  EXPECT_EQ(invalid("x", boost::json::value("a\"b"), "m").message, "Invalid value: \"a\\\"b\": m");
  EXPECT_EQ(notSupported("p", boost::json::value("X"), {"A", "B"}).message,
            "Unsupported value: \"X\": supported values: \"A\", \"B\"");
  EXPECT_EQ(duplicate("n", boost::json::value("a")).message, "Duplicate value: \"a\"");
  EXPECT_EQ(notFound("n", boost::json::value("v")).message, "Not found: \"v\"");
  EXPECT_EQ(forbidden("f", "nope").message, "Forbidden: nope");
  EXPECT_EQ(goPrint(boost::json::value(boost::json::object{{"b", "2"}, {"a", "1"}})),
            "map[string]string{\"a\":\"1\", \"b\":\"2\"}");
}

TEST(ObjectMeta, NameNamespaceLabelsAnnotations) {
  auto o = obj(R"({"metadata":{"name":"Bad_Name","labels":{"-x":"ok","k":"bad value"}}})");
  auto causes = validateObjectMeta(o, true, nameIsDnsSubdomain);
  EXPECT_TRUE(coretest::hasField(causes, "metadata.name")) << coretest::describe(causes);
  EXPECT_TRUE(coretest::hasCause(causes, "metadata.namespace", "Required value"));
  int labelErrors = 0;
  for (const auto& c : causes) labelErrors += c.field == "metadata.labels";
  EXPECT_EQ(labelErrors, 2) << coretest::describe(causes);

  auto noName = obj(R"({"metadata":{"namespace":"default"}})");
  EXPECT_TRUE(coretest::hasCause(validateObjectMeta(noName, true, nameIsDnsSubdomain),
                                 "metadata.name",
                                 "Required value: name or generateName is required"));

  auto clusterScoped = obj(R"({"metadata":{"name":"n","namespace":"default"}})");
  EXPECT_TRUE(coretest::hasCause(validateObjectMeta(clusterScoped, false, nameIsDnsSubdomain),
                                 "metadata.namespace", "Forbidden: not allowed on this type"));

  std::string big(300 * 1024, 'x');
  auto annotated =
      obj(R"({"metadata":{"name":"n","namespace":"d","annotations":{"a":")" + big + R"("}}})");
  auto annCauses = validateObjectMeta(annotated, true, nameIsDnsSubdomain);
  ASSERT_EQ(annCauses.size(), 1u) << coretest::describe(annCauses);
  EXPECT_EQ(annCauses[0].field, "metadata.annotations");
  EXPECT_EQ(annCauses[0].reason, "FieldValueTooLong");
}

TEST(ObjectMeta, UpdateKeepsNameAndNamespace) {
  auto old = obj(R"({"metadata":{"name":"a","namespace":"d","uid":"1"}})");
  auto now = obj(R"({"metadata":{"name":"b","namespace":"d","uid":"1"}})");
  auto causes = validateObjectMetaUpdate(now, old, true, nameIsDnsSubdomain);
  EXPECT_TRUE(
      coretest::hasCause(causes, "metadata.name", "Invalid value: \"b\": field is immutable"))
      << coretest::describe(causes);
}

TEST(Selectors, LabelSelectorValidationAndMatching) {
  auto sel = boost::json::parse(
      R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In"}]})");
  auto causes = validateLabelSelector(&sel, "spec.selector");
  EXPECT_TRUE(coretest::hasCause(causes, "spec.selector.matchExpressions[0].values",
                                 "Required value: must be specified when `operator` is 'In' or "
                                 "'NotIn'"))
      << coretest::describe(causes);
  auto good = boost::json::parse(
      R"({"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["fe"]}]})");
  auto labels = boost::json::parse(R"({"app":"web","tier":"fe"})");
  auto other = boost::json::parse(R"({"app":"web","tier":"be"})");
  EXPECT_TRUE(labelSelectorMatches(&good, &labels));
  EXPECT_FALSE(labelSelectorMatches(&good, &other));
}

TEST(Ports, NumbersAndNames) {
  EXPECT_TRUE(isValidPortNum(80).empty());
  EXPECT_EQ(isValidPortNum(0)[0], "must be between 1 and 65535, inclusive");
  EXPECT_TRUE(isValidPortName("http").empty());
  EXPECT_FALSE(isValidPortName("8080").empty());
  EXPECT_FALSE(isValidPortName("a--b").empty());
}

}  // namespace
}  // namespace cube::api::validation
