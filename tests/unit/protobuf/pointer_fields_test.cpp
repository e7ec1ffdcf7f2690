// Go pointer scalars (`pointer` in the schema): gogo writes them only when set, so a zero on the
// wire is a value the client chose and must survive decoding.
#include "api/protobuf/kind_resolver.h"
#include "api/protobuf/protobuf_decoder.h"
#include "proto_encoder.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::envelope;
using testing::Msg;
namespace json = boost::json;

json::object decode(const std::string& body) {
  const auto& registry = ResourceRegistry::builtin();
  return decodeKubernetesProtobuf(body, registry.types(), protobufResolver(registry));
}

TEST(PointerFields, DeploymentWithZeroReplicasKeepsThem) {
  // `kubectl create deployment z --image=nginx --replicas=0`, trimmed to the spec's scalars.
  Msg rollingUpdate = Msg()
                          .msg(1, Msg().varint(1, 0).varint(2, 0))    // maxUnavailable: 0
                          .msg(2, Msg().varint(1, 1).str(3, "25%"));  // maxSurge: "25%"
  Msg spec = Msg()
                 .varint(1, 0)  // replicas
                 .msg(2, Msg().entry(1, "app", "z"))
                 .msg(4, Msg().str(1, "RollingUpdate").msg(2, rollingUpdate))
                 .varint(5, 0)   // minReadySeconds: not a pointer, so its zero is dropped
                 .varint(6, 0);  // revisionHistoryLimit
  Msg deploy = Msg().msg(1, Msg().str(1, "z").str(3, "default")).msg(2, spec);
  json::object out = decode(envelope("apps/v1", "Deployment", deploy));
  EXPECT_EQ(out.at("spec"), json::parse(R"({
    "replicas": 0, "selector": {"matchLabels": {"app": "z"}},
    "strategy": {"type": "RollingUpdate",
                 "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
    "revisionHistoryLimit": 0})"));
}

TEST(PointerFields, JobAndPodZerosThatMeanSomething) {
  Msg podSpec = Msg()
                    .varint(4, 0)    // terminationGracePeriodSeconds: 0, kill at once
                    .varint(21, 0);  // automountServiceAccountToken: false
  Msg jobSpec = Msg()
                    .varint(1, 0)  // parallelism: 0 pauses the job
                    .msg(6, Msg().msg(2, podSpec))
                    .varint(7, 0)    // backoffLimit: 0, no retries
                    .varint(10, 0);  // suspend: false
  Msg job = Msg().msg(1, Msg().str(1, "j").str(3, "default")).msg(2, jobSpec);
  json::object out = decode(envelope("batch/v1", "Job", job));
  EXPECT_EQ(out.at("spec"), json::parse(R"({
    "parallelism": 0, "backoffLimit": 0, "suspend": false,
    "template": {"spec": {"terminationGracePeriodSeconds": 0,
                          "automountServiceAccountToken": false}}})"));
}

}  // namespace
}  // namespace cube::api
