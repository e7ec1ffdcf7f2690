// PersistentVolume, PersistentVolumeClaim, Node, ResourceQuota, LimitRange, Endpoints.

#include "core_test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using coretest::createCauses;
using coretest::describe;
using coretest::hasCause;
using coretest::obj;
using coretest::prepare;
namespace json = boost::json;

TEST(PersistentVolumeClaim, DefaultsAndRequiredFields) {
  auto s = kinds::core::persistentVolumeClaimStrategy();
  auto pvc = obj(
      R"({"metadata":{"name":"data","namespace":"default"},"spec":{"accessModes":["ReadWriteOnce"],)"
      R"("resources":{"requests":{"storage":"1024Mi"}}}})");
  auto causes = createCauses(s, "PersistentVolumeClaim", pvc);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  EXPECT_EQ(pvc.at("spec").at("volumeMode"), "Filesystem");
  EXPECT_EQ(pvc.at("spec").at("resources").at("requests").at("storage"), "1Gi");
  EXPECT_EQ(pvc.at("status").at("phase"), "Pending");

  auto empty = obj(R"({"metadata":{"name":"data","namespace":"default"},"spec":{}})");
  auto emptyCauses = createCauses(s, "PersistentVolumeClaim", empty);
  EXPECT_TRUE(hasCause(emptyCauses, "spec.accessModes",
                       "Required value: at least 1 access mode is required"))
      << describe(emptyCauses);
  EXPECT_TRUE(hasCause(emptyCauses, "spec.resources[storage]", "Required value"));
}

TEST(PersistentVolumeClaim, SpecImmutableExceptRequestsAndBinding) {
  auto s = kinds::core::persistentVolumeClaimStrategy();
  auto old =
      obj(R"({"metadata":{"name":"d","namespace":"n"},"spec":{"accessModes":["ReadWriteOnce"],)"
          R"("resources":{"requests":{"storage":"1Gi"}}}})");
  prepare(s, "PersistentVolumeClaim", old);
  auto bound = old;
  bound["spec"].as_object()["volumeName"] = "pv-1";
  bound["spec"].as_object()["resources"].as_object()["requests"].as_object()["storage"] = "2Gi";
  EXPECT_TRUE(s.validate(bound, &old).empty()) << describe(s.validate(bound, &old));
  auto modes = old;
  modes["spec"].as_object()["accessModes"] = json::parse(R"(["ReadWriteMany"])");
  auto causes = s.validate(modes, &old);
  ASSERT_EQ(causes.size(), 1u) << describe(causes);
  EXPECT_EQ(causes[0].field, "spec");
  EXPECT_EQ(causes[0].reason, "FieldValueForbidden");
}

TEST(PersistentVolume, DefaultsAndValidation) {
  auto s = kinds::core::persistentVolumeStrategy();
  auto pv = obj(R"({"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"1Gi"},)"
                R"("accessModes":["ReadWriteOnce"],"hostPath":{"path":"/data"}}})");
  auto causes = createCauses(s, "PersistentVolume", pv);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  EXPECT_EQ(pv.at("spec").at("persistentVolumeReclaimPolicy"), "Retain");
  EXPECT_EQ(pv.at("spec").at("volumeMode"), "Filesystem");
  EXPECT_EQ(pv.at("spec").at("hostPath").at("type"), "");
  EXPECT_EQ(pv.at("status").at("phase"), "Pending");

  auto bad = obj(R"({"metadata":{"name":"pv1"},"spec":{"accessModes":["Sometimes"]}})");
  auto badCauses = createCauses(s, "PersistentVolume", bad);
  EXPECT_TRUE(hasCause(badCauses, "spec.capacity", "Required value")) << describe(badCauses);
  EXPECT_TRUE(hasCause(badCauses, "spec", "Required value: must specify a volume type"));
  EXPECT_TRUE(hasCause(badCauses, "spec.accessModes",
                       "Unsupported value: \"Sometimes\": supported values: \"ReadOnlyMany\", "
                       "\"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""));
}

TEST(Node, CanonicalCapacityAndTaints) {
  auto s = kinds::core::nodeStrategy();
  auto node =
      obj(R"({"metadata":{"name":"n1"},"spec":{"taints":[{"key":"k","effect":"Never"}],)"
          R"("podCIDR":"10.42.0.0/24"},"status":{"capacity":{"cpu":"2","memory":"2048Mi"}}})");
  auto causes = createCauses(s, "Node", node);
  EXPECT_EQ(node.at("status").at("capacity").at("memory"), "2Gi");
  EXPECT_TRUE(hasCause(causes, "spec.taints[0].effect",
                       "Unsupported value: \"Never\": supported values: \"NoSchedule\", "
                       "\"PreferNoSchedule\", \"NoExecute\""))
      << describe(causes);
  auto namespaced = obj(R"({"metadata":{"name":"n1","namespace":"default"}})");
  EXPECT_TRUE(hasCause(createCauses(s, "Node", namespaced), "metadata.namespace",
                       "Forbidden: not allowed on this type"));
}

TEST(ResourceQuota, HardQuantities) {
  auto s = kinds::core::resourceQuotaStrategy();
  auto rq = obj(
      R"({"metadata":{"name":"q","namespace":"default"},"spec":{"hard":{"cpu":"0.5","pods":"-1"}}})");
  auto causes = createCauses(s, "ResourceQuota", rq);
  EXPECT_EQ(rq.at("spec").at("hard").at("cpu"), "500m");
  EXPECT_TRUE(hasCause(causes, "spec.hard[pods]",
                       "Invalid value: \"-1\": must be greater than or equal to 0"))
      << describe(causes);
}

TEST(LimitRange, MinNotAboveMax) {
  auto s = kinds::core::limitRangeStrategy();
  auto lr =
      obj(R"({"metadata":{"name":"l","namespace":"default"},"spec":{"limits":[{"type":"Container",)"
          R"("min":{"cpu":"2"},"max":{"cpu":"1"}}]}})");
  auto causes = createCauses(s, "LimitRange", lr);
  EXPECT_TRUE(hasCause(causes, "spec.limits[0].min[cpu]",
                       "Invalid value: \"2\": min value 2 is greater than max value 1"))
      << describe(causes);
}

TEST(Endpoints, AddressesAndPorts) {
  auto s = kinds::core::endpointsStrategy();
  auto ep = obj(
      R"({"metadata":{"name":"web","namespace":"default"},"subsets":[{"addresses":[{"ip":"10.0.0.x"}],)"
      R"("ports":[{"port":80},{"name":"b","port":81}]}]})");
  auto causes = createCauses(s, "Endpoints", ep);
  EXPECT_TRUE(hasCause(causes, "subsets[0].addresses[0].ip",
                       "Invalid value: \"10.0.0.x\": must be a valid IP address, (e.g. 10.9.8.7 "
                       "or 2001:db8::ffff)"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "subsets[0].ports[0].name", "Required value"));
  EXPECT_EQ(ep.at("subsets").as_array()[0].at("ports").as_array()[0].at("protocol"), "TCP");
}

}  // namespace
}  // namespace cube::api
