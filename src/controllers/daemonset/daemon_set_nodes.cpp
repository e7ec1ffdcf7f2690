// DaemonSetController: which nodes a DaemonSet runs on, and the per-node pod template.
// Selection reuses the scheduler's node affinity and taint rules, so the controller and the
// scheduler never disagree about a node.

#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/daemonset/daemon_set_controller.h"
#include "scheduler/node_affinity.h"
#include "scheduler/taints.h"

namespace cube::controllers::daemonset {

namespace bj = boost::json;

namespace {

bj::object toleration(const char* key, const char* effect) {
  return bj::object{{"key", key}, {"operator", "Exists"}, {"effect", effect}};
}

// What Kubernetes adds to every daemon pod: they stay through node trouble (no
// tolerationSeconds, so never evicted for it) and run on cordoned or pressured nodes.
bj::array daemonTolerations(bool hostNetwork) {
  bj::array out{toleration("node.kubernetes.io/not-ready", "NoExecute"),
                toleration("node.kubernetes.io/unreachable", "NoExecute"),
                toleration("node.kubernetes.io/disk-pressure", "NoSchedule"),
                toleration("node.kubernetes.io/memory-pressure", "NoSchedule"),
                toleration("node.kubernetes.io/pid-pressure", "NoSchedule"),
                toleration("node.kubernetes.io/unschedulable", "NoSchedule")};
  if (hostNetwork)
    out.push_back(toleration("node.kubernetes.io/network-unavailable", "NoSchedule"));
  return out;
}

// Adds `extra` unless an identical toleration is there already.
void addTolerations(bj::object& spec, const bj::array& extra) {
  bj::value& v = spec["tolerations"];
  if (!v.is_array()) v = bj::array{};
  bj::array& tolerations = v.as_array();
  for (const auto& t : extra) {
    if (std::find(tolerations.begin(), tolerations.end(), t) == tolerations.end())
      tolerations.push_back(t);
  }
}

const bj::object* templateSpec(const bj::object& ds) {
  const auto* spec = json::getObject(ds, "spec");
  const auto* tmpl = spec ? json::getObject(*spec, "template") : nullptr;
  return tmpl ? json::getObject(*tmpl, "spec") : nullptr;
}

}  // namespace

bool shouldRunOnNode(const bj::object& ds, const bj::object& node) {
  static const bj::object kEmpty;
  const auto* specPtr = templateSpec(ds);
  bj::object podSpec = specPtr ? *specPtr : kEmpty;
  scheduler::Labels labels;
  if (const auto* l = labelsOf(node)) {
    for (const auto& [k, v] : *l) {
      if (v.is_string()) labels[std::string(k)] = std::string(v.as_string());
    }
  }
  if (!scheduler::parseNodeAffinity(podSpec).matches(labels, nameOf(node))) return false;
  addTolerations(podSpec, daemonTolerations(json::getBool(podSpec, "hostNetwork")));
  const auto* nodeSpec = json::getObject(node, "spec");
  auto taints = scheduler::parseTaints(nodeSpec ? json::getArray(*nodeSpec, "taints") : nullptr);
  auto tolerations = scheduler::parseTolerations(json::getArray(podSpec, "tolerations"));
  return scheduler::firstUntoleratedTaint(taints, tolerations) == nullptr;
}

bj::object podTemplateForNode(const bj::object& podTemplate, const std::string& nodeName,
                              const std::string& hash) {
  bj::object tmpl = podTemplate;
  bj::object& meta = json::ensureObject(tmpl, "metadata");
  json::ensureObject(meta, "labels")["controller-revision-hash"] = hash;
  bj::object& spec = json::ensureObject(tmpl, "spec");
  // The controller already checked the template's own node rules against this node; the pod
  // only needs to say which node, which the scheduler then enforces.
  bj::object term{
      {"matchFields", bj::array{bj::object{{"key", "metadata.name"},
                                           {"operator", "In"},
                                           {"values", bj::array{bj::value(nodeName)}}}}}};
  bj::object& affinity = json::ensureObject(spec, "affinity");
  bj::object& nodeAffinity = json::ensureObject(affinity, "nodeAffinity");
  nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] =
      bj::object{{"nodeSelectorTerms", bj::array{term}}};
  addTolerations(spec, daemonTolerations(json::getBool(spec, "hostNetwork")));
  return tmpl;
}

std::string targetNodeOf(const bj::object& pod) {
  const auto* spec = json::getObject(pod, "spec");
  if (!spec) return "";
  std::string bound = json::getString(*spec, "nodeName");
  if (!bound.empty()) return bound;
  const auto* fields =
      json::findPath(*spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
  if (!fields || !fields->is_object()) return "";
  const auto* terms = json::getArray(fields->as_object(), "nodeSelectorTerms");
  if (!terms) return "";
  for (const auto& term : *terms) {
    if (!term.is_object()) continue;
    const auto* mf = json::getArray(term.as_object(), "matchFields");
    if (!mf) continue;
    for (const auto& req : *mf) {
      if (!req.is_object()) continue;
      const auto& r = req.as_object();
      const auto* values = json::getArray(r, "values");
      if (json::getString(r, "key") == "metadata.name" && json::getString(r, "operator") == "In" &&
          values && values->size() == 1 && (*values)[0].is_string())
        return std::string((*values)[0].as_string());
    }
  }
  return "";
}

}  // namespace cube::controllers::daemonset
