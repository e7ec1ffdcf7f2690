#include "scheduler/pod_info.h"

#include "common/json_util.h"

#include <algorithm>

namespace cube::scheduler {

namespace bj = boost::json;

namespace {

std::vector<PodAffinityTerm> parseTerms(const bj::object* affinityKind) {
  std::vector<PodAffinityTerm> out;
  const bj::array* terms =
      affinityKind ? json::getArray(*affinityKind, "requiredDuringSchedulingIgnoredDuringExecution")
                   : nullptr;
  if (!terms) return out;
  for (const bj::value& t : *terms) {
    if (!t.is_object()) continue;
    const bj::object& o = t.get_object();
    PodAffinityTerm term;
    term.topologyKey = json::getString(o, "topologyKey");
    try {
      // A missing labelSelector selects no pods, as in Kubernetes.
      term.selector = o.contains("labelSelector")
                          ? json::LabelSelector::fromLabelSelector(o.at("labelSelector"))
                          : json::LabelSelector::nothing();
    } catch (const std::exception&) {
      term.selector = json::LabelSelector::nothing();
    }
    if (const bj::array* ns = json::getArray(o, "namespaces")) {
      for (const bj::value& n : *ns) {
        if (n.is_string()) term.namespaces.emplace_back(n.get_string());
      }
    }
    // namespaceSelector {} selects every namespace. A non-empty one would need namespace labels;
    // until the scheduler watches namespaces it adds nothing beyond `namespaces`.
    if (const bj::object* nsSel = json::getObject(o, "namespaceSelector")) {
      if (nsSel->empty() ||
          (!nsSel->contains("matchLabels") && !nsSel->contains("matchExpressions"))) {
        term.allNamespaces = true;
      }
    }
    out.push_back(std::move(term));
  }
  return out;
}

const bj::object* findCondition(const bj::object& pod, std::string_view type) {
  const bj::object* status = json::getObject(pod, "status");
  const bj::array* conditions = status ? json::getArray(*status, "conditions") : nullptr;
  if (!conditions) return nullptr;
  for (const bj::value& c : *conditions) {
    if (c.is_object() && json::getString(c.get_object(), "type") == type) return &c.get_object();
  }
  return nullptr;
}

}  // namespace

bool PodAffinityTerm::matches(const PodInfo& pod, const std::string& ownerNamespace) const {
  if (!allNamespaces) {
    if (namespaces.empty()) {
      if (pod.ns != ownerNamespace) return false;
    } else if (std::find(namespaces.begin(), namespaces.end(), pod.ns) == namespaces.end()) {
      return false;
    }
  }
  return selector.matches(pod.labels);
}

PodInfoPtr parsePodInfo(const client::ObjectPtr& object) {
  auto info = std::make_shared<PodInfo>();
  const bj::object& pod = *object;
  info->object = object;
  static const bj::object kEmpty;
  const bj::object* meta = json::getObject(pod, "metadata");
  if (!meta) meta = &kEmpty;
  info->ns = json::getString(*meta, "namespace");
  info->name = json::getString(*meta, "name");
  info->uid = json::getString(*meta, "uid");
  info->key = info->ns + "/" + info->name;
  info->resourceVersion = json::getString(*meta, "resourceVersion");
  info->terminating =
      meta->contains("deletionTimestamp") && !meta->at("deletionTimestamp").is_null();
  info->created = parseRfc3339(json::getString(*meta, "creationTimestamp")).value_or(TimePoint{});
  if (const bj::object* labels = json::getObject(*meta, "labels")) {
    for (const auto& [k, v] : *labels) {
      if (v.is_string()) info->labels.emplace(std::string(k), std::string(v.get_string()));
    }
  }
  if (const bj::array* owners = json::getArray(*meta, "ownerReferences")) {
    for (const bj::value& o : *owners) {
      if (o.is_object() && json::getBool(o.get_object(), "controller")) {
        info->ownerUid = json::getString(o.get_object(), "uid");
        break;
      }
    }
  }
  if (const bj::object* status = json::getObject(pod, "status")) {
    info->phase = json::getString(*status, "phase");
  }
  if (const bj::object* c = findCondition(pod, "PodScheduled")) {
    info->scheduledStatus = json::getString(*c, "status");
    info->scheduledReason = json::getString(*c, "reason");
    info->scheduledMessage = json::getString(*c, "message");
    info->scheduledTransitionTime = json::getString(*c, "lastTransitionTime");
  }
  const bj::object* spec = json::getObject(pod, "spec");
  if (!spec) return info;
  info->nodeName = json::getString(*spec, "nodeName");
  info->schedulerName = json::getString(*spec, "schedulerName", "default-scheduler");
  if (info->schedulerName.empty()) info->schedulerName = "default-scheduler";
  info->requests = podRequests(pod);
  info->nonZeroRequests = podNonZeroRequests(pod);
  info->hostPorts = podHostPorts(*spec);
  info->tolerations = parseTolerations(json::getArray(*spec, "tolerations"));
  info->nodeAffinity = parseNodeAffinity(*spec);
  if (const bj::object* affinity = json::getObject(*spec, "affinity")) {
    info->affinity = parseTerms(json::getObject(*affinity, "podAffinity"));
    info->antiAffinity = parseTerms(json::getObject(*affinity, "podAntiAffinity"));
  }
  return info;
}

bool schedulingRelevantChange(const bj::object& before, const bj::object& after) {
  auto field = [](const bj::object& o, std::string_view k) -> const bj::value* {
    auto it = o.find(k);
    return it == o.end() ? nullptr : &it->value();
  };
  auto same = [](const bj::value* a, const bj::value* b) {
    if (!a || !b) return a == b;
    return *a == *b;
  };
  if (!same(field(before, "spec"), field(after, "spec"))) return true;
  const bj::object* mb = json::getObject(before, "metadata");
  const bj::object* ma = json::getObject(after, "metadata");
  if (!mb || !ma) return mb != ma;
  return !same(field(*mb, "labels"), field(*ma, "labels")) ||
         !same(field(*mb, "deletionTimestamp"), field(*ma, "deletionTimestamp"));
}

}  // namespace cube::scheduler
