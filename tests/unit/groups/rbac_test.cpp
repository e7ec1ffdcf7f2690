#include "api/kinds/rbac/rbac_strategies.h"
#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::api {
namespace {

using testing::describe;
using testing::hasCause;
using testing::obj;

TEST(Role, RuleFieldsRequired) {
  auto role = obj(R"({"metadata":{"name":"reader","namespace":"default"},"rules":[{},)"
                  R"({"verbs":["get"],"nonResourceURLs":["/healthz"]}]})");
  auto causes = kinds::rbac::roleStrategy().validate(role, nullptr);
  EXPECT_TRUE(
      hasCause(causes, "rules[0].verbs", "Required value: verbs must contain at least one value"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "rules[0].apiGroups",
                       "Required value: resource rules must supply at least one api group"));
  EXPECT_TRUE(hasCause(causes, "rules[0].resources",
                       "Required value: resource rules must supply at least one resource"));
  EXPECT_TRUE(hasCause(causes, "rules[1].nonResourceURLs",
                       R"(Invalid value: []string{"/healthz"}: namespaced rules cannot apply to )"
                       "non-resource URLs"))
      << describe(causes);
}

TEST(ClusterRole, AggregationRuleNeedsSelectors) {
  auto cr = obj(R"({"metadata":{"name":"agg"},"aggregationRule":{"clusterRoleSelectors":[]}})");
  auto causes = kinds::rbac::clusterRoleStrategy().validate(cr, nullptr);
  EXPECT_TRUE(hasCause(causes, "aggregationRule.clusterRoleSelectors",
                       "Required value: at least one clusterRoleSelector required if "
                       "aggregationRule is non-nil"))
      << describe(causes);
  auto ok = obj(R"({"metadata":{"name":"view"},"rules":[{"verbs":["get"],)"
                R"("nonResourceURLs":["/healthz"]},{"verbs":["list"],"apiGroups":[""],)"
                R"("resources":["pods"]}]})");
  causes = kinds::rbac::clusterRoleStrategy().validate(ok, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);
}

TEST(RoleBinding, DefaultsApiGroupsAndValidates) {
  auto s = kinds::rbac::roleBindingStrategy();
  auto rb = obj(R"({"metadata":{"name":"rb","namespace":"default"},)"
                R"("roleRef":{"kind":"Role","name":"reader"},)"
                R"("subjects":[{"kind":"User","name":"jane"},)"
                R"({"kind":"ServiceAccount","name":"default","namespace":"default"}]})");
  s.applyDefaults(rb);
  EXPECT_EQ(rb.at("roleRef").at("apiGroup"), "rbac.authorization.k8s.io");
  EXPECT_EQ(rb.at("subjects").at(0).at("apiGroup"), "rbac.authorization.k8s.io");
  EXPECT_EQ(rb.at("subjects").at(1).at("apiGroup"), "");
  auto causes = s.validate(rb, nullptr);
  EXPECT_TRUE(causes.empty()) << describe(causes);

  auto changed = rb;
  changed["roleRef"].as_object()["name"] = "writer";
  causes = s.validate(changed, &rb);
  EXPECT_TRUE(hasCause(causes, "roleRef",
                       R"(Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", )"
                       R"(Kind:"Role", Name:"writer"}: cannot change roleRef)"))
      << describe(causes);
}

TEST(ClusterRoleBinding, OnlyClusterRoleAndNamespacedServiceAccounts) {
  auto s = kinds::rbac::clusterRoleBindingStrategy();
  auto crb =
      obj(R"({"metadata":{"name":"crb"},"roleRef":{"kind":"Role","name":"r"},)"
          R"("subjects":[{"kind":"ServiceAccount","name":"sa"},{"kind":"Robot","name":"r"}]})");
  s.applyDefaults(crb);
  auto causes = s.validate(crb, nullptr);
  EXPECT_TRUE(hasCause(causes, "roleRef.kind",
                       R"(Unsupported value: "Role": supported values: "ClusterRole")"))
      << describe(causes);
  EXPECT_TRUE(hasCause(causes, "subjects[0].namespace", "Required value")) << describe(causes);
  EXPECT_TRUE(hasCause(causes, "subjects[1].kind",
                       R"(Unsupported value: "Robot": supported values: "ServiceAccount", )"
                       R"("User", "Group")"))
      << describe(causes);
}

}  // namespace
}  // namespace cube::api
