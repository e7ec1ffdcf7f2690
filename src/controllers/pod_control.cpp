#include "controllers/pod_control.h"

#include "common/api_error.h"
#include "common/json_util.h"

namespace cube::controllers {

namespace bj = boost::json;

namespace {
const client::Resource kPods{"", "v1", "pods", true};
}

bj::object podFromTemplate(const bj::object& podTemplate, const std::string& ns,
                           const std::string& ownerName, const OwnerReference& controllerRef) {
  bj::object meta;
  if (const auto* tmeta = json::getObject(podTemplate, "metadata")) {
    for (const char* field : {"labels", "annotations", "finalizers"}) {
      if (const auto* v = tmeta->if_contains(field); v && !v->is_null()) meta[field] = *v;
    }
  }
  // Names are <owner>-<5 random chars>; the server fills in the suffix.
  meta["generateName"] = ownerName + "-";
  meta["namespace"] = ns;
  meta["ownerReferences"] = bj::array{controllerRef.toJson()};
  bj::object pod{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(meta)}};
  if (const auto* spec = podTemplate.if_contains("spec"); spec && spec->is_object())
    pod["spec"] = *spec;
  else
    pod["spec"] = bj::object{};
  return pod;
}

ApiPodControl::ApiPodControl(client::ApiClientPtr client, client::EventRecorderPtr recorder)
    : client_(std::move(client)), recorder_(std::move(recorder)) {}

bj::object ApiPodControl::createPod(const std::string& ns, const bj::object& podTemplate,
                                    const client::ObjectReference& owner,
                                    const OwnerReference& controllerRef) {
  bj::object pod = podFromTemplate(podTemplate, ns, owner.name, controllerRef);
  try {
    bj::object created = client_->create(kPods, ns, pod);
    recorder_->event(owner, "Normal", "SuccessfulCreate", "Created pod: " + nameOf(created));
    return created;
  } catch (const ApiError& e) {
    recorder_->event(owner, "Warning", "FailedCreate", "Error creating: " + e.message());
    throw;
  }
}

void ApiPodControl::deletePod(const std::string& ns, const std::string& name,
                              const client::ObjectReference& owner) {
  try {
    client_->remove(kPods, ns, name);
  } catch (const ApiError& e) {
    // A pod already gone is what we wanted; the caller counts it, no warning.
    if (e.code() != 404)
      recorder_->event(owner, "Warning", "FailedDelete", "Error deleting: " + e.message());
    throw;
  }
  recorder_->event(owner, "Normal", "SuccessfulDelete", "Deleted pod: " + name);
}

void ApiPodControl::patchPod(const std::string& ns, const std::string& name,
                             const std::string& patch) {
  client_->patch(kPods, ns, name, client::PatchKind::StrategicMerge, patch);
}

}  // namespace cube::controllers
