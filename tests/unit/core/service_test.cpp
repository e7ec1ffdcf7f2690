// Service defaulting (SetDefaults_Service plus single-stack family fields) and validation.

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

json::object service(const std::string& spec, const std::string& name = "web") {
  return obj(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":")" + name +
             R"(","namespace":"default"},"spec":)" + spec + "}");
}

TEST(ServiceDefaults, ClusterIPService) {
  auto s = kinds::core::serviceStrategy();
  auto svc = service(R"({"selector":{"app":"web"},"ports":[{"port":80}]})");
  prepare(s, "Service", svc);
  const auto& spec = svc.at("spec").as_object();
  EXPECT_EQ(spec.at("type"), "ClusterIP");
  EXPECT_EQ(spec.at("sessionAffinity"), "None");
  EXPECT_EQ(spec.at("internalTrafficPolicy"), "Cluster");
  EXPECT_EQ(spec.at("ipFamilyPolicy"), "SingleStack");
  EXPECT_EQ(spec.at("ipFamilies"), json::parse(R"(["IPv4"])"));
  EXPECT_FALSE(spec.contains("externalTrafficPolicy"));
  const auto& port = spec.at("ports").as_array()[0].as_object();
  EXPECT_EQ(port.at("protocol"), "TCP");
  EXPECT_EQ(port.at("targetPort"), 80);
  EXPECT_TRUE(svc.at("status").at("loadBalancer").is_object());
  EXPECT_TRUE(s.validate(svc, nullptr).empty()) << describe(s.validate(svc, nullptr));
}

TEST(ServiceDefaults, NodePortAndClientIP) {
  auto s = kinds::core::serviceStrategy();
  auto svc = service(
      R"({"type":"NodePort","sessionAffinity":"ClientIP","ports":[{"port":80,"targetPort":"http"}],)"
      R"("clusterIP":"10.43.0.5"})");
  prepare(s, "Service", svc);
  const auto& spec = svc.at("spec").as_object();
  EXPECT_EQ(spec.at("externalTrafficPolicy"), "Cluster");
  EXPECT_EQ(spec.at("sessionAffinityConfig").at("clientIP").at("timeoutSeconds"), 10800);
  EXPECT_EQ(spec.at("clusterIPs"), json::parse(R"(["10.43.0.5"])"));
  EXPECT_EQ(spec.at("ports").as_array()[0].at("targetPort"), "http");
}

TEST(ServiceDefaults, ExternalNameHasNoFamilies) {
  auto s = kinds::core::serviceStrategy();
  auto svc = service(R"({"type":"ExternalName","externalName":"example.com"})");
  auto causes = createCauses(s, "Service", svc);
  EXPECT_TRUE(causes.empty()) << describe(causes);
  EXPECT_FALSE(svc.at("spec").as_object().contains("ipFamilies"));
}

TEST(ServiceValidation, PortsNamesAndType) {
  auto s = kinds::core::serviceStrategy();
  auto svc = service(
      R"({"ports":[{"port":80},{"name":"a","port":0},{"name":"a","port":81}],"type":"Weird"})");
  auto causes = createCauses(s, "Service", svc);
  EXPECT_TRUE(hasCause(causes, "spec.ports[0].name", "Required value")) << describe(causes);
  EXPECT_TRUE(hasCause(causes, "spec.ports[1].port",
                       "Invalid value: 0: must be between 1 and 65535, inclusive"));
  EXPECT_TRUE(hasCause(causes, "spec.ports[2].name", "Duplicate value: \"a\""));
  EXPECT_TRUE(hasCause(causes, "spec.type",
                       "Unsupported value: \"Weird\": supported values: \"ClusterIP\", "
                       "\"ExternalName\", \"LoadBalancer\", \"NodePort\""));
}

TEST(ServiceValidation, PortsRequiredUnlessHeadless) {
  auto s = kinds::core::serviceStrategy();
  auto svc = service(R"({"selector":{"app":"x"}})");
  EXPECT_TRUE(hasCause(createCauses(s, "Service", svc), "spec.ports", "Required value"));
  auto headless = service(R"({"clusterIP":"None","selector":{"app":"x"}})");
  auto causes = createCauses(s, "Service", headless);
  EXPECT_TRUE(causes.empty()) << describe(causes);
}

TEST(ServiceValidation, NameIsDns1035Label) {
  auto s = kinds::core::serviceStrategy();
  auto svc = service(R"({"ports":[{"port":80}]})", "1web");
  auto causes = createCauses(s, "Service", svc);
  ASSERT_EQ(causes.size(), 1u) << describe(causes);
  EXPECT_EQ(causes[0].field, "metadata.name");
  EXPECT_EQ(causes[0].message.rfind("Invalid value: \"1web\": a DNS-1035 label must consist", 0),
            0u);
}

TEST(ServiceValidation, NodePortOnClusterIPAndDuplicatePorts) {
  auto s = kinds::core::serviceStrategy();
  auto svc =
      service(R"({"ports":[{"name":"a","port":80,"nodePort":30080},{"name":"b","port":80}]})");
  auto causes = createCauses(s, "Service", svc);
  EXPECT_TRUE(hasCause(causes, "spec.ports[0].nodePort",
                       "Forbidden: may not be used when `type` is 'ClusterIP'"))
      << describe(causes);
  EXPECT_TRUE(coretest::hasField(causes, "spec.ports[1]"));
}

TEST(ServiceUpdate, ClusterIPIsImmutable) {
  auto s = kinds::core::serviceStrategy();
  auto old = service(R"({"ports":[{"port":80}],"clusterIP":"10.43.0.5"})");
  prepare(s, "Service", old);
  auto now = service(R"({"ports":[{"port":80}],"clusterIP":"10.43.0.6"})");
  prepare(s, "Service", now);
  EXPECT_TRUE(hasCause(s.validate(now, &old), "spec.clusterIPs[0]",
                       "Invalid value: \"10.43.0.6\": may not change once set"));
}

}  // namespace
}  // namespace cube::api
