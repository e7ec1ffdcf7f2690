#include "scheduler/filters.h"

#include <algorithm>

namespace cube::scheduler {

bool fitsSchedulable(const PodInfo& pod, const NodeSpecInfo& node) {
  if (!node.unschedulable) return true;
  // A cordoned node still takes pods that tolerate the unschedulable taint (DaemonSets).
  return tolerated({kTaintUnschedulable, "", "NoSchedule"}, pod.tolerations);
}

bool fitsReady(const PodInfo& pod, const NodeSpecInfo& node) {
  if (node.ready) return true;
  return tolerated({kTaintNotReady, "", "NoSchedule"}, pod.tolerations) ||
         tolerated({kTaintNotReady, "", "NoExecute"}, pod.tolerations);
}

bool fitsTaints(const PodInfo& pod, const NodeSpecInfo& node) {
  return firstUntoleratedTaint(node.taints, pod.tolerations) == nullptr;
}

bool fitsNodeAffinity(const PodInfo& pod, const NodeSpecInfo& node) {
  return pod.nodeAffinity.matches(node.labels, node.name);
}

bool fitsHostPorts(const PodInfo& pod, const NodeInfo& node) {
  return pod.hostPorts.empty() || !node.hostPorts.conflicts(pod.hostPorts);
}

uint32_t resourceFit(const PodInfo& pod, const NodeInfo& node) {
  uint32_t reasons = kFitOk;
  const Allocatable& a = node.spec.allocatable;
  if (node.podCount + 1 > a.pods) reasons |= kTooManyPods;
  const Resources& want = pod.requests;
  if (want.milliCpu > 0 && node.requested.milliCpu + want.milliCpu > a.resources.milliCpu) {
    reasons |= kInsufficientCpu;
  }
  if (want.memory > 0 && node.requested.memory + want.memory > a.resources.memory) {
    reasons |= kInsufficientMemory;
  }
  for (const auto& [name, amount] : want.scalars) {
    if (amount > 0 && node.requested.scalar(name) + amount > a.resources.scalar(name)) {
      reasons |= kInsufficientScalar;
    }
  }
  return reasons;
}

uint32_t runFilters(const PodInfo& pod, const NodeInfo& node, const PodAffinityState& affinity) {
  const NodeSpecInfo& spec = node.spec;
  if (!fitsSchedulable(pod, spec)) return kNodeUnschedulable;
  if (!fitsReady(pod, spec)) return kNodeNotReady;
  if (!fitsTaints(pod, spec)) return kUntoleratedTaint;
  if (!fitsNodeAffinity(pod, spec)) return kNodeAffinityMismatch;
  if (!fitsHostPorts(pod, node)) return kHostPortConflict;
  if (uint32_t r = resourceFit(pod, node); r != kFitOk) return r;
  if (!affinity.empty()) {
    if (!affinity.affinityFits(spec)) return kPodAffinityMismatch;
    if (!affinity.antiAffinityFits(spec)) return kPodAntiAffinityMismatch;
    if (!affinity.existingAntiAffinityFits(spec)) return kExistingAntiAffinity;
  }
  return kFitOk;
}

std::vector<std::string> reasonPhrases(uint32_t reasons, const PodInfo& pod, const NodeInfo& node) {
  std::vector<std::string> out;
  if (reasons & kNodeUnschedulable) out.emplace_back("node(s) were unschedulable");
  if (reasons & kNodeNotReady) out.emplace_back("node(s) were not ready");
  if (reasons & kUntoleratedTaint) {
    const Taint* t = firstUntoleratedTaint(node.spec.taints, pod.tolerations);
    out.push_back("node(s) had untolerated taint {" + (t ? t->key + ": " + t->value : "") + "}");
  }
  if (reasons & kNodeAffinityMismatch) {
    out.emplace_back("node(s) didn't match Pod's node affinity/selector");
  }
  if (reasons & kHostPortConflict) {
    out.emplace_back("node(s) didn't have free ports for the requested pod ports");
  }
  if (reasons & kTooManyPods) out.emplace_back("Too many pods");
  if (reasons & kInsufficientCpu) out.emplace_back("Insufficient cpu");
  if (reasons & kInsufficientMemory) out.emplace_back("Insufficient memory");
  if (reasons & kInsufficientScalar) {
    for (const auto& [name, amount] : pod.requests.scalars) {
      if (amount > 0 &&
          node.requested.scalar(name) + amount > node.spec.allocatable.resources.scalar(name)) {
        out.push_back("Insufficient " + name);
      }
    }
  }
  if (reasons & kPodAffinityMismatch) out.emplace_back("node(s) didn't match pod affinity rules");
  if (reasons & kPodAntiAffinityMismatch) {
    out.emplace_back("node(s) didn't match pod anti-affinity rules");
  }
  if (reasons & kExistingAntiAffinity) {
    out.emplace_back("node(s) didn't satisfy existing pods anti-affinity rules");
  }
  return out;
}

bool evictionMightHelp(uint32_t reasons, const PodInfo& pod, const NodeInfo& node) {
  // Kubernetes' plugins answer Unschedulable for these (room may be made) and
  // UnschedulableAndUnresolvable for the rest (cordon, taints, node affinity, pod affinity).
  constexpr uint32_t kResolvable = kHostPortConflict | kTooManyPods | kInsufficientCpu |
                                   kInsufficientMemory | kInsufficientScalar |
                                   kPodAntiAffinityMismatch | kExistingAntiAffinity;
  if (reasons & ~kResolvable) return false;
  // A request larger than the whole node cannot be met by emptying it.
  const Resources& want = pod.requests;
  const Resources& all = node.spec.allocatable.resources;
  if ((reasons & kInsufficientCpu) && want.milliCpu > all.milliCpu) return false;
  if ((reasons & kInsufficientMemory) && want.memory > all.memory) return false;
  if (reasons & kInsufficientScalar) {
    for (const auto& [name, amount] : want.scalars) {
      if (amount > all.scalar(name)) return false;
    }
  }
  return true;
}

void FitDiagnosis::add(uint32_t reasons, const PodInfo& pod, const NodeInfo& node) {
  for (std::string& phrase : reasonPhrases(reasons, pod, node)) ++counts_[std::move(phrase)];
  ++(evictionMightHelp(reasons, pod, node) ? noVictims_ : notHelpful_);
}

std::string FitDiagnosis::message(size_t totalNodes) const {
  if (totalNodes == 0) return "no nodes available to schedule pods";
  std::vector<std::string> parts;
  for (const auto& [phrase, count] : counts_) parts.push_back(std::to_string(count) + " " + phrase);
  std::sort(parts.begin(), parts.end());
  std::string n = std::to_string(totalNodes);
  std::string out = "0/" + n + " nodes are available: ";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ", ";
    out += parts[i];
  }
  // Preemption's own diagnosis, phrased as Kubernetes' DefaultPreemption does. cube has no pod
  // priorities, so no pod ever outranks another: where eviction could make room there is still
  // no victim. Kubernetes ends this part with a second period (its message nests a full
  // "0/N nodes are available: ...." sentence); so does cube.
  std::vector<std::string> preemption;
  if (noVictims_) {
    preemption.push_back(std::to_string(noVictims_) +
                         " No preemption victims found for incoming pod");
  }
  if (notHelpful_) {
    preemption.push_back(std::to_string(notHelpful_) + " Preemption is not helpful for scheduling");
  }
  std::sort(preemption.begin(), preemption.end());
  out += ". preemption: 0/" + n + " nodes are available: ";
  for (size_t i = 0; i < preemption.size(); ++i) {
    if (i) out += ", ";
    out += preemption[i];
  }
  out += "..";
  return out;
}

}  // namespace cube::scheduler
