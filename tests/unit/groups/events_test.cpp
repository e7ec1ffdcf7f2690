#include "api/kinds/events/events_strategies.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::describe;
using testing::hasCause;
using testing::obj;

const char* kEventsV1 =
    R"({"apiVersion":"events.k8s.io/v1","kind":"Event",)"
    R"("metadata":{"name":"web.1","namespace":"default"},)"
    R"("eventTime":"2024-01-01T00:00:00.000000Z",)"
    R"("series":{"count":2,"lastObservedTime":"2024-01-01T00:01:00.000000Z"},)"
    R"("reportingController":"cube.io/kubelet","reportingInstance":"kubelet-node1",)"
    R"("action":"Pulling","reason":"Pulling","type":"Normal","note":"Pulling image",)"
    R"("regarding":{"kind":"Pod","namespace":"default","name":"web"},)"
    R"("related":{"kind":"Node","name":"node1"}})";

TEST(EventConversion, EventsV1ToCoreAndBack) {
  auto original = obj(kEventsV1);
  auto core = original;
  kinds::events::eventsV1ToCoreV1(core);
  EXPECT_EQ(core.at("apiVersion"), "v1");
  EXPECT_EQ(core.at("message"), "Pulling image");
  EXPECT_EQ(core.at("involvedObject").at("name"), "web");
  EXPECT_EQ(core.at("reportingComponent"), "cube.io/kubelet");
  EXPECT_EQ(core.at("reportingInstance"), "kubelet-node1");
  EXPECT_EQ(core.at("related").at("kind"), "Node");
  EXPECT_FALSE(core.contains("note"));
  EXPECT_FALSE(core.contains("regarding"));
  EXPECT_FALSE(core.contains("reportingController"));
  kinds::events::coreV1ToEventsV1(core);
  EXPECT_EQ(core, original);
}

TEST(EventConversion, CoreDeprecatedFields) {
  auto core =
      obj(R"({"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"d"},)"
          R"("involvedObject":{"kind":"Pod","name":"p"},"message":"m","reason":"r",)"
          R"("source":{"component":"kubelet","host":"n1"},"count":3,)"
          R"("firstTimestamp":"2024-01-01T00:00:00Z","lastTimestamp":"2024-01-01T00:05:00Z",)"
          R"("type":"Warning"})");
  auto original = core;
  auto conv = kinds::events::eventConversion();
  conv.fromStorage(core);
  EXPECT_EQ(core.at("apiVersion"), "events.k8s.io/v1");
  EXPECT_EQ(core.at("deprecatedSource").at("component"), "kubelet");
  EXPECT_EQ(core.at("deprecatedCount"), 3);
  EXPECT_EQ(core.at("deprecatedFirstTimestamp"), "2024-01-01T00:00:00Z");
  EXPECT_EQ(core.at("deprecatedLastTimestamp"), "2024-01-01T00:05:00Z");
  EXPECT_EQ(core.at("note"), "m");
  EXPECT_EQ(core.at("regarding").at("name"), "p");
  conv.toStorage(core);
  EXPECT_EQ(core, original);
}

TEST(EventValidation, StrictRulesOfEventsApi) {
  auto s = kinds::events::eventStrategy();
  auto ev = obj(kEventsV1);
  auto causes = s.validate(ev, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  ev.erase("reportingController");
  ev["deprecatedCount"] = 4;
  ev["type"] = "Odd";
  causes = s.validate(ev, nullptr);
  EXPECT_TRUE(hasCause(causes, "reportingController", "Required value")) << describe(causes);
  EXPECT_TRUE(hasCause(causes, "deprecatedCount", R"(Invalid value: "": needs to be unset)"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "type", R"(Invalid value: "": has invalid value: Odd)"))
      << describe(causes);
}

}  // namespace
}  // namespace cube::api
