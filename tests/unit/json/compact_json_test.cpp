// parseCompactObject: objects parsed into a sealed arena behave as ordinary Boost.JSON objects —
// equal to a plain parse, copies (which inherit the storage) independent and valid after the
// original is gone, edits before sealing kept — and malformed input is refused.

#include "common/compact_json.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

namespace cube::json {
namespace {

const char* kPod =
    R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"default",)"
    R"("labels":{"app":"web","a-rather-long-label-key.example.com/name":"a rather long value"}},)"
    R"("spec":{"containers":[{"name":"web","image":"busybox","command":["sleep","3600"],)"
    R"("resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}],"nodeName":"n1"},)"
    R"("status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})";

TEST(CompactJsonTest, EqualsAPlainParseAndKeepsEditsMadeBeforeSealing) {
  boost::system::error_code ec;
  auto obj = parseCompactObject(kPod, ec, [](boost::json::object& o) {
    o["metadata"].as_object()["resourceVersion"] = "42";
  });
  ASSERT_TRUE(obj) << ec.message();
  boost::json::object plain = boost::json::parse(kPod).as_object();
  plain["metadata"].as_object()["resourceVersion"] = "42";
  EXPECT_EQ(*obj, plain);
}

TEST(CompactJsonTest, CopiesOutliveTheOriginalAndChangeIndependently) {
  boost::system::error_code ec;
  auto obj = parseCompactObject(kPod, ec);
  ASSERT_TRUE(obj);
  boost::json::object copy = *obj;  // inherits the arena's storage, allocates from the heap
  boost::json::value spec = obj->at("spec");
  copy["metadata"].as_object()["labels"].as_object()["added"] = std::string(200, 'x');
  copy["status"].as_object().erase("conditions");
  for (int i = 0; i < 1000; ++i) copy["k" + std::to_string(i)] = std::string(64, 'y');
  std::string before = boost::json::serialize(*obj);
  obj.reset();  // the arena lives on while copies use it
  EXPECT_EQ(copy.at("kind").as_string(), "Pod");
  EXPECT_EQ(copy.at("k999").as_string(), std::string(64, 'y'));
  EXPECT_EQ(spec.at("nodeName").as_string(), "n1");
  boost::system::error_code again;
  EXPECT_EQ(boost::json::serialize(*parseCompactObject(kPod, again)),
            boost::json::serialize(boost::json::parse(kPod)));
  EXPECT_NE(before.find("\"conditions\""), std::string::npos) << "the original was untouched";
}

TEST(CompactJsonTest, LargeObjectsSpillIntoMoreBlocks) {
  std::string big = R"({"items":[)";
  for (int i = 0; i < 2000; ++i)
    big += (i ? "," : "") + std::string(R"({"n":)") + std::to_string(i) +
           R"(,"s":"abcdefghijklmnopqrstuvwxyz"})";
  big += "]}";
  boost::system::error_code ec;
  auto obj = parseCompactObject(big, ec);
  ASSERT_TRUE(obj);
  EXPECT_EQ(*obj, boost::json::parse(big).as_object());
}

TEST(CompactJsonTest, MalformedOrNonObjectTextIsRefused) {
  boost::system::error_code ec;
  EXPECT_FALSE(parseCompactObject(R"({"a":)", ec));
  EXPECT_TRUE(ec);
  boost::system::error_code ec2;
  EXPECT_FALSE(parseCompactObject("[1,2]", ec2));
  EXPECT_TRUE(ec2);
}

}  // namespace
}  // namespace cube::json
