// Namespace, ConfigMap, Secret, ServiceAccount, Event.

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

TEST(Namespace, CreateDefaults) {
  auto s = kinds::core::namespaceStrategy();
  // As the API server hands it over on create: uid and creationTimestamp set, no resourceVersion.
  auto ns = obj(
      R"({"metadata":{"name":"team-a","uid":"u1","creationTimestamp":"2024-01-01T00:00:00Z"}})");
  auto causes = createCauses(s, "Namespace", ns);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  EXPECT_EQ(ns.at("spec").at("finalizers"), json::parse(R"(["kubernetes"])"));
  EXPECT_EQ(ns.at("status").at("phase"), "Active");
  EXPECT_EQ(ns.at("metadata").at("labels").at("kubernetes.io/metadata.name"), "team-a");
}

TEST(Namespace, FinalizerNotReAddedOnceStored) {
  auto s = kinds::core::namespaceStrategy();
  auto ns =
      obj(R"({"metadata":{"name":"a","uid":"u","resourceVersion":"5"},"spec":{"finalizers":[]},)"
          R"("status":{"phase":"Terminating"}})");
  prepare(s, "Namespace", ns);
  EXPECT_TRUE(ns.at("spec").at("finalizers").as_array().empty());
  EXPECT_EQ(ns.at("status").at("phase"), "Terminating");
}

TEST(Namespace, NameIsDnsLabel) {
  auto s = kinds::core::namespaceStrategy();
  auto ns = obj(R"({"metadata":{"name":"a.b"}})");
  EXPECT_TRUE(hasCause(createCauses(s, "Namespace", ns), "metadata.name",
                       "Invalid value: \"a.b\": must not contain dots"));
}

TEST(ConfigMap, KeysAndSize) {
  auto s = kinds::core::configMapStrategy();
  auto cm =
      obj(R"({"metadata":{"name":"c","namespace":"default"},"data":{"ok.key":"v","bad key":"v",)"
          R"("dup":"x"},"binaryData":{"dup":"eA=="}})");
  auto causes = createCauses(s, "ConfigMap", cm);
  EXPECT_TRUE(hasCause(causes, "data[bad key]",
                       "Invalid value: \"bad key\": a valid config key must consist of "
                       "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                       "'KEY_NAME',  or 'key-name', regex used for validation is "
                       "'[-._a-zA-Z0-9]+')"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "data[dup]",
                       "Invalid value: \"dup\": duplicate of key present in binaryData"));

  std::string big(1024 * 1024 + 1, 'x');
  auto large =
      obj(R"({"metadata":{"name":"c","namespace":"default"},"data":{"k":")" + big + "\"}}");
  auto sizeCauses = createCauses(s, "ConfigMap", large);
  ASSERT_EQ(sizeCauses.size(), 1u) << describe(sizeCauses);
  EXPECT_EQ(sizeCauses[0].reason, "FieldValueTooLong");
  EXPECT_EQ(sizeCauses[0].message, "Too long: may not be more than 1048576 bytes");
}

TEST(ConfigMap, ImmutableData) {
  auto s = kinds::core::configMapStrategy();
  auto old = obj(R"({"metadata":{"name":"c","namespace":"d"},"immutable":true,"data":{"a":"1"}})");
  auto now = obj(R"({"metadata":{"name":"c","namespace":"d"},"immutable":true,"data":{"a":"2"}})");
  EXPECT_TRUE(hasCause(s.validate(now, &old), "data",
                       "Forbidden: field is immutable when `immutable` is set"));
}

TEST(Secret, TypeDefaultAndStringData) {
  auto s = kinds::core::secretStrategy();
  auto sec =
      obj(R"({"metadata":{"name":"s","namespace":"default"},"stringData":{"user":"admin"}})");
  auto causes = createCauses(s, "Secret", sec);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  EXPECT_EQ(sec.at("type"), "Opaque");
  EXPECT_EQ(sec.at("data").at("user"), "YWRtaW4=");
  EXPECT_FALSE(sec.contains("stringData"));
}

TEST(Secret, TlsNeedsKeys) {
  auto s = kinds::core::secretStrategy();
  auto sec = obj(
      R"({"metadata":{"name":"s","namespace":"default"},"type":"kubernetes.io/tls","data":{}})");
  auto causes = createCauses(s, "Secret", sec);
  EXPECT_TRUE(hasCause(causes, "data[tls.crt]", "Required value")) << describe(causes);
  EXPECT_TRUE(hasCause(causes, "data[tls.key]", "Required value"));
}

TEST(Secret, TypeIsImmutable) {
  auto s = kinds::core::secretStrategy();
  auto old = obj(R"({"metadata":{"name":"s","namespace":"d"},"type":"Opaque"})");
  auto now = obj(
      R"({"metadata":{"name":"s","namespace":"d"},"type":"kubernetes.io/basic-auth","data":{"username":""}})");
  EXPECT_TRUE(hasCause(s.validate(now, &old), "type",
                       "Invalid value: \"kubernetes.io/basic-auth\": field is immutable"));
}

TEST(Event, InvolvedObjectNamespaceMustMatch) {
  auto s = kinds::core::eventStrategy();
  auto ev = obj(R"({"metadata":{"name":"e","namespace":"default"},"involvedObject":{"kind":"Pod",)"
                R"("name":"p","namespace":"other"},"reason":"Started"})");
  auto causes = createCauses(s, "Event", ev);
  EXPECT_TRUE(hasCause(causes, "involvedObject.namespace",
                       "Invalid value: \"other\": does not match event.namespace"))
      << describe(causes);
}

TEST(ServiceAccount, Name) {
  auto s = kinds::core::serviceAccountStrategy();
  auto sa = obj(R"({"metadata":{"name":"builder","namespace":"default"}})");
  EXPECT_TRUE(createCauses(s, "ServiceAccount", sa).empty());
}

}  // namespace
}  // namespace cube::api
