// Fields of structs Go embeds inline (`proto=N.M`): nested one message down on the wire, flat in
// the JSON object. First against a small private schema (depth, merging, errors), then bodies
// shaped like kubectl's for the built-in kinds that have such fields.
#include "api/protobuf/kind_resolver.h"
#include "api/protobuf/protobuf_decoder.h"
#include "common/api_error.h"
#include "proto_encoder.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::envelope;
using testing::Msg;
namespace json = boost::json;

const TypeRegistry& inlineTypes() {
  static const TypeRegistry* types = [] {
    auto* r = new TypeRegistry();
    r->load("inline.schema", R"(package t.v1
type Outer
  name string proto=1
  a string proto=2.1
  b int32 proto=2.2
  c boolean pointer proto=2.3.1
  d string proto=2.3.2
  e string proto=4
)");
    r->resolve();
    return r;
  }();
  return *types;
}

json::object decodeOuter(const Msg& m) {
  return decodeKubernetesProtobuf(
      envelope("t/v1", "Outer", m), inlineTypes(),
      [](const std::string&, const std::string&) { return inlineTypes().find("t.v1.Outer"); });
}

TEST(InlineFields, NestedMessagesLandFlatInTheParent) {
  Msg m = Msg()
              .str(1, "x")
              .msg(2, Msg().str(1, "in").varint(2, 7).msg(3, Msg().varint(1, 0).str(2, "deep")))
              .str(4, "after");
  EXPECT_EQ(json::value(decodeOuter(m)), json::parse(R"({"apiVersion": "t/v1", "kind": "Outer",
      "name": "x", "a": "in", "b": 7, "c": false, "d": "deep", "e": "after"})"));
}

TEST(InlineFields, ZeroRulesApplyInsideAndEmptyWrappersAddNothing) {
  // gogo writes a non-pointer inline struct even when all its fields are unset.
  EXPECT_EQ(json::value(decodeOuter(Msg().msg(2, Msg().str(1, "").varint(2, 0).msg(3, Msg())))),
            json::parse(R"({"apiVersion": "t/v1", "kind": "Outer"})"));
}

TEST(InlineFields, RepeatedWrappersMergeAndUnknownInnerTagsAreSkipped) {
  Msg m = Msg()
              .msg(2, Msg().str(1, "first").str(9, "unknown"))
              .msg(2, Msg().varint(2, 3).msg(3, Msg().str(2, "d").varint(7, 1)))
              .msg(2, Msg().str(1, "last"));
  EXPECT_EQ(json::value(decodeOuter(m)), json::parse(R"({"apiVersion": "t/v1", "kind": "Outer",
      "a": "last", "b": 3, "d": "d"})"));
}

TEST(InlineFields, AWrapperWithTheWrongWireTypeIsBadRequest) {
  for (const Msg& bad : {Msg().varint(2, 1), Msg().msg(2, Msg().varint(3, 1))}) {
    try {
      decodeOuter(bad);
      FAIL() << "no error";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.code(), 400);
      EXPECT_NE(std::string(e.what()).find("wrong wire type varint for field (inlined"),
                std::string::npos)
          << e.what();
    }
  }
}

// Built-in kinds.

json::object decode(const std::string& body) {
  const auto& registry = ResourceRegistry::builtin();
  return decodeKubernetesProtobuf(body, registry.types(), protobufResolver(registry));
}

TEST(InlineFields, PodWithHostPathVolumeProbeAndConfigMapKeyRef) {
  Msg volume = Msg().str(1, "data").msg(2, Msg().msg(1, Msg().str(1, "/var/data")));
  Msg probe = Msg()
                  .msg(1, Msg().msg(2, Msg()
                                           .str(1, "/healthz")
                                           .msg(2, Msg().varint(1, 0).varint(2, 8080))
                                           .str(3, "")
                                           .str(4, "HTTP")))
                  .varint(2, 5)
                  .varint(3, 1)
                  .varint(4, 10)
                  .varint(5, 1)
                  .varint(6, 3);
  Msg keyRef = Msg().msg(1, Msg().str(1, "settings")).str(2, "level");
  Msg env = Msg().str(1, "LEVEL").str(2, "").msg(3, Msg().msg(3, keyRef));
  Msg container = Msg().str(1, "app").str(2, "nginx").msg(7, env).msg(10, probe);
  Msg pod = Msg()
                .msg(1, Msg().str(1, "p").str(3, "default"))
                .msg(2, Msg().msg(1, volume).msg(2, container));
  json::object out = decode(envelope("v1", "Pod", pod));
  EXPECT_EQ(out.at("spec"), json::parse(R"({
    "volumes": [{"name": "data", "hostPath": {"path": "/var/data"}}],
    "containers": [{
      "name": "app", "image": "nginx",
      "env": [{"name": "LEVEL",
               "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level"}}}],
      "livenessProbe": {
        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
        "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
        "successThreshold": 1, "failureThreshold": 3}}]})"));
}

TEST(InlineFields, IngressRuleHttpPaths) {
  // What `kubectl create ingress web --rule="foo.com/bar=svc1:8080"` sends.
  Msg backend = Msg().msg(4, Msg().str(1, "svc1").msg(2, Msg().str(1, "").varint(2, 8080)));
  Msg path = Msg().str(1, "/bar").msg(2, backend).str(3, "Exact");
  Msg rule = Msg().str(1, "foo.com").msg(2, Msg().msg(1, Msg().msg(1, path)));
  Msg ingress =
      Msg().msg(1, Msg().str(1, "web").str(3, "default")).msg(2, Msg().msg(3, rule)).msg(3, Msg());
  json::object out = decode(envelope("networking.k8s.io/v1", "Ingress", ingress));
  EXPECT_EQ(out.at("spec"), json::parse(R"({"rules": [{"host": "foo.com", "http": {"paths": [
    {"path": "/bar", "pathType": "Exact",
     "backend": {"service": {"name": "svc1", "port": {"number": 8080}}}}]}}]})"));
}

}  // namespace
}  // namespace cube::api
