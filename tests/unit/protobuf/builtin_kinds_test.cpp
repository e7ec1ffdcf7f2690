// Bodies shaped like the ones kubectl's typed clients send (`kubectl create namespace|configmap|
// secret|deployment|service`, drain's evictions), decoded against the built-in schema.
#include "api/protobuf/kind_resolver.h"
#include "api/protobuf/protobuf_decoder.h"
#include "common/api_error.h"
#include "proto_encoder.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::envelope;
using testing::Msg;
using testing::timeMsg;
namespace json = boost::json;

json::object decode(const std::string& body) {
  const auto& registry = ResourceRegistry::builtin();
  return decodeKubernetesProtobuf(body, registry.types(), protobufResolver(registry));
}

json::value parsed(const char* text) {
  return json::parse(text);
}

// The ObjectMeta gogo writes for a new object: every non-pointer field, set or not.
Msg newObjectMeta(std::string_view name, std::string_view ns = "") {
  return Msg().str(1, name).str(2, "").str(3, ns).str(4, "").str(5, "").str(6, "").varint(7, 0).msg(
      8, timeMsg(0));  // creationTimestamp: the zero time
}

TEST(BuiltinKinds, Namespace) {
  Msg ns = Msg()
               .msg(1, newObjectMeta("foo").entry(11, "team", "a").entry(12, "note", ""))
               .msg(2, Msg())
               .msg(3, Msg().str(1, ""));
  EXPECT_EQ(json::value(decode(envelope("v1", "Namespace", ns))), parsed(R"({
    "apiVersion": "v1", "kind": "Namespace",
    "metadata": {"name": "foo", "labels": {"team": "a"}, "annotations": {"note": ""}},
    "spec": {}, "status": {}})"));
}

TEST(BuiltinKinds, ConfigMapWithData) {
  Msg cm = Msg()
               .msg(1, newObjectMeta("cfg", "default"))
               .entry(2, "a", "1")
               .entry(2, "b", "two words")
               .entry(3, "bin", std::string("\x00\xff\x10", 3));
  EXPECT_EQ(json::value(decode(envelope("v1", "ConfigMap", cm))), parsed(R"({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "cfg", "namespace": "default"},
    "data": {"a": "1", "b": "two words"}, "binaryData": {"bin": "AP8Q"}})"));
}

TEST(BuiltinKinds, SecretDataIsBase64) {
  Msg secret = Msg()
                   .msg(1, newObjectMeta("s", "default"))
                   .entry(2, "p", "x")
                   .entry(2, "long", "password1")
                   .entry(2, "empty", "")
                   .str(3, "Opaque");
  json::object out = decode(envelope("v1", "Secret", secret));
  EXPECT_EQ(out.at("data"), parsed(R"({"p": "eA==", "long": "cGFzc3dvcmQx", "empty": ""})"));
  EXPECT_EQ(out.at("type"), "Opaque");
}

TEST(BuiltinKinds, DeploymentWithIntOrStringAndQuantity) {
  Msg container =
      Msg()
          .str(1, "nginx")
          .str(2, "nginx")
          .msg(
              8,
              Msg().entry(1, "cpu", Msg().str(1, "500m")).entry(1, "memory", Msg().str(1, "128Mi")))
          .str(13, "")
          .str(14, "")
          .varint(16, 0);
  Msg podSpec = Msg().msg(2, container).str(3, "").varint(11, 0);
  Msg labels = Msg().entry(1, "app", "d");
  Msg spec = Msg()
                 .varint(1, 2)
                 .msg(2, labels)
                 .msg(3, Msg().msg(1, newObjectMeta("").entry(11, "app", "d")).msg(2, podSpec))
                 .msg(4, Msg()
                             .str(1, "RollingUpdate")
                             .msg(2, Msg()
                                         .msg(1, Msg().varint(1, 0).varint(2, 1))     // 1
                                         .msg(2, Msg().varint(1, 1).str(3, "25%"))))  // "25%"
                 .varint(5, 0)
                 .varint(7, 0);
  Msg deploy =
      Msg().msg(1, newObjectMeta("d", "default").entry(11, "app", "d")).msg(2, spec).msg(3, Msg());
  EXPECT_EQ(json::value(decode(envelope("apps/v1", "Deployment", deploy))), parsed(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "d", "namespace": "default", "labels": {"app": "d"}},
    "spec": {
      "replicas": 2,
      "selector": {"matchLabels": {"app": "d"}},
      "template": {
        "metadata": {"labels": {"app": "d"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                 "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}}]}},
      "strategy": {"type": "RollingUpdate",
                   "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"}}},
    "status": {}})"));
}

TEST(BuiltinKinds, ServiceWithPorts) {
  Msg port = Msg()
                 .str(1, "6379-6379")
                 .str(2, "TCP")
                 .varint(3, 6379)
                 .msg(4, Msg().varint(1, 0).varint(2, 6379))
                 .varint(5, 0);
  Msg spec = Msg().msg(1, port).entry(2, "app", "redis").str(3, "").str(4, "ClusterIP");
  json::object out =
      decode(envelope("v1", "Service", Msg().msg(1, newObjectMeta("redis")).msg(2, spec)));
  EXPECT_EQ(out.at("spec"), parsed(R"({
    "ports": [{"name": "6379-6379", "protocol": "TCP", "port": 6379, "targetPort": 6379}],
    "selector": {"app": "redis"}, "type": "ClusterIP"})"));
}

TEST(BuiltinKinds, TimesAndRequiredZeroValues) {
  // 2006-01-02T15:04:05Z plus some nanoseconds, which Time truncates.
  Msg meta = newObjectMeta("n").msg(9, timeMsg(1136214245, 999999999));
  Msg owner = Msg().str(1, "ReplicaSet").str(3, "rs").str(4, "").str(5, "apps/v1").varint(6, 0);
  meta.msg(13, owner);
  json::object out = decode(envelope("v1", "Namespace", Msg().msg(1, meta)));
  EXPECT_EQ(out.at("metadata"), parsed(R"({
    "name": "n", "deletionTimestamp": "2006-01-02T15:04:05Z",
    "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "uid": "", "apiVersion": "apps/v1",
                         "controller": false}]})"));
}

TEST(BuiltinKinds, DeleteOptionsAndEviction) {
  Msg opts = Msg().sint(1, 0).msg(2, Msg().str(1, "u-1")).str(4, "Foreground");
  EXPECT_EQ(json::value(decode(envelope("v1", "DeleteOptions", opts))), parsed(R"({
    "apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
    "preconditions": {"uid": "u-1"}, "propagationPolicy": "Foreground"})"));
  Msg eviction = Msg().msg(1, newObjectMeta("web-0", "default")).msg(2, Msg().sint(1, 30));
  EXPECT_EQ(json::value(decode(envelope("policy/v1", "Eviction", eviction))), parsed(R"({
    "apiVersion": "policy/v1", "kind": "Eviction",
    "metadata": {"name": "web-0", "namespace": "default"},
    "deleteOptions": {"gracePeriodSeconds": 30}})"));
}

TEST(BuiltinKinds, UnknownKindIsBadRequest) {
  try {
    decode(envelope("v1", "Frobnicator", Msg()));
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
    EXPECT_STREQ(e.what(), "no kind \"Frobnicator\" is registered for version \"v1\"");
  }
}

}  // namespace
}  // namespace cube::api
