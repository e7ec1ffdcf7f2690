// PodSpec validation, following the order and messages of Kubernetes' ValidatePodSpec so that
// the causes a user sees (and their order) match a real API server.

#include "api/validation/pod_spec.h"
#include "api/validation/pod_spec_internal.h"

namespace cube::api::validation {

namespace json = boost::json;
using namespace detail;

namespace {

void validateDnsConfig(const json::object& spec, const std::string& path, Causes& out) {
  std::string policy = str(spec, "dnsPolicy");
  const auto* cfg = getObject(spec, "dnsConfig");
  std::string p = child(path, "dnsConfig");
  if (policy == "None" && !cfg) {
    out.push_back(required(p, "must provide `dnsConfig` when `dnsPolicy` is None"));
    return;
  }
  if (!cfg) return;
  const auto& ns = arrayOr(*cfg, "nameservers");
  if (policy == "None" && ns.empty())
    out.push_back(required(child(p, "nameservers"),
                           "must provide at least one DNS nameserver when `dnsPolicy` is None"));
  if (ns.size() > 3)
    out.push_back(
        invalid(child(p, "nameservers"), json::value(ns), "must not have more than 3 nameservers"));
  for (size_t i = 0; i < ns.size(); ++i)
    if (ns[i].is_string())
      addMessages(out, isValidIp(ns[i].as_string()), index(child(p, "nameservers"), i), ns[i]);
  const auto& searches = arrayOr(*cfg, "searches");
  if (searches.size() > 32)
    out.push_back(invalid(child(p, "searches"), json::value(searches),
                          "must not have more than 32 search paths"));
}

}  // namespace

Causes validatePodSpec(const json::object& spec, std::string_view pathView) {
  Causes out;
  std::string path(pathView);
  auto volumes = validateVolumes(arrayOr(spec, "volumes"), child(path, "volumes"), out);
  const auto& containers = arrayOr(spec, "containers");
  const auto& inits = arrayOr(spec, "initContainers");
  validateContainers(containers, volumes, child(path, "containers"), out);
  validateInitContainers(inits, containers, volumes, child(path, "initContainers"), out);
  validateEphemeralContainers(arrayOr(spec, "ephemeralContainers"), containers, inits, volumes,
                              child(path, "ephemeralContainers"), out);

  std::string restart = str(spec, "restartPolicy");
  if (restart.empty()) {
    out.push_back(required(child(path, "restartPolicy")));
  } else if (restart != "Always" && restart != "OnFailure" && restart != "Never") {
    out.push_back(notSupported(child(path, "restartPolicy"), json::value(restart),
                               {"Always", "OnFailure", "Never"}));
  }
  std::string dns = str(spec, "dnsPolicy");
  if (dns.empty()) {
    out.push_back(required(child(path, "dnsPolicy")));
  } else if (dns != "ClusterFirstWithHostNet" && dns != "ClusterFirst" && dns != "Default" &&
             dns != "None") {
    out.push_back(notSupported(child(path, "dnsPolicy"), json::value(dns),
                               {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}));
  }
  append(out, validateLabels(spec.if_contains("nodeSelector"), child(path, "nodeSelector")));
  if (const auto* sc = getObject(spec, "securityContext")) {
    std::string sp = child(path, "securityContext");
    for (auto f : {"runAsUser", "runAsGroup", "fsGroup"}) {
      if (auto v = getInt(*sc, f); v && (*v < 0 || *v > 2147483647))
        out.push_back(invalid(child(sp, f), json::value(*v), inclusiveRangeError(0, 2147483647)));
    }
  }
  if (auto ads = getInt(spec, "activeDeadlineSeconds"); ads && (*ads < 1 || *ads > 2147483647))
    out.push_back(invalid(child(path, "activeDeadlineSeconds"), json::value(*ads),
                          inclusiveRangeError(1, 2147483647)));
  for (auto f : {"hostname", "subdomain"}) {
    std::string v = str(spec, f);
    if (!v.empty()) addMessages(out, isDns1123Label(v), child(path, f), json::value(v));
  }
  append(out, validateTolerations(spec.if_contains("tolerations"), child(path, "tolerations")));
  std::string sa = str(spec, "serviceAccountName");
  if (!sa.empty())
    addMessages(out, nameIsDnsSubdomain(sa, false), child(path, "serviceAccountName"),
                json::value(sa));
  std::string node = str(spec, "nodeName");
  if (!node.empty())
    addMessages(out, nameIsDnsSubdomain(node, false), child(path, "nodeName"), json::value(node));
  validateAffinity(getObject(spec, "affinity"), child(path, "affinity"), out);
  validateTopologySpread(arrayOr(spec, "topologySpreadConstraints"),
                         child(path, "topologySpreadConstraints"), out);
  validateDnsConfig(spec, path, out);
  const auto& aliases = arrayOr(spec, "hostAliases");
  for (size_t i = 0; i < aliases.size(); ++i) {
    if (!aliases[i].is_object()) continue;
    std::string ip = str(aliases[i].as_object(), "ip");
    addMessages(out, isValidIp(ip), child(index(child(path, "hostAliases"), i), "ip"),
                json::value(ip));
  }
  const auto& gates = arrayOr(spec, "readinessGates");
  for (size_t i = 0; i < gates.size(); ++i) {
    if (!gates[i].is_object()) continue;
    std::string ct = str(gates[i].as_object(), "conditionType");
    addMessages(out, isQualifiedName(ct),
                child(index(child(path, "readinessGates"), i), "conditionType"), json::value(ct));
  }
  if (auto g = getInt(spec, "terminationGracePeriodSeconds"); g && *g < 0)
    out.push_back(invalid(child(path, "terminationGracePeriodSeconds"), json::value(*g),
                          "must be greater than or equal to 0"));
  // With host networking the container sees the node's ports directly.
  if (getBool(spec, "hostNetwork").value_or(false)) {
    for (auto list : {"containers", "initContainers"}) {
      const auto& ctrs = arrayOr(spec, list);
      for (size_t ci = 0; ci < ctrs.size(); ++ci) {
        if (!ctrs[ci].is_object()) continue;
        const auto& ports = arrayOr(ctrs[ci].as_object(), "ports");
        for (size_t pi = 0; pi < ports.size(); ++pi) {
          if (!ports[pi].is_object()) continue;
          auto cp = getInt(ports[pi].as_object(), "containerPort").value_or(0);
          auto hp = getInt(ports[pi].as_object(), "hostPort").value_or(0);
          if (hp != cp)
            out.push_back(invalid(
                child(index(child(index(child(path, list), ci), "ports"), pi), "containerPort"),
                json::value(cp), "must match `hostPort` when `hostNetwork` is true"));
        }
      }
    }
  }
  return out;
}

Causes validatePodTemplateSpec(const json::value* tmpl, std::string_view pathView) {
  Causes out;
  std::string path(pathView);
  if (!tmpl || !tmpl->is_object()) {
    out.push_back(required(path));
    return out;
  }
  const auto& t = tmpl->as_object();
  std::string metaPath = child(path, "metadata");
  if (const auto* meta = getObject(t, "metadata")) {
    append(out, validateLabels(meta->if_contains("labels"), child(metaPath, "labels")));
    append(out,
           validateAnnotations(meta->if_contains("annotations"), child(metaPath, "annotations")));
  }
  const auto* spec = getObject(t, "spec");
  append(out, validatePodSpec(spec ? *spec : kEmptyObject, child(path, "spec")));
  if (spec && !arrayOr(*spec, "ephemeralContainers").empty())
    out.push_back(forbidden(child(child(path, "spec"), "ephemeralContainers"),
                            "ephemeral containers not allowed in pod template"));
  return out;
}

}  // namespace cube::api::validation
