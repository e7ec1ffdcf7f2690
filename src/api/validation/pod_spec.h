#pragma once
// Validation of core/v1 PodSpec and PodTemplateSpec, shared by Pod, ReplicationController and
// every workload kind that embeds a pod template (Deployment, Job, ...). Paths and messages
// match Kubernetes' pkg/apis/core/validation.

#include "api/validation/validation.h"

namespace cube::api::validation {

// A PodSpec at `path` (e.g. "spec" or "spec.template.spec"). Expects defaults applied.
Causes validatePodSpec(const boost::json::object& spec, std::string_view path);
// A PodTemplateSpec at `path` (e.g. "spec.template"): labels/annotations of its metadata and
// its spec. A missing template is `Required value`. Workload kinds add their own restrictions
// (restartPolicy Always, selector matching).
Causes validatePodTemplateSpec(const boost::json::value* tmpl, std::string_view path);
// core/v1 ResourceRequirements at `path`: quantities valid and non-negative, requests <= limits.
Causes validateResourceRequirements(const boost::json::value* resources, std::string_view path);
// Toleration list at `path`.
Causes validateTolerations(const boost::json::value* tolerations, std::string_view path);

// Canonicalises every value of the quantity map `parent[key]` in place (if present); values that
// are not valid quantities are left for validation to report.
void canonicalizeQuantityMap(boost::json::object& parent, std::string_view key);
// Canonicalises the resources (limits/requests) of every container, init and ephemeral
// container, plus pod-level overhead of a PodSpec.
void normalizePodSpec(boost::json::object& spec);
// Conditional PodSpec defaults Kubernetes applies to pods and to pod templates alike
// (imagePullPolicy from the image tag, container port protocol, probe defaults, volume source
// defaults, enableServiceLinks, ...). Unconditional ones come from the schema.
void defaultPodSpec(boost::json::object& spec);

}  // namespace cube::api::validation
