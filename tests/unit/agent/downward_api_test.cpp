// The downward-API resolver env and volumes share: every fieldRef path, labels['k'] and
// annotations['k'] subscripts, whole maps as the kubelet writes them, the errors, and
// resourceFieldRef over divisors rounded up as the kubelet rounds.

#include "agent/downward_api.h"
#include "agent/pod_spec.h"
#include "common/json_util.h"
#include "downward_api_test_pod.h"

#include <gtest/gtest.h>

namespace cube::agent {
namespace {

namespace bj = boost::json;

using downward_test::testContext;
using downward_test::testPod;

std::string unsupported(const std::string& path) {
  try {
    resolveFieldRef(testPod(), testContext(), path);
  } catch (const DownwardApiError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DownwardApi, EveryFieldPath) {
  auto pod = testPod();
  auto c = testContext();
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.name"), "web");
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.namespace"), "ns1");
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.uid"), "u-1");
  EXPECT_EQ(resolveFieldRef(pod, c, "spec.nodeName"), "n1");
  EXPECT_EQ(resolveFieldRef(pod, c, "spec.serviceAccountName"), "sa");
  EXPECT_EQ(resolveFieldRef(pod, c, "status.hostIP"), "127.1.0.1");
  EXPECT_EQ(resolveFieldRef(pod, c, "status.hostIPs"), "127.1.0.1");
  EXPECT_EQ(resolveFieldRef(pod, c, "status.podIP"), "10.42.0.5");
  EXPECT_EQ(resolveFieldRef(pod, c, "status.podIPs"), "10.42.0.5");
  // A pod with no metadata or spec resolves to empty values, not a crash.
  EXPECT_EQ(resolveFieldRef(bj::object{}, c, "metadata.name"), "");
  EXPECT_EQ(resolveFieldRef(bj::object{}, c, "metadata.labels['app']"), "");
}

TEST(DownwardApi, LabelAndAnnotationSubscripts) {
  auto pod = testPod();
  auto c = testContext();
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.labels['app']"), "x");
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.labels['missing']"), "");
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.annotations['a.b/c']"), "d");
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.labels['']"), "");
  // Only single quotes with the closing bracket make a subscript.
  EXPECT_EQ(unsupported("metadata.labels[\"app\"]"),
            "unsupported fieldPath: metadata.labels[\"app\"]");
  EXPECT_EQ(unsupported("metadata.labels['app'"), "unsupported fieldPath: metadata.labels['app'");
  EXPECT_EQ(unsupported("metadata.labels[app]"), "unsupported fieldPath: metadata.labels[app]");
}

TEST(DownwardApi, WholeMapsAreSortedGoQuotedLines) {
  auto pod = testPod();
  auto c = testContext();
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.labels"), "app=\"x\"\ntier=\"a\\\"b\"");
  EXPECT_EQ(resolveFieldRef(pod, c, "metadata.annotations"), "a.b/c=\"d\"\nnote=\"l1\\nl2\\v\"");
  EXPECT_EQ(resolveFieldRef(bj::object{}, c, "metadata.labels"), "");
}

TEST(DownwardApi, UnknownPathIsTheKubeletsError) {
  EXPECT_EQ(unsupported("spec.hostname"), "unsupported fieldPath: spec.hostname");
  EXPECT_EQ(unsupported("metadata.generateName"), "unsupported fieldPath: metadata.generateName");
  EXPECT_EQ(unsupported(""), "unsupported fieldPath: ");
}

TEST(DownwardApi, ResourcesRoundUpOverTheDivisor) {
  auto pod = testPod();
  const auto& app = *findContainerSpec(pod, "app");
  auto c = testContext();
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.memory", ""), "67108864");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.memory", "1Mi"), "64");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.memory", "1M"), "68");  // 67.108864 up
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.memory", "1Gi"), "1");  // 0.0625 up
  EXPECT_EQ(resolveResourceFieldRef(app, c, "requests.cpu", "1m"), "250");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "requests.cpu", ""), "1");  // ceil(0.25)
  EXPECT_EQ(resolveResourceFieldRef(app, c, "requests.cpu", "1"), "1");
  // An unset or zero divisor is 1, whichever unit spells the zero.
  EXPECT_EQ(resolveResourceFieldRef(app, c, "requests.cpu", "0"), "1");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "requests.cpu", "0m"), "1");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.memory", "0"), "67108864");
  // Unset limits are the node's allocatable; unset requests are 0.
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.cpu", ""), "4");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.cpu", "1m"), "4000");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.ephemeral-storage", "1Gi"), "100");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "requests.memory", ""), "0");
  EXPECT_EQ(resolveResourceFieldRef(app, c, "limits.hugepages-2Mi", ""), "0");
  // Init containers are found by name too.
  const auto* init = findContainerSpec(pod, "init");
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(resolveResourceFieldRef(*init, c, "limits.cpu", ""), "2");  // ceil(1.5)
  EXPECT_EQ(findContainerSpec(pod, "nope"), nullptr);
}

TEST(DownwardApi, UnsupportedResourcesAndBadQuantities) {
  auto pod = testPod();
  const auto& app = *findContainerSpec(pod, "app");
  auto c = testContext();
  for (const char* resource : {"limits.gpu", "limits", "spec.cpu", "requests."}) {
    try {
      resolveResourceFieldRef(app, c, resource, "");
      ADD_FAILURE() << "no error for " << resource;
    } catch (const DownwardApiError& e) {
      EXPECT_EQ(std::string(e.what()), std::string("unsupported container resource : ") + resource);
    }
  }
  EXPECT_THROW(resolveResourceFieldRef(app, c, "limits.cpu", "abc"), DownwardApiError);
  EXPECT_THROW(resolveResourceFieldRef(app, c, "limits.memory", "1Xi"), DownwardApiError);
}

TEST(DownwardApi, DivisorAsWritten) {
  EXPECT_EQ(divisorOf(json::parse(R"({"divisor": "1Mi"})").as_object()), "1Mi");
  EXPECT_EQ(divisorOf(json::parse(R"({"divisor": 1})").as_object()), "1");
  EXPECT_EQ(divisorOf(json::parse(R"({"resource": "limits.cpu"})").as_object()), "");
}

}  // namespace
}  // namespace cube::agent
