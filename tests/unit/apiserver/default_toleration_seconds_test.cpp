// DefaultTolerationSeconds admission: the tolerations a new pod gets, and those it keeps.

#include "apiserver/admission/default_toleration_seconds.h"
#include "api/resource_registry.h"
#include "common/json_util.h"

#include <gtest/gtest.h>

namespace cube::apiserver {
namespace {

namespace bj = boost::json;

bj::object admitPod(bj::object pod, DefaultTolerationSecondsOptions options = {}) {
  auto& registry = api::ResourceRegistry::builtin();
  AdmissionRequest request;
  request.operation = AdmissionOperation::Create;
  request.resource = registry.find("", "v1", "pods").get();
  request.object = &pod;
  DefaultTolerationSeconds(options).admit(request);
  return pod;
}

TEST(DefaultTolerationSeconds, AddsBothTolerationsWithTheConfiguredSeconds) {
  bj::object pod = admitPod(bj::object{{"spec", bj::object{}}}, {120, 2});
  EXPECT_EQ(json::serialize(pod.at("spec").at("tolerations")),
            R"([{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute",)"
            R"("tolerationSeconds":120},{"key":"node.kubernetes.io/unreachable",)"
            R"("operator":"Exists","effect":"NoExecute","tolerationSeconds":2}])");
}

TEST(DefaultTolerationSeconds, KeepsTolerationsThePodAlreadyHas) {
  bj::array own{bj::object{{"key", "node.kubernetes.io/unreachable"},
                           {"operator", "Exists"},
                           {"effect", "NoExecute"},
                           {"tolerationSeconds", 6000}},
                bj::object{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "x"}}};
  bj::object pod = admitPod(bj::object{{"spec", bj::object{{"tolerations", own}}}});
  const auto& t = pod.at("spec").at("tolerations").as_array();
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].at("tolerationSeconds").as_int64(), 6000);
  EXPECT_EQ(json::getString(t[2].as_object(), "key"), "node.kubernetes.io/not-ready");
  EXPECT_EQ(t[2].at("tolerationSeconds").as_int64(), 300);

  // A wildcard toleration covers both taints.
  bj::array wildcard{bj::object{{"operator", "Exists"}}};
  bj::object tolerant = admitPod(bj::object{{"spec", bj::object{{"tolerations", wildcard}}}});
  EXPECT_EQ(tolerant.at("spec").at("tolerations").as_array().size(), 1u);
}

TEST(DefaultTolerationSeconds, OnlyPodCreates) {
  auto& registry = api::ResourceRegistry::builtin();
  bj::object pod{{"spec", bj::object{}}};
  AdmissionRequest update;
  update.operation = AdmissionOperation::Update;
  update.resource = registry.find("", "v1", "pods").get();
  update.object = &pod;
  DefaultTolerationSeconds().admit(update);
  EXPECT_FALSE(pod.at("spec").as_object().contains("tolerations"));

  AdmissionRequest other;
  other.resource = registry.find("", "v1", "configmaps").get();
  bj::object cm{{"data", bj::object{}}};
  other.object = &cm;
  DefaultTolerationSeconds().admit(other);
  EXPECT_FALSE(cm.contains("spec"));
}

}  // namespace
}  // namespace cube::apiserver
