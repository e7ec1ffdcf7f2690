#include "apiserver/admission/namespace_lifecycle.h"

#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"

namespace cube::apiserver {

NamespaceLifecycle::NamespaceLifecycle(std::function<ObjectPtr(const std::string& name)> lookup)
    : lookup_(std::move(lookup)) {}

void NamespaceLifecycle::validate(const AdmissionRequest& request) {
  const auto& r = *request.resource;
  bool isNamespace = r.group.empty() && r.kind == "Namespace";
  if (isNamespace && request.operation == AdmissionOperation::Delete) {
    if (request.name == "default" || request.name == "kube-system" ||
        request.name == "kube-public") {
      throw ApiError::forbidden("namespaces \"" + request.name +
                                "\" is forbidden: this namespace may not be deleted");
    }
    return;
  }
  if (!r.namespaced || request.operation != AdmissionOperation::Create) return;
  ObjectPtr ns = lookup_(request.namespace_);
  if (!ns) throw ApiError::notFound("", "namespaces", request.namespace_);
  bool terminating = isTerminating(*ns);
  if (const auto* status = json::getObject(*ns, "status")) {
    terminating = terminating || json::getString(*status, "phase") == "Terminating";
  }
  // Events about a terminating namespace's objects are still accepted, as in Kubernetes.
  bool isEvent = r.group.empty() && r.kind == "Event";
  if (terminating && !isEvent) {
    ApiError e = ApiError::forbidden(
        r.qualifiedPlural() + " \"" + request.name + "\" is forbidden: unable to create new " +
        "content in namespace " + request.namespace_ + " because it is being terminated");
    e.withDetails(r.group, r.plural, request.name);
    e.withCauses(
        {{"NamespaceTerminating", "namespace " + request.namespace_ + " is being terminated",
          "metadata.namespace"}});
    throw e;
  }
}

}  // namespace cube::apiserver
