#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::tables {
namespace {

using testing::obj;
using testing::testNow;

boost::json::object pod(const char* name, const char* ns) {
  auto p = obj(R"({"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":
      "2024-03-01T11:00:00Z","labels":{"app":"web"},"resourceVersion":"12","uid":"u-1"},
      "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Succeeded"}})");
  p["metadata"].as_object()["name"] = name;
  p["metadata"].as_object()["namespace"] = ns;
  return p;
}

TEST(BuildTableTest, StructureWithPartialObjectMetadata) {
  auto a = pod("a", "default");
  auto b = pod("b", "kube-system");
  auto listMeta = obj(R"({"resourceVersion":"42","continue":"tok","remainingItemCount":7})");
  auto table = buildTable("", "Pod", {&a, &b}, listMeta, TableOptions{}, testNow());

  EXPECT_EQ(table.at("kind"), "Table");
  EXPECT_EQ(table.at("apiVersion"), "meta.k8s.io/v1");
  EXPECT_EQ(table.at("metadata"),
            obj(R"({"resourceVersion":"42","continue":"tok","remainingItemCount":7})"));

  const auto& columns = table.at("columnDefinitions").as_array();
  ASSERT_EQ(columns.size(), 9u);
  const auto& nameCol = columns[0].as_object();
  EXPECT_EQ(nameCol.at("name"), "Name");
  EXPECT_EQ(nameCol.at("type"), "string");
  EXPECT_EQ(nameCol.at("format"), "name");
  EXPECT_EQ(nameCol.at("priority"), 0);
  EXPECT_TRUE(nameCol.at("description").is_string());
  EXPECT_EQ(columns[5].at("name"), "IP");
  EXPECT_EQ(columns[5].at("priority"), 1);
  EXPECT_EQ(columns[5].at("format"), "");  // every field present, as Kubernetes marshals it

  const auto& rows = table.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  const auto& row = rows[1].as_object();
  const auto& cells = row.at("cells").as_array();
  ASSERT_EQ(cells.size(), columns.size());
  EXPECT_EQ(cells[0], "b");
  EXPECT_EQ(cells[2], "Succeeded");
  EXPECT_EQ(cells[4], "60m");
  EXPECT_EQ(row.at("conditions").as_array()[0].at("type"), "Completed");

  const auto& object = row.at("object").as_object();
  EXPECT_EQ(object.at("kind"), "PartialObjectMetadata");
  EXPECT_EQ(object.at("apiVersion"), "meta.k8s.io/v1");
  EXPECT_EQ(object.at("metadata"), b.at("metadata"));
  EXPECT_FALSE(object.contains("spec"));
  EXPECT_EQ(object.at("metadata").at("namespace"), "kube-system");
}

TEST(BuildTableTest, IncludeObjectModes) {
  auto a = pod("a", "default");
  TableOptions options;
  options.includeObject = IncludeObject::Object;
  auto whole = buildTable("", "Pod", {&a}, {}, options, testNow());
  EXPECT_EQ(whole.at("rows").at(0).at("object"), a);

  options.includeObject = IncludeObject::None;
  auto none = buildTable("", "Pod", {&a}, {}, options, testNow());
  EXPECT_FALSE(none.at("rows").at(0).as_object().contains("object"));
  EXPECT_TRUE(none.at("metadata").as_object().empty());

  options.includeObject = IncludeObject::Metadata;
  options.apiVersion = "meta.k8s.io/v1beta1";
  auto beta = buildTable("", "Pod", {&a}, {}, options, testNow());
  EXPECT_EQ(beta.at("apiVersion"), "meta.k8s.io/v1beta1");
  EXPECT_EQ(beta.at("rows").at(0).at("object").at("apiVersion"), "meta.k8s.io/v1beta1");
}

TEST(BuildTableTest, EmptyListNoHeadersAndDefaultKinds) {
  auto empty = buildTable("apps", "Deployment", {}, obj(R"({"resourceVersion":"9"})"),
                          TableOptions{}, testNow());
  EXPECT_TRUE(empty.at("rows").as_array().empty());
  EXPECT_EQ(empty.at("columnDefinitions").as_array().size(), 8u);
  EXPECT_EQ(empty.at("metadata").at("resourceVersion"), "9");

  TableOptions noHeaders;
  noHeaders.noHeaders = true;
  auto role = obj(R"({"metadata":{"name":"r","creationTimestamp":"2024-03-01T10:00:00Z"},
      "rules":[]})");
  auto t = buildTable("rbac.authorization.k8s.io", "Role", {&role}, {}, noHeaders, testNow());
  EXPECT_TRUE(t.at("columnDefinitions").as_array().empty());
  EXPECT_EQ(t.at("rows").at(0).at("cells"), (boost::json::array{"r", "2024-03-01T10:00:00Z"}));
  EXPECT_FALSE(t.at("rows").at(0).as_object().contains("conditions"));
  // An object without metadata still gets a PartialObjectMetadata.
  auto bare = obj(R"({})");
  auto t2 = buildTable("", "ConfigMap", {&bare}, {}, TableOptions{}, testNow());
  EXPECT_EQ(t2.at("rows").at(0).at("object").at("metadata"), boost::json::object{});
}

TEST(BuildTableTest, ParseIncludeObject) {
  EXPECT_EQ(parseIncludeObject(""), IncludeObject::Metadata);
  EXPECT_EQ(parseIncludeObject("Metadata"), IncludeObject::Metadata);
  EXPECT_EQ(parseIncludeObject("Object"), IncludeObject::Object);
  EXPECT_EQ(parseIncludeObject("None"), IncludeObject::None);
  EXPECT_FALSE(parseIncludeObject("object"));
  EXPECT_FALSE(parseIncludeObject("All"));
}

TEST(BuildTableTest, EveryPrinterFillsEveryColumnEvenFromEmptyObjects) {
  const std::pair<const char*, const char*> kinds[] = {
      {"", "Pod"},
      {"", "ReplicationController"},
      {"apps", "ReplicaSet"},
      {"apps", "Deployment"},
      {"apps", "DaemonSet"},
      {"apps", "StatefulSet"},
      {"apps", "ControllerRevision"},
      {"batch", "Job"},
      {"batch", "CronJob"},
      {"", "Service"},
      {"", "Endpoints"},
      {"discovery.k8s.io", "EndpointSlice"},
      {"networking.k8s.io", "Ingress"},
      {"networking.k8s.io", "IngressClass"},
      {"networking.k8s.io", "NetworkPolicy"},
      {"", "Namespace"},
      {"", "Node"},
      {"", "ConfigMap"},
      {"", "Secret"},
      {"", "ServiceAccount"},
      {"", "Event"},
      {"events.k8s.io", "Event"},
      {"", "PersistentVolume"},
      {"", "PersistentVolumeClaim"},
      {"storage.k8s.io", "StorageClass"},
      {"", "ResourceQuota"},
      {"", "LimitRange"},
      {"coordination.k8s.io", "Lease"},
      {"rbac.authorization.k8s.io", "Role"},
      {"rbac.authorization.k8s.io", "ClusterRole"},
      {"rbac.authorization.k8s.io", "RoleBinding"},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
      {"", "PodTemplate"},
      {"policy", "PodDisruptionBudget"},
      {"scheduling.k8s.io", "PriorityClass"},
  };
  // Ill-typed fields everywhere must not throw either.
  auto empty = obj(R"({})");
  auto junk = obj(R"({"metadata":"x","spec":[1],"status":7,"subsets":{},"data":"d",
      "roleRef":null,"subjects":"s","regarding":1,"endpoints":[1,"a"],"ports":[null]})");
  for (auto [group, kind] : kinds) {
    const TablePrinter& p = tablePrinterFor(group, kind);
    EXPECT_EQ(p.columns[0].name == "Name" || std::string(kind) == "Event", true) << kind;
    size_t names = 0;
    for (const auto& c : p.columns) {
      EXPECT_FALSE(c.description.empty()) << kind << " " << c.name;
      EXPECT_TRUE(c.type == "string" || c.type == "integer" || c.type == "boolean" ||
                  c.type == "date")
          << kind << " " << c.name;
      if (c.format == "name") ++names;
    }
    EXPECT_EQ(names, 1u) << kind;
    for (const auto* o : {&empty, &junk}) {
      auto t = buildTable(group, kind, {o}, {}, TableOptions{}, testNow());
      EXPECT_EQ(t.at("rows").at(0).at("cells").as_array().size(), p.columns.size()) << kind;
    }
  }
}

}  // namespace
}  // namespace cube::tables
