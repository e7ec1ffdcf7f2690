#pragma once
// Kind behaviour of rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding,
// ClusterRoleBinding.

#include "api/resource.h"

#include <boost/json/object.hpp>

#include <string_view>

namespace cube::api::kinds::rbac {

KindStrategy roleStrategy();
KindStrategy clusterRoleStrategy();
KindStrategy roleBindingStrategy();
KindStrategy clusterRoleBindingStrategy();

// Shared by the four kinds (rbac_rules.cpp).
void validatePolicyRules(const boost::json::object& obj, bool namespaced,
                         std::vector<StatusCause>& out);
void defaultBinding(boost::json::object& obj);
void validateBinding(const boost::json::object& obj, const boost::json::object* old,
                     bool namespaced, std::vector<StatusCause>& out);

}  // namespace cube::api::kinds::rbac
