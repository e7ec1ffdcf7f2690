#include "json/patch/json_patch.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "common/api_error.h"
#include "json/patch/merge_patch.h"

namespace cube::json {
namespace {

namespace bj = boost::json;

bj::value apply(std::string_view doc, std::string_view patch) {
  return applyJsonPatch(bj::parse(doc), bj::parse(patch));
}

int failureCode(std::string_view doc, std::string_view patch) {
  try {
    apply(doc, patch);
  } catch (const ApiError& e) {
    return e.code();
  }
  return 0;
}

TEST(JsonPatch, Operations) {
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"add","path":"/b","value":2}])"),
            bj::parse(R"({"a":1,"b":2})"));
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"add","path":"/l/-","value":3}])"),
            bj::parse(R"({"l":[1,2,3]})"));
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"add","path":"/l/0","value":0}])"),
            bj::parse(R"({"l":[0,1,2]})"));
  EXPECT_EQ(apply(R"({"l":[1,2]})", R"([{"op":"add","path":"/l/2","value":3}])"),
            bj::parse(R"({"l":[1,2,3]})"));
  EXPECT_EQ(apply(R"({"l":[1,2,3]})", R"([{"op":"remove","path":"/l/1"}])"),
            bj::parse(R"({"l":[1,3]})"));
  EXPECT_EQ(apply(R"({"l":[1,2,3]})", R"([{"op":"remove","path":"/l/-1"}])"),
            bj::parse(R"({"l":[1,2]})"));
  EXPECT_EQ(apply(R"({"a":{"b":1}})", R"([{"op":"replace","path":"/a/b","value":[1]}])"),
            bj::parse(R"({"a":{"b":[1]}})"));
  EXPECT_EQ(apply(R"({"a":{"b":1},"c":{}})", R"([{"op":"move","from":"/a/b","path":"/c/d"}])"),
            bj::parse(R"({"a":{},"c":{"d":1}})"));
  EXPECT_EQ(apply(R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])"),
            bj::parse(R"({"a":{"b":1},"c":{"b":1}})"));
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"test","path":"/a","value":1.0}])"),
            bj::parse(R"({"a":1})"));
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"replace","path":"","value":{"z":0}}])"),
            bj::parse(R"({"z":0})"));
}

TEST(JsonPatch, PointerEscapes) {
  EXPECT_EQ(apply(R"({"metadata":{"annotations":{}}})",
                  R"([{"op":"add","path":"/metadata/annotations/example.com~1a~0b","value":"v"}])"),
            bj::parse(R"({"metadata":{"annotations":{"example.com/a~b":"v"}}})"));
  EXPECT_EQ(failureCode(R"({"a":1})", R"([{"op":"add","path":"/a~2","value":1}])"), 422);
}

TEST(JsonPatch, FailedTestIsKubernetesGeneric422) {
  try {
    apply(R"({"a":1})", R"([{"op":"replace","path":"/a","value":5},
                            {"op":"test","path":"/a","value":2}])");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 422);
    EXPECT_EQ(e.reason(), "Invalid");
    EXPECT_EQ(e.message(), "the server rejected our request due to an error in our request");
  }
  EXPECT_EQ(jsonPatchFailure(bj::parse(R"({"a":1})"),
                             bj::parse(R"([{"op":"test","path":"/a","value":2}])")),
            "testing value /a failed: test failed");
  // A missing location tests equal to null, as evanphx/json-patch v4 does.
  EXPECT_EQ(failureCode(R"({})", R"([{"op":"test","path":"/x","value":null}])"), 0);
}

TEST(JsonPatch, Failures) {
  EXPECT_EQ(failureCode(R"({"a":1})", R"([{"op":"remove","path":"/b"}])"), 422);
  EXPECT_EQ(failureCode(R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])"), 422);
  EXPECT_EQ(failureCode(R"({"l":[]})", R"([{"op":"add","path":"/l/1","value":1}])"), 422);
  EXPECT_EQ(failureCode(R"({})", R"([{"op":"add","path":"/a/b","value":1}])"), 422);
  EXPECT_EQ(failureCode(R"({})", R"([{"op":"frobnicate","path":"/a"}])"), 422);
  EXPECT_EQ(failureCode(R"({"a":{}})", R"([{"op":"move","from":"/a","path":"/a/b"}])"), 422);
  EXPECT_EQ(failureCode(R"({})", R"({"op":"add"})"), 400);
  EXPECT_EQ(failureCode(R"({})", R"(["add"])"), 400);
  try {
    applyJsonPatch(bj::parse("{}"), std::string_view("[{"));
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), 400);
  }
}

TEST(JsonPatch, AtomicOnFailure) {
  bj::value doc = bj::parse(R"({"a":1})");
  EXPECT_THROW(applyJsonPatch(doc, bj::parse(R"([{"op":"add","path":"/b","value":2},
                                                {"op":"remove","path":"/zz"}])")),
               ApiError);
  EXPECT_EQ(doc, bj::parse(R"({"a":1})"));
}

TEST(MergePatch, Rfc7386) {
  auto mp = [](std::string_view t, std::string_view p) {
    return jsonMergePatch(bj::parse(t), bj::parse(p));
  };
  EXPECT_EQ(mp(R"({"a":"b"})", R"({"a":"c"})"), bj::parse(R"({"a":"c"})"));
  EXPECT_EQ(mp(R"({"a":"b"})", R"({"b":"c"})"), bj::parse(R"({"a":"b","b":"c"})"));
  EXPECT_EQ(mp(R"({"a":"b"})", R"({"a":null})"), bj::parse(R"({})"));
  EXPECT_EQ(mp(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), bj::parse(R"({"a":[1]})"));
  EXPECT_EQ(mp(R"({"e":null})", R"({"a":1})"), bj::parse(R"({"e":null,"a":1})"));
  EXPECT_EQ(mp(R"({})", R"({"a":{"bb":{"ccc":null}}})"), bj::parse(R"({"a":{"bb":{}}})"));
  EXPECT_EQ(mp(R"({"a":{"b":1,"c":2}})", R"({"a":{"b":null,"d":3}})"),
            bj::parse(R"({"a":{"c":2,"d":3}})"));
  EXPECT_EQ(mp(R"({"a":"foo"})", R"(["c"])"), bj::parse(R"(["c"])"));
  EXPECT_THROW(mp(R"({})", "null"), ApiError);
}

}  // namespace
}  // namespace cube::json
