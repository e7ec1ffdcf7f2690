// apps/v1beta2 <-> apps/v1 conversion.
//
// For Deployment, ReplicaSet, DaemonSet, StatefulSet and ControllerRevision the v1beta2 wire
// format has the same field names and shapes as apps/v1, so converting is rewriting apiVersion.
// Differences deliberately not handled (no seed uses them):
//  - v1beta2 defaulting happened in the old API (e.g. DaemonSet templateGeneration); cube applies
//    the v1 defaults after conversion to storage, which matches what Kubernetes 1.15 stored.
//  - v1beta2 Scale (apps/v1beta2 Scale kind for the scale subresource) is served as
//    autoscaling/v1 Scale.
#include "api/kinds/apps/apps_strategies.h"

namespace cube::api::kinds::apps {

namespace json = boost::json;

namespace {
void setApiVersion(json::object& obj, const char* apiVersion) {
  obj["apiVersion"] = apiVersion;
}
}  // namespace

VersionConversion v1beta2Conversion() {
  VersionConversion c;
  c.toStorage = [](json::object& obj) { setApiVersion(obj, "apps/v1"); };
  c.fromStorage = [](json::object& obj) { setApiVersion(obj, "apps/v1beta2"); };
  return c;
}

}  // namespace cube::api::kinds::apps
