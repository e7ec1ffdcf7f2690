// The decoder's wire-format handling against a small private schema: every field type, Go's
// zero-value rules, and malformed bodies (always 400, never a crash or an out-of-bounds read).
#include "api/protobuf/protobuf_decoder.h"
#include "common/api_error.h"
#include "proto_encoder.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::envelope;
using testing::Msg;
using testing::timeMsg;
namespace json = boost::json;

const TypeRegistry& testTypes() {
  static const TypeRegistry* types = [] {
    auto* r = new TypeRegistry();
    r->load("test.schema", R"(package t.v1
type Thing
  name string proto=1
  must string required proto=2
  i32 int32 proto=3
  i64 int64 proto=4
  num number proto=5
  flag boolean proto=6
  ptrFlag boolean pointer proto=7
  blob bytes proto=8
  size quantity proto=9
  port int-or-string proto=10
  at time proto=11
  micro microtime proto=12
  raw any proto=13
  nums []int32 proto=14
  words []string proto=15
  groups map[[]string] proto=16
  child Thing proto=17
  children []Thing proto=18
  untagged string
  doubles []number proto=19
  flags []boolean proto=20
  sizes map[quantity] proto=21
)");
    r->resolve();
    return r;
  }();
  return *types;
}

json::object decode(const std::string& body) {
  return decodeKubernetesProtobuf(
      body, testTypes(), [](const std::string& av, const std::string& k) {
        return av == "t/v1" && k == "Thing" ? testTypes().find("t.v1.Thing") : nullptr;
      });
}

std::string thing(const Msg& m) {
  return envelope("t/v1", "Thing", m);
}

json::value parsed(const char* text) {
  return json::parse(text);
}

int errorCode(const std::string& body) {
  try {
    decode(body);
  } catch (const ApiError& e) {
    return e.code();
  }
  return 0;
}

TEST(ProtobufDecoder, Scalars) {
  Msg m = Msg()
              .str(1, "n")
              .sint(3, -5)  // 10-byte two's complement, as Go writes a negative int32
              .sint(4, -9000000000)
              .dbl(5, 1.5)
              .varint(6, 1)
              .str(8, "hi!");
  EXPECT_EQ(json::value(decode(thing(m))), parsed(R"({"apiVersion": "t/v1", "kind": "Thing",
      "name": "n", "i32": -5, "i64": -9000000000, "num": 1.5, "flag": true, "blob": "aGkh"})"));
}

TEST(ProtobufDecoder, ZeroValuesDroppedUnlessRequiredOrPointer) {
  Msg m = Msg()
              .str(1, "")
              .str(2, "")
              .varint(3, 0)
              .varint(4, 0)
              .dbl(5, 0)
              .varint(6, 0)
              .varint(7, 0)
              .str(8, "")
              .msg(10, Msg().varint(1, 0).varint(2, 0))
              .msg(11, timeMsg(0))
              .msg(12, timeMsg(0))
              .msg(13, Msg())
              .msg(17, Msg());
  EXPECT_EQ(json::value(decode(thing(m))), parsed(R"({"apiVersion": "t/v1", "kind": "Thing",
      "must": "", "ptrFlag": false, "child": {}})"));
}

TEST(ProtobufDecoder, TimeQuantityIntOrString) {
  Msg m = Msg()
              .msg(9, Msg().str(1, "1Gi"))
              .msg(10, Msg().varint(1, 1).str(3, "http"))
              .msg(11, timeMsg(1136214245, 500))
              .msg(12, timeMsg(1136214245, 123456789))
              .entry(21, "cpu", Msg().str(1, "250m"))
              .entry(21, "empty", Msg());
  json::object out = decode(thing(m));
  EXPECT_EQ(out.at("size"), "1Gi");
  EXPECT_EQ(out.at("port"), "http");
  EXPECT_EQ(out.at("at"), "2006-01-02T15:04:05Z");
  EXPECT_EQ(out.at("micro"), "2006-01-02T15:04:05.123456Z");
  EXPECT_EQ(out.at("sizes"), parsed(R"({"cpu": "250m", "empty": "0"})"));
  // Before 1970, and nanos that carry into seconds.
  out = decode(thing(Msg().msg(11, timeMsg(-1)).msg(12, timeMsg(-1, 1500000000))));
  EXPECT_EQ(out.at("at"), "1969-12-31T23:59:59Z");
  EXPECT_EQ(out.at("micro"), "1970-01-01T00:00:00.500000Z");
  // Go cannot encode years past 9999 either.
  EXPECT_EQ(errorCode(thing(Msg().msg(11, timeMsg(253402300800)))), 400);
}

TEST(ProtobufDecoder, RepeatedPackedAndMaps) {
  std::string run;  // a packed run: the values without keys
  for (uint64_t v : {3, 300}) {
    Msg one;
    one.varint(1, v);
    run += one.bytes().substr(1);
  }
  Msg m = Msg()
              .varint(14, 1)
              .str(14, run)  // packed 3, 300 appended after the unpacked 1
              .sint(14, -1)
              .str(15, "a")
              .str(15, "")
              .str(15, "b")
              .entry(16, "g", Msg().str(1, "x").str(1, "y"))
              .entry(16, "none", Msg())
              .dbl(19, 0.25)
              .varint(20, 0);
  json::object out = decode(thing(m));
  EXPECT_EQ(out.at("nums"), parsed("[1, 3, 300, -1]"));
  EXPECT_EQ(out.at("words"), parsed(R"(["a", "", "b"])"));
  EXPECT_EQ(out.at("groups"), parsed(R"({"g": ["x", "y"], "none": []})"));
  EXPECT_EQ(out.at("doubles"), parsed("[0.25]"));
  EXPECT_EQ(out.at("flags"), parsed("[false]"));
}

TEST(ProtobufDecoder, NestedMessagesMergeAndRepeat) {
  Msg m = Msg()
              .msg(17, Msg().str(1, "inner"))
              .msg(17, Msg().varint(3, 4))  // a second occurrence merges into the first
              .msg(18, Msg().str(1, "a"))
              .msg(18, Msg());
  json::object out = decode(thing(m));
  EXPECT_EQ(out.at("child"), parsed(R"({"name": "inner", "i32": 4})"));
  EXPECT_EQ(out.at("children"), parsed(R"([{"name": "a"}, {}])"));
}

TEST(ProtobufDecoder, UnknownAndUntaggedFieldsAreSkipped) {
  Msg m =
      Msg().varint(99, 5).fixed32(98, 1).fixed64(97, 2).msg(96, Msg().str(1, "x")).str(1, "kept");
  EXPECT_EQ(json::value(decode(thing(m))),
            parsed(R"({"apiVersion": "t/v1", "kind": "Thing", "name": "kept"})"));
}

TEST(ProtobufDecoder, RawExtensionHoldsJsonOrANestedEnvelope) {
  json::object out = decode(thing(Msg().msg(13, Msg().str(1, R"({"f:metadata":{"f:name":{}}})"))));
  EXPECT_EQ(out.at("raw"), parsed(R"({"f:metadata": {"f:name": {}}})"));
  std::string nested = thing(Msg().str(1, "inner"));
  out = decode(thing(Msg().msg(13, Msg().str(1, nested))));
  EXPECT_EQ(out.at("raw"), parsed(R"({"apiVersion": "t/v1", "kind": "Thing", "name": "inner"})"));
  EXPECT_EQ(errorCode(thing(Msg().msg(13, Msg().str(1, "\x01\x02 not json")))), 400);
}

TEST(ProtobufDecoder, MalformedBodiesAreBadRequests) {
  std::string good = thing(Msg().str(1, "n"));
  ASSERT_EQ(errorCode(good), 0);
  EXPECT_EQ(errorCode(""), 400);
  EXPECT_EQ(errorCode("k8s"), 400);
  EXPECT_EQ(errorCode("{\"kind\":\"Thing\"}"), 400);
  EXPECT_EQ(errorCode("k9s" + good.substr(3)), 400);
  // Every truncation of a valid body fails cleanly (or, cut at a field boundary, decodes).
  for (size_t n = 4; n < good.size(); ++n) {
    int code = errorCode(good.substr(0, n));
    EXPECT_TRUE(code == 400 || code == 0) << n;
  }
  std::string magic(kKubernetesProtobufMagic);
  EXPECT_EQ(errorCode(magic + "\x0a"), 400);                            // key, then nothing
  EXPECT_EQ(errorCode(magic + "\x0a\x80"), 400);                        // truncated varint length
  EXPECT_EQ(errorCode(magic + "\x0a\x05\x0a\x01"), 400);                // length past the end
  EXPECT_EQ(errorCode(magic + "\x0a\xff\xff\xff\xff\x0f"), 400);        // huge length
  EXPECT_EQ(errorCode(magic + std::string(11, '\xff') + "\x01"), 400);  // varint over 10 bytes
  EXPECT_EQ(errorCode(magic + "\x0b"), 400);                            // group wire type
  EXPECT_EQ(errorCode(magic + std::string("\x00", 1)), 400);            // field number 0
  EXPECT_EQ(errorCode(envelope("t/v1", "", Msg())), 400);               // no kind
  // Wrong wire types for the schema's field types.
  EXPECT_EQ(errorCode(thing(Msg().varint(1, 1))), 400);
  EXPECT_EQ(errorCode(thing(Msg().str(3, "x"))), 400);
  EXPECT_EQ(errorCode(thing(Msg().varint(17, 1))), 400);
  EXPECT_EQ(errorCode(thing(Msg().fixed32(5, 1))), 400);
  // Malformed data inside nested messages.
  EXPECT_EQ(errorCode(thing(Msg().msg(17, Msg().rawBytes("\x0a\x09")))), 400);
  EXPECT_EQ(errorCode(thing(Msg().msg(10, Msg().rawBytes("\x08")))), 400);
  // An encoded content encoding (gzip) is not supported.
  EXPECT_EQ(
      errorCode(magic + Msg().msg(1, Msg().str(1, "t/v1").str(2, "Thing")).str(3, "gzip").bytes()),
      400);
}

TEST(ProtobufDecoder, DeepNestingIsRefused) {
  auto nested = [](int depth) {
    Msg m = Msg().str(1, "leaf");
    for (int i = 0; i < depth; ++i) m = Msg().msg(17, m);
    return thing(m);
  };
  EXPECT_EQ(errorCode(nested(50)), 0);
  EXPECT_EQ(errorCode(nested(150)), 400);
  EXPECT_EQ(errorCode(nested(3000)), 400);
  // Nesting through raw extensions counts too.
  std::string body = thing(Msg().str(1, "leaf"));
  for (int i = 0; i < 150; ++i) body = thing(Msg().msg(13, Msg().str(1, body)));
  EXPECT_EQ(errorCode(body), 400);
  // Deep JSON inside a raw extension.
  EXPECT_EQ(errorCode(thing(Msg().msg(13, Msg().str(1, std::string(5000, '['))))), 400);
}

}  // namespace
}  // namespace cube::api
