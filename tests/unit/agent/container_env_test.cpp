// resolveContainerEnv: fieldRef and resourceFieldRef entries (the resolver itself is tested in
// downward_api_test.cpp), ConfigMap and Secret references and envFrom, and the kubelet's
// messages for what is missing.

#include "agent/container_env.h"
#include "common/json_util.h"
#include "downward_api_test_pod.h"

#include <gtest/gtest.h>

namespace cube::agent {
namespace {

namespace bj = boost::json;

using downward_test::testContext;
using downward_test::testPod;

bj::object container(const std::string& json) {
  return json::parse(json).as_object();
}

std::optional<bj::object> noObjects(const std::string&, const std::string&, const std::string&) {
  return std::nullopt;
}

TEST(ContainerEnv, ValueFromEveryKindAndEnvFromWithPrefix) {
  auto pod = testPod();
  std::map<std::string, bj::object> objects{
      {"configmaps/ns1/cfg", json::parse(R"({"data": {"A": "1", "B": "2"}})").as_object()},
      // "c2VjcmV0" is base64 of "secret".
      {"secrets/ns1/sec", json::parse(R"({"data": {"pw": "c2VjcmV0"}})").as_object()}};
  int reads = 0;
  auto lookup = [&](const std::string& r, const std::string& ns,
                    const std::string& name) -> std::optional<bj::object> {
    ++reads;
    auto it = objects.find(r + "/" + ns + "/" + name);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  };
  auto env = resolveContainerEnv(pod, container(R"({
    "name": "app",
    "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "P_"},
                {"secretRef": {"name": "sec"}},
                {"configMapRef": {"name": "gone", "optional": true}}],
    "env": [{"name": "LIT", "value": "x"},
            {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "MEM", "valueFrom": {"resourceFieldRef": {"containerName": "app",
                                          "resource": "limits.memory", "divisor": "1Mi"}}},
            {"name": "CA", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "A"}}},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "pw"}}},
            {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "no",
                                                           "optional": true}}}]
  })"),
                                 testContext(), lookup);
  std::vector<std::pair<std::string, std::string>> envFrom{
      {"P_A", "1"}, {"P_B", "2"}, {"pw", "secret"}};
  EXPECT_EQ(env.envFrom, envFrom);
  std::map<std::string, std::string> valueFrom{
      {"NAME", "web"}, {"MEM", "64"}, {"CA", "1"}, {"PW", "secret"}};
  EXPECT_EQ(env.valueFrom, valueFrom);
  EXPECT_EQ(reads, 3);  // cfg, sec, gone: each read once
}

TEST(ContainerEnv, MissingReferencesCarryTheKubeletsMessages) {
  auto pod = testPod();
  auto expectError = [&](const std::string& json, const std::string& message,
                         const EnvObjectLookup& lookup) {
    try {
      resolveContainerEnv(pod, container(json), testContext(), lookup);
      ADD_FAILURE() << "no error for " << json;
    } catch (const ContainerEnvError& e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
  };
  expectError(R"({"name": "app", "envFrom": [{"configMapRef": {"name": "cfg"}}]})",
              "configmap \"cfg\" not found", noObjects);
  expectError(R"({"name": "app", "envFrom": [{"secretRef": {"name": "s"}}]})",
              "secret \"s\" not found", noObjects);
  expectError(
      R"({"name": "app", "env": [{"name": "V", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]})",
      "secret \"s\" not found", noObjects);
  auto empty = [](const std::string&, const std::string&,
                  const std::string&) -> std::optional<bj::object> { return bj::object{}; };
  expectError(
      R"({"name": "app", "env": [{"name": "V", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}]})",
      "couldn't find key k in ConfigMap ns1/c", empty);
  expectError(
      R"({"name": "app", "env": [{"name": "V", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]})",
      "couldn't find key k in Secret ns1/s", empty);
  // The downward API's errors reach the container as config errors too.
  expectError(
      R"({"name": "app", "env": [{"name": "V", "valueFrom": {"fieldRef": {"fieldPath": "spec.hostname"}}}]})",
      "unsupported fieldPath: spec.hostname", noObjects);
  expectError(
      R"({"name": "app", "env": [{"name": "V", "valueFrom": {"resourceFieldRef": {"containerName": "db", "resource": "limits.cpu"}}}]})",
      "container db not found", noObjects);
}

}  // namespace
}  // namespace cube::agent
