#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::tables {
namespace {

using testing::cellsOf;
using testing::columnNames;
using testing::obj;
using Strings = std::vector<std::string>;

TEST(ConfigPrintersTest, ConfigMapSecretServiceAccount) {
  EXPECT_EQ(columnNames(tablePrinterFor("", "ConfigMap")), (Strings{"Name", "Data", "Age"}));
  EXPECT_EQ(cellsOf("", "ConfigMap", obj(R"({"metadata":{"name":"cfg"},
      "data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}})")),
            (Strings{R"("cfg")", "3", R"("<unknown>")"}));

  EXPECT_EQ(columnNames(tablePrinterFor("", "Secret")), (Strings{"Name", "Type", "Data", "Age"}));
  EXPECT_EQ(cellsOf("", "Secret", obj(R"({"metadata":{"name":"s"},"type":"Opaque",
      "data":{"a":"MQ==","b":"Mg=="},"stringData":{"b":"x","c":"y"}})")),
            (Strings{R"("s")", R"("Opaque")", "3", R"("<unknown>")"}));

  EXPECT_EQ(columnNames(tablePrinterFor("", "ServiceAccount")),
            (Strings{"Name", "Secrets", "Age"}));
  EXPECT_EQ(cellsOf("", "ServiceAccount", obj(R"({"metadata":{"name":"default"}})")),
            (Strings{R"("default")", "0", R"("<unknown>")"}));
}

TEST(ConfigPrintersTest, ResourceQuota) {
  EXPECT_EQ(columnNames(tablePrinterFor("", "ResourceQuota")),
            (Strings{"Name", "Request", "Limit", "Age"}));
  auto quota = obj(R"({"metadata":{"name":"q"},"status":{
      "hard":{"pods":"10","requests.cpu":"1","limits.memory":"2Gi","limits.cpu":"2"},
      "used":{"pods":"3","requests.cpu":"500m","limits.cpu":"1"}}})");
  EXPECT_EQ(cellsOf("", "ResourceQuota", quota),
            (Strings{R"("q")", R"("pods: 3/10, requests.cpu: 500m/1")",
                     R"("limits.cpu: 1/2, limits.memory: 0/2Gi")", R"("<unknown>")"}));
}

TEST(StoragePrintersTest, PersistentVolume) {
  const TablePrinter& p = tablePrinterFor("", "PersistentVolume");
  EXPECT_EQ(columnNames(p),
            (Strings{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim",
                     "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"}));
  EXPECT_EQ(p.columns[10].priority, 1);
  auto pv = obj(R"({"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"5Gi"},
      "accessModes":["ReadWriteMany","ReadWriteOnce","ReadWriteOnce"],
      "persistentVolumeReclaimPolicy":"Retain","storageClassName":"local",
      "claimRef":{"namespace":"default","name":"data"},"volumeMode":"Filesystem"},
      "status":{"phase":"Bound"}})");
  EXPECT_EQ(cellsOf("", "PersistentVolume", pv),
            (Strings{R"("pv1")", R"("5Gi")", R"("RWO,RWX")", R"("Retain")", R"("Bound")",
                     R"("default/data")", R"("local")", R"("<unset>")", R"("")", R"("<unknown>")",
                     R"("Filesystem")"}));
  auto deleting = obj(R"({"metadata":{"name":"pv2","deletionTimestamp":"2024-03-01T11:00:00Z",
      "annotations":{"volume.beta.kubernetes.io/storage-class":"beta"}},
      "spec":{"storageClassName":"local"},"status":{"phase":"Released"}})");
  auto cells = cellsOf("", "PersistentVolume", deleting);
  EXPECT_EQ(cells[1], R"("0")");
  EXPECT_EQ(cells[4], R"("Terminating")");
  EXPECT_EQ(cells[6], R"("beta")");
}

TEST(StoragePrintersTest, PersistentVolumeClaim) {
  EXPECT_EQ(columnNames(tablePrinterFor("", "PersistentVolumeClaim")),
            (Strings{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                     "VolumeAttributesClass", "Age", "VolumeMode"}));
  auto bound = obj(R"({"metadata":{"name":"data"},"spec":{"volumeName":"pv1",
      "storageClassName":"local","accessModes":["ReadWriteOnce"],
      "resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},
      "status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"5Gi"}}})");
  EXPECT_EQ(cellsOf("", "PersistentVolumeClaim", bound),
            (Strings{R"("data")", R"("Bound")", R"("pv1")", R"("5Gi")", R"("RWO")", R"("local")",
                     R"("<unset>")", R"("<unknown>")", R"("Filesystem")"}));
  auto pending = obj(R"({"metadata":{"name":"p"},"spec":{"accessModes":["ReadWriteOnce"]},
      "status":{"phase":"Pending"}})");
  EXPECT_EQ(cellsOf("", "PersistentVolumeClaim", pending),
            (Strings{R"("p")", R"("Pending")", R"("")", R"("")", R"("")", R"("")", R"("<unset>")",
                     R"("<unknown>")", R"("<unset>")"}));
}

TEST(StoragePrintersTest, StorageClass) {
  EXPECT_EQ(columnNames(tablePrinterFor("storage.k8s.io", "StorageClass")),
            (Strings{"Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode",
                     "AllowVolumeExpansion", "Age"}));
  auto sc = obj(R"({"metadata":{"name":"local-path","annotations":{
      "storageclass.kubernetes.io/is-default-class":"true"}},
      "provisioner":"cube.io/local-path","volumeBindingMode":"WaitForFirstConsumer"})");
  EXPECT_EQ(cellsOf("storage.k8s.io", "StorageClass", sc),
            (Strings{R"j("local-path (default)")j", R"("cube.io/local-path")", R"("Delete")",
                     R"("WaitForFirstConsumer")", "false", R"("<unknown>")"}));
  auto other = obj(R"({"metadata":{"name":"fast"},"provisioner":"p","reclaimPolicy":"Retain",
      "allowVolumeExpansion":true})");
  EXPECT_EQ(
      cellsOf("storage.k8s.io", "StorageClass", other),
      (Strings{R"("fast")", R"("p")", R"("Retain")", R"("Immediate")", "true", R"("<unknown>")"}));
}

TEST(RbacPrintersTest, Bindings) {
  const TablePrinter& p = tablePrinterFor("rbac.authorization.k8s.io", "RoleBinding");
  EXPECT_EQ(columnNames(p), (Strings{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"}));
  EXPECT_EQ(p.columns[3].priority, 1);
  auto rb = obj(R"({"metadata":{"name":"rb"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io",
      "kind":"ClusterRole","name":"view"},"subjects":[
      {"kind":"User","name":"alice"},{"kind":"User","name":"bob"},
      {"kind":"Group","name":"devs"},
      {"kind":"ServiceAccount","namespace":"default","name":"builder"}]})");
  EXPECT_EQ(cellsOf("rbac.authorization.k8s.io", "RoleBinding", rb),
            (Strings{R"("rb")", R"("ClusterRole/view")", R"("<unknown>")", R"("alice, bob")",
                     R"("devs")", R"("default/builder")"}));
  EXPECT_EQ(columnNames(tablePrinterFor("rbac.authorization.k8s.io", "ClusterRoleBinding")),
            columnNames(p));
}

TEST(DefaultPrinterTest, KindsWithoutPrinterShowNameAndCreatedAt) {
  for (auto [group, kind] : {std::pair{"rbac.authorization.k8s.io", "Role"},
                             std::pair{"rbac.authorization.k8s.io", "ClusterRole"},
                             std::pair{"", "LimitRange"}, std::pair{"example.com", "Widget"}}) {
    EXPECT_FALSE(hasTablePrinter(group, kind)) << kind;
    const TablePrinter& p = tablePrinterFor(group, kind);
    ASSERT_EQ(p.columns.size(), 2u);
    EXPECT_EQ(p.columns[0].name, "Name");
    EXPECT_EQ(p.columns[0].format, "name");
    EXPECT_EQ(p.columns[1].name, "Created At");
    EXPECT_EQ(p.columns[1].type, "date");
  }
  EXPECT_EQ(
      cellsOf("rbac.authorization.k8s.io", "Role",
              obj(R"({"metadata":{"name":"r","creationTimestamp":"2024-03-01T13:00:00+01:00"}})")),
      (Strings{R"("r")", R"("2024-03-01T12:00:00Z")"}));
  EXPECT_EQ(cellsOf("", "LimitRange", obj(R"({"metadata":{"name":"l"}})")),
            (Strings{R"("l")", R"("0001-01-01T00:00:00Z")"}));
  EXPECT_TRUE(hasTablePrinter("", "Pod"));
  EXPECT_FALSE(hasTablePrinter("apps", "Pod"));
}

TEST(PolicyPrintersTest, ExtraKinds) {
  EXPECT_EQ(cellsOf("", "PodTemplate", obj(R"({"metadata":{"name":"t"},"template":{
      "metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"i"}]}}})")),
            (Strings{R"("t")", R"("c")", R"("i")", R"("app=x")"}));
  EXPECT_EQ(cellsOf("policy", "PodDisruptionBudget", obj(R"({"metadata":{"name":"pdb"},
      "spec":{"minAvailable":"50%"},"status":{"disruptionsAllowed":1}})")),
            (Strings{R"("pdb")", R"("50%")", R"("N/A")", "1", R"("<unknown>")"}));
  EXPECT_EQ(cellsOf("scheduling.k8s.io", "PriorityClass", obj(R"({"metadata":{"name":"high"},
      "value":1000,"globalDefault":false,"preemptionPolicy":"Never"})")),
            (Strings{R"("high")", "1000", "false", R"("<unknown>")", R"("Never")"}));
}

}  // namespace
}  // namespace cube::tables
