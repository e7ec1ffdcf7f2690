// resolveContainerEnv: the downward API, resource fields over divisors, ConfigMap and Secret
// references and envFrom, and the kubelet's messages for what is missing.

#include "agent/container_env.h"
#include "common/json_util.h"

#include <gtest/gtest.h>

namespace cube::agent {
namespace {

namespace bj = boost::json;

bj::object testPod() {
  return json::parse(R"({
    "metadata": {"name": "web", "namespace": "ns1", "uid": "u-1",
                 "labels": {"app": "x"}, "annotations": {"a.b/c": "d"}},
    "spec": {"nodeName": "n1", "serviceAccountName": "sa",
             "containers": [{"name": "app", "resources": {"limits": {"memory": "64Mi"},
                                                          "requests": {"cpu": "250m"}}},
                            {"name": "side"}]}
  })")
      .as_object();
}

EnvContext context() {
  EnvContext c;
  c.hostIP = "127.1.0.1";
  c.podIP = "10.42.0.5";
  c.nodeCpu = "4";
  c.nodeMemory = "8Gi";
  return c;
}

bj::object container(const std::string& json) {
  return json::parse(json).as_object();
}

std::optional<bj::object> noObjects(const std::string&, const std::string&, const std::string&) {
  return std::nullopt;
}

TEST(ContainerEnv, DownwardApiFields) {
  auto pod = testPod();
  auto c = context();
  EXPECT_EQ(podFieldValue(pod, "metadata.name", c), "web");
  EXPECT_EQ(podFieldValue(pod, "metadata.namespace", c), "ns1");
  EXPECT_EQ(podFieldValue(pod, "metadata.uid", c), "u-1");
  EXPECT_EQ(podFieldValue(pod, "metadata.labels['app']", c), "x");
  EXPECT_EQ(podFieldValue(pod, "metadata.labels['missing']", c), "");
  EXPECT_EQ(podFieldValue(pod, "metadata.annotations['a.b/c']", c), "d");
  EXPECT_EQ(podFieldValue(pod, "spec.nodeName", c), "n1");
  EXPECT_EQ(podFieldValue(pod, "spec.serviceAccountName", c), "sa");
  EXPECT_EQ(podFieldValue(pod, "status.hostIP", c), "127.1.0.1");
  EXPECT_EQ(podFieldValue(pod, "status.podIP", c), "10.42.0.5");
  EXPECT_THROW(podFieldValue(pod, "spec.hostname", c), ContainerEnvError);
}

TEST(ContainerEnv, ResourceFieldsRoundUpOverTheDivisor) {
  auto pod = testPod();
  auto app = pod["spec"].as_object()["containers"].as_array()[0].as_object();
  auto c = context();
  EXPECT_EQ(containerResourceValue(pod, app, "limits.memory", "", c), "67108864");
  EXPECT_EQ(containerResourceValue(pod, app, "limits.memory", "1Mi", c), "64");
  EXPECT_EQ(containerResourceValue(pod, app, "requests.cpu", "1m", c), "250");
  EXPECT_EQ(containerResourceValue(pod, app, "requests.cpu", "", c), "1");  // ceil(0.25)
  // Unset limits are the node's allocatable.
  EXPECT_EQ(containerResourceValue(pod, app, "limits.cpu", "", c), "4");
  EXPECT_EQ(containerResourceValue(pod, app, "requests.memory", "", c), "0");
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
                                 context(), lookup);
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
      resolveContainerEnv(pod, container(json), context(), lookup);
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
}

}  // namespace
}  // namespace cube::agent
