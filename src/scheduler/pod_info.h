#pragma once
// PodInfo: everything the scheduler needs from a pod, parsed once when the informer delivers it,
// so filtering against thousands of nodes reads plain fields instead of JSON.

#include "client/informer.h"
#include "common/clock.h"
#include "json/selector/label_selector.h"
#include "scheduler/host_ports.h"
#include "scheduler/node_affinity.h"
#include "scheduler/resources.h"
#include "scheduler/taints.h"

#include <memory>
#include <string>
#include <vector>

namespace cube::scheduler {

// A required pod (anti-)affinity term: pods matching `selector` in `namespaces`, grouped by the
// node label `topologyKey`.
struct PodAffinityTerm {
  json::LabelSelector selector;
  std::vector<std::string> namespaces;  // empty with allNamespaces false: the pod's own
  bool allNamespaces = false;           // namespaceSelector: {} (every namespace)
  std::string topologyKey;

  // Whether `pod` is one of the pods this term, declared by a pod in `ownerNamespace`, selects.
  bool matches(const struct PodInfo& pod, const std::string& ownerNamespace) const;
};

struct PodInfo {
  std::string ns;
  std::string name;
  std::string uid;
  std::string key;  // "namespace/name"
  std::string resourceVersion;
  std::string nodeName;
  std::string schedulerName;
  std::string phase;
  std::string ownerUid;  // the controller ownerReference, "" when none
  TimePoint created;
  bool terminating = false;
  Labels labels;

  Resources requests;         // for the resource filter
  Resources nonZeroRequests;  // for scoring
  std::vector<HostPort> hostPorts;
  std::vector<Toleration> tolerations;
  NodeAffinity nodeAffinity;
  std::vector<PodAffinityTerm> affinity;      // required pod affinity
  std::vector<PodAffinityTerm> antiAffinity;  // required pod anti-affinity

  // The PodScheduled condition as last seen (to avoid rewriting an identical one).
  std::string scheduledStatus;
  std::string scheduledReason;
  std::string scheduledMessage;
  std::string scheduledTransitionTime;

  client::ObjectPtr object;  // the pod as delivered

  bool terminal() const { return phase == "Succeeded" || phase == "Failed"; }
};
using PodInfoPtr = std::shared_ptr<const PodInfo>;

PodInfoPtr parsePodInfo(const client::ObjectPtr& pod);

// Whether an update can change where the pod may go (spec, labels), as opposed to a status or
// metadata-only change such as our own PodScheduled condition.
bool schedulingRelevantChange(const boost::json::object& before, const boost::json::object& after);

}  // namespace cube::scheduler
