#pragma once
// NamespaceLifecycle admission: no new content in a missing (404) or terminating (403) namespace,
// and the system namespaces (default, kube-system, kube-public) can never be deleted.

#include "apiserver/admission/admission.h"
#include "apiserver/watch_cache.h"

#include <functional>

namespace cube::apiserver {

class NamespaceLifecycle : public AdmissionPlugin {
 public:
  // `lookup` returns the namespace object, or null when it does not exist.
  explicit NamespaceLifecycle(std::function<ObjectPtr(const std::string& name)> lookup);
  std::string name() const override { return "NamespaceLifecycle"; }
  void validate(const AdmissionRequest& request) override;

 private:
  std::function<ObjectPtr(const std::string& name)> lookup_;
};

}  // namespace cube::apiserver
