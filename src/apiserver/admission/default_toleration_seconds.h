#pragma once
// DefaultTolerationSeconds admission: every new pod tolerates the node lifecycle controller's
// NoExecute taints (node.kubernetes.io/not-ready and node.kubernetes.io/unreachable) for a bounded
// time, so a pod on a failed node is evicted — and replaced elsewhere by its controller — after
// that time instead of never (no toleration) or at once. A pod that already tolerates a taint
// (its own toleration for the key, or a wildcard) keeps what it has, as in Kubernetes.

#include "apiserver/admission/admission.h"

#include <cstdint>

namespace cube::apiserver {

struct DefaultTolerationSecondsOptions {
  int64_t notReadySeconds = 300;
  int64_t unreachableSeconds = 300;
};

class DefaultTolerationSeconds : public AdmissionPlugin {
 public:
  explicit DefaultTolerationSeconds(DefaultTolerationSecondsOptions options = {});
  std::string name() const override { return "DefaultTolerationSeconds"; }
  void admit(AdmissionRequest& request) override;

  static constexpr const char* kNotReadyTaint = "node.kubernetes.io/not-ready";
  static constexpr const char* kUnreachableTaint = "node.kubernetes.io/unreachable";

 private:
  DefaultTolerationSecondsOptions options_;
};

}  // namespace cube::apiserver
