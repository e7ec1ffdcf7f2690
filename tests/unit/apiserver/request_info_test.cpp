#include "apiserver/request_info.h"
#include "apiserver/handlers/media_type.h"
#include "common/api_error.h"

#include <gtest/gtest.h>

namespace cube::apiserver {
namespace {

RequestInfo parse(const std::string& method, const std::string& path,
                  std::vector<std::pair<std::string, std::string>> query = {}) {
  http::Request r;
  r.method = method;
  r.path = path;
  r.query = std::move(query);
  return parseRequestInfo(r);
}

TEST(RequestInfoTest, NamespacedResourcePaths) {
  auto i = parse("GET", "/api/v1/namespaces/ns/pods/web/status");
  EXPECT_TRUE(i.isResourceRequest);
  EXPECT_EQ(i.group, "");
  EXPECT_EQ(i.version, "v1");
  EXPECT_EQ(i.namespace_, "ns");
  EXPECT_EQ(i.resource, "pods");
  EXPECT_EQ(i.name, "web");
  EXPECT_EQ(i.subresource, "status");
  EXPECT_EQ(i.verb, "get");
}

TEST(RequestInfoTest, Verbs) {
  EXPECT_EQ(parse("GET", "/apis/apps/v1/deployments").verb, "list");
  EXPECT_EQ(parse("GET", "/apis/apps/v1/deployments", {{"watch", "true"}}).verb, "watch");
  EXPECT_EQ(parse("DELETE", "/api/v1/namespaces/a/pods").verb, "deletecollection");
  EXPECT_EQ(parse("DELETE", "/api/v1/namespaces/a/pods/x").verb, "delete");
  EXPECT_EQ(parse("POST", "/api/v1/namespaces/a/pods/x/exec").verb, "connect");
  EXPECT_EQ(parse("PATCH", "/api/v1/nodes/n1").verb, "patch");
}

TEST(RequestInfoTest, NamespaceItselfAndItsSubresources) {
  auto ns = parse("GET", "/api/v1/namespaces/foo");
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "foo");
  EXPECT_EQ(ns.namespace_, "");
  auto fin = parse("PUT", "/api/v1/namespaces/foo/finalize");
  EXPECT_EQ(fin.resource, "namespaces");
  EXPECT_EQ(fin.name, "foo");
  EXPECT_EQ(fin.subresource, "finalize");
}

TEST(RequestInfoTest, DiscoveryPathsAreNotResources) {
  EXPECT_FALSE(parse("GET", "/api").isResourceRequest);
  EXPECT_FALSE(parse("GET", "/api/v1").isResourceRequest);
  EXPECT_FALSE(parse("GET", "/apis/apps/v1").isResourceRequest);
  EXPECT_FALSE(parse("GET", "/version").isResourceRequest);
}

TEST(MediaTypeTest, NegotiatesTablesAndDiscovery) {
  EXPECT_EQ(negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", false)
                .representation,
            Representation::Table);
  EXPECT_EQ(negotiate("application/vnd.kubernetes.protobuf,application/json", false).representation,
            Representation::Object);
  EXPECT_EQ(negotiate("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                      "application/json",
                      true)
                .representation,
            Representation::AggregatedDiscovery);
  EXPECT_THROW(negotiate("application/vnd.kubernetes.protobuf", false), ApiError);
  EXPECT_EQ(bodyFormat("application/strategic-merge-patch+json"), BodyFormat::StrategicMergePatch);
  EXPECT_EQ(bodyFormat("application/yaml"), BodyFormat::Yaml);
}

}  // namespace
}  // namespace cube::apiserver
