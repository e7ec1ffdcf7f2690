#include "api/kinds/coordination/coordination_strategies.h"
#include "api/kinds/discovery/discovery_strategies.h"
#include "api/kinds/storage/storage_strategies.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::describe;
using testing::hasCause;
using testing::obj;

TEST(StorageClass, DefaultsAndUpdateRules) {
  auto s = kinds::storage::storageClassStrategy();
  auto sc = obj(R"({"metadata":{"name":"storage-class"},"provisioner":"kubernetes.io/gce-pd",)"
                R"("parameters":{"type":"pd-ssd"}})");
  s.applyDefaults(sc);
  EXPECT_EQ(sc.at("reclaimPolicy"), "Delete");
  EXPECT_EQ(sc.at("volumeBindingMode"), "Immediate");
  auto causes = s.validate(sc, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  auto changed = sc;
  changed["parameters"].as_object()["type"] = "pd-standard";
  causes = s.validate(changed, &sc);
  EXPECT_TRUE(hasCause(causes, "parameters", "Forbidden: updates to parameters are forbidden."))
      << describe(causes);
  auto missing = obj(R"({"metadata":{"name":"x"},"volumeBindingMode":"Immediate"})");
  EXPECT_TRUE(hasCause(s.validate(missing, nullptr), "provisioner", "Required value"));
}

TEST(Lease, DurationPositive) {
  auto lease = obj(R"({"metadata":{"name":"node1","namespace":"kube-node-lease"},)"
                   R"("spec":{"holderIdentity":"node1","leaseDurationSeconds":0}})");
  auto causes = kinds::coordination::leaseStrategy().validate(lease, nullptr);
  EXPECT_TRUE(
      hasCause(causes, "spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0"))
      << describe(causes);
  lease["spec"].as_object()["leaseDurationSeconds"] = 40;
  causes = kinds::coordination::leaseStrategy().validate(lease, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
}

TEST(EndpointSlice, AddressesAndImmutableType) {
  auto s = kinds::discovery::endpointSliceStrategy();
  auto slice = obj(R"({"metadata":{"name":"web-abc","namespace":"default"},"addressType":"IPv4",)"
                   R"("endpoints":[{"addresses":["10.42.0.5"],"conditions":{"ready":true}}],)"
                   R"("ports":[{"name":"http","protocol":"TCP","port":80}]})");
  auto causes = s.validate(slice, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  auto bad = slice;
  bad["endpoints"].as_array()[0].as_object()["addresses"] = boost::json::array{"fe80::1"};
  causes = s.validate(bad, nullptr);
  EXPECT_TRUE(hasCause(causes, "endpoints[0].addresses[0]",
                       R"(Invalid value: "fe80::1": must be a valid IPv4 address)"))
      << describe(causes);
  auto changed = slice;
  changed["addressType"] = "IPv6";
  changed["endpoints"].as_array()[0].as_object()["addresses"] = boost::json::array{"fe80::1"};
  causes = s.validate(changed, &slice);
  EXPECT_TRUE(hasCause(causes, "addressType", R"(Invalid value: "IPv6": field is immutable)"))
      << describe(causes);
}

}  // namespace
}  // namespace cube::api
