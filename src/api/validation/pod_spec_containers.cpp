// Containers, init containers and ephemeral containers of a PodSpec: ports, env, volume mounts,
// probes, lifecycle handlers, security context and resource requirements.

#include "api/validation/pod_spec.h"
#include "api/validation/pod_spec_internal.h"

#include "common/quantity.h"

#include <algorithm>
#include <set>

namespace cube::api::validation {

namespace json = boost::json;
using namespace detail;

namespace {

void validatePortNumOrName(const json::value* port, const std::string& path, Causes& out) {
  if (!port) {
    out.push_back(required(path));
    return;
  }
  if (port->is_string()) {
    addMessages(out, isValidPortName(port->as_string()), path, *port);
  } else if (port->is_int64() || port->is_uint64()) {
    int64_t n = port->is_int64() ? port->as_int64() : static_cast<int64_t>(port->as_uint64());
    addMessages(out, isValidPortNum(n), path, json::value(n));
  } else {
    out.push_back(invalid(path, *port, "must be an integer or a string"));
  }
}

void validateHandler(const json::object& h, const std::string& path, bool lifecycle, Causes& out) {
  static constexpr std::string_view kHandlers[] = {"exec", "httpGet", "tcpSocket", "grpc", "sleep"};
  if (!validateOneOf(h, kHandlers, path, "must specify a handler type",
                     "may not specify more than 1 handler type", out))
    return;
  if (const auto* e = getObject(h, "exec")) {
    if (arrayOr(*e, "command").empty())
      out.push_back(required(child(child(path, "exec"), "command")));
  }
  if (const auto* g = getObject(h, "httpGet")) {
    std::string p = child(path, "httpGet");
    if (str(*g, "path").empty()) out.push_back(required(child(p, "path")));
    validatePortNumOrName(g->if_contains("port"), child(p, "port"), out);
    if (auto scheme = getString(*g, "scheme"); scheme && *scheme != "HTTP" && *scheme != "HTTPS")
      out.push_back(notSupported(child(p, "scheme"), json::value(*scheme), {"HTTP", "HTTPS"}));
    const auto& headers = arrayOr(*g, "httpHeaders");
    for (size_t i = 0; i < headers.size(); ++i) {
      if (!headers[i].is_object()) continue;
      std::string n = str(headers[i].as_object(), "name");
      addMessages(out, isHttpHeaderName(n), child(index(child(p, "httpHeaders"), i), "name"),
                  json::value(n));
    }
  }
  if (const auto* t = getObject(h, "tcpSocket")) {
    validatePortNumOrName(t->if_contains("port"), child(child(path, "tcpSocket"), "port"), out);
  }
  if (const auto* g = getObject(h, "grpc")) {
    auto port = getInt(*g, "port").value_or(0);
    addMessages(out, isValidPortNum(port), child(child(path, "grpc"), "port"), json::value(port));
  }
  if (const auto* s = getObject(h, "sleep")) {
    auto seconds = getInt(*s, "seconds").value_or(0);
    if (seconds < 0)
      out.push_back(invalid(child(child(path, "sleep"), "seconds"), json::value(seconds),
                            "must be non-negative"));
  }
}

void validateProbe(const json::object* probe, const std::string& path, bool successMustBeOne,
                   Causes& out) {
  if (!probe) return;
  validateHandler(*probe, path, false, out);
  for (auto f : {"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                 "failureThreshold"})
    append(out, validateNonnegative(*probe, f, path));
  if (auto g = getInt(*probe, "terminationGracePeriodSeconds"); g && *g <= 0)
    out.push_back(invalid(child(path, "terminationGracePeriodSeconds"), json::value(*g),
                          "must be greater than 0"));
  if (successMustBeOne) {
    if (auto s = getInt(*probe, "successThreshold"); s && *s != 1)
      out.push_back(invalid(child(path, "successThreshold"), json::value(*s), "must be 1"));
  }
}

void validateContainerPorts(const json::array& ports, const std::string& path, Causes& out) {
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (!ports[i].is_object()) continue;
    const auto& port = ports[i].as_object();
    std::string p = index(path, i);
    std::string name = str(port, "name");
    if (!name.empty()) {
      auto msgs = isValidPortName(name);
      if (!msgs.empty()) {
        addMessages(out, msgs, child(p, "name"), json::value(name));
      } else if (names.count(name)) {
        out.push_back(duplicate(child(p, "name"), json::value(name)));
      } else {
        names.insert(name);
      }
    }
    auto cp = getInt(port, "containerPort").value_or(0);
    if (cp == 0) {
      out.push_back(required(child(p, "containerPort")));
    } else {
      addMessages(out, isValidPortNum(cp), child(p, "containerPort"), json::value(cp));
    }
    if (auto hp = getInt(port, "hostPort"); hp && *hp != 0)
      addMessages(out, isValidPortNum(*hp), child(p, "hostPort"), json::value(*hp));
    std::string proto = str(port, "protocol");
    if (proto.empty()) {
      out.push_back(required(child(p, "protocol")));
    } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
      out.push_back(notSupported(child(p, "protocol"), json::value(proto), {"SCTP", "TCP", "UDP"}));
    }
  }
}

void validateKeySelector(const json::object& sel, const std::string& path, Causes& out) {
  validateRequiredName(str(sel, "name"), child(path, "name"), out);
  std::string k = str(sel, "key");
  if (k.empty()) {
    out.push_back(required(child(path, "key")));
  } else {
    addMessages(out, isConfigMapKey(k), child(path, "key"), json::value(k));
  }
}

void validateEnv(const json::array& env, const std::string& path, Causes& out) {
  static const std::vector<std::string> kFieldPaths = {"metadata.name",
                                                       "metadata.namespace",
                                                       "metadata.uid",
                                                       "spec.nodeName",
                                                       "spec.serviceAccountName",
                                                       "status.hostIP",
                                                       "status.hostIPs",
                                                       "status.podIP",
                                                       "status.podIPs"};
  for (size_t i = 0; i < env.size(); ++i) {
    if (!env[i].is_object()) continue;
    const auto& ev = env[i].as_object();
    std::string p = index(path, i);
    std::string name = str(ev, "name");
    if (name.empty()) {
      out.push_back(required(child(p, "name")));
    } else {
      addMessages(out, isEnvVarName(name), child(p, "name"), json::value(name));
    }
    const auto* from = getObject(ev, "valueFrom");
    if (!from) continue;
    std::string fp = child(p, "valueFrom");
    int n = 0;
    if (const auto* f = getObject(*from, "fieldRef")) {
      ++n;
      std::string rp = child(fp, "fieldRef");
      if (str(*f, "apiVersion").empty()) out.push_back(required(child(rp, "apiVersion")));
      std::string path2 = str(*f, "fieldPath");
      if (path2.empty()) {
        out.push_back(required(child(rp, "fieldPath")));
      } else {
        bool labelOrAnnotation = path2.rfind("metadata.labels['", 0) == 0 ||
                                 path2.rfind("metadata.annotations['", 0) == 0;
        if (!labelOrAnnotation &&
            std::find(kFieldPaths.begin(), kFieldPaths.end(), path2) == kFieldPaths.end()) {
          if (path2.rfind("metadata.", 0) == 0 || path2.rfind("spec.", 0) == 0 ||
              path2.rfind("status.", 0) == 0) {
            out.push_back(notSupported(child(rp, "fieldPath"), json::value(path2), kFieldPaths));
          } else {
            out.push_back(
                invalid(child(rp, "fieldPath"), json::value(path2),
                        "error converting fieldPath: field label not supported: " + path2));
          }
        }
      }
    }
    if (const auto* r = getObject(*from, "resourceFieldRef")) {
      ++n;
      if (str(*r, "resource").empty())
        out.push_back(required(child(child(fp, "resourceFieldRef"), "resource")));
    }
    if (const auto* c = getObject(*from, "configMapKeyRef")) {
      ++n;
      validateKeySelector(*c, child(fp, "configMapKeyRef"), out);
    }
    if (const auto* s = getObject(*from, "secretKeyRef")) {
      ++n;
      validateKeySelector(*s, child(fp, "secretKeyRef"), out);
    }
    if (n == 0) {
      out.push_back(invalid(fp, json::value(""),
                            "must specify one of: `fieldRef`, `resourceFieldRef`, "
                            "`configMapKeyRef` or `secretKeyRef`"));
    } else if (!str(ev, "value").empty()) {
      out.push_back(invalid(fp, json::value(""), "may not be specified when `value` is not empty"));
    } else if (n > 1) {
      out.push_back(
          invalid(fp, json::value(""), "may not have more than one field specified at a time"));
    }
  }
}

void validateEnvFrom(const json::array& envFrom, const std::string& path, Causes& out) {
  for (size_t i = 0; i < envFrom.size(); ++i) {
    if (!envFrom[i].is_object()) continue;
    const auto& ef = envFrom[i].as_object();
    std::string p = index(path, i);
    std::string prefix = str(ef, "prefix");
    if (!prefix.empty())
      addMessages(out, isEnvVarName(prefix), child(p, "prefix"), json::value(prefix));
    int n = 0;
    for (auto k : {"configMapRef", "secretRef"}) {
      const auto* ref = getObject(ef, k);
      if (!ref) continue;
      ++n;
      validateRequiredName(str(*ref, "name"), child(child(p, k), "name"), out);
    }
    if (n == 0) {
      out.push_back(
          invalid(p, json::value(""), "must specify one of: `configMapRef` or `secretRef`"));
    } else if (n > 1) {
      out.push_back(
          invalid(p, json::value(""), "may not have more than one field specified at a time"));
    }
  }
}

void validateVolumeMounts(const json::object& ctr, const std::set<std::string>& volumes,
                          const std::string& path, Causes& out) {
  const auto& mounts = arrayOr(ctr, "volumeMounts");
  const auto& devices = arrayOr(ctr, "volumeDevices");
  std::set<std::string> mountPoints;
  for (size_t i = 0; i < mounts.size(); ++i) {
    if (!mounts[i].is_object()) continue;
    const auto& m = mounts[i].as_object();
    std::string p = index(path, i);
    std::string name = str(m, "name");
    if (name.empty()) out.push_back(required(child(p, "name")));
    if (!volumes.count(name)) out.push_back(notFound(child(p, "name"), json::value(name)));
    std::string mountPath = str(m, "mountPath");
    if (mountPath.empty()) out.push_back(required(child(p, "mountPath")));
    if (mountPoints.count(mountPath))
      out.push_back(invalid(child(p, "mountPath"), json::value(mountPath), "must be unique"));
    mountPoints.insert(mountPath);
    for (const auto& d : devices) {
      if (!d.is_object()) continue;
      if (str(d.as_object(), "name") == name)
        out.push_back(invalid(child(p, "name"), json::value(name),
                              "must not already exist in volumeDevices"));
      if (str(d.as_object(), "devicePath") == mountPath)
        out.push_back(invalid(child(p, "mountPath"), json::value(mountPath),
                              "must not already exist as a path in volumeDevices"));
    }
    std::string subPath = str(m, "subPath");
    if (!subPath.empty()) validateLocalDescendingPath(subPath, child(path, "subPath"), out);
    if (auto prop = getString(m, "mountPropagation");
        prop && *prop != "None" && *prop != "HostToContainer" && *prop != "Bidirectional")
      out.push_back(notSupported(child(p, "mountPropagation"), json::value(*prop),
                                 {"Bidirectional", "HostToContainer", "None"}));
  }
  for (size_t i = 0; i < devices.size(); ++i) {
    if (!devices[i].is_object()) continue;
    const auto& d = devices[i].as_object();
    std::string p =
        index(child(std::string_view(path).substr(0, path.rfind('.')), "volumeDevices"), i);
    std::string name = str(d, "name");
    if (name.empty()) out.push_back(required(child(p, "name")));
    if (!volumes.count(name)) out.push_back(notFound(child(p, "name"), json::value(name)));
    if (str(d, "devicePath").empty()) out.push_back(required(child(p, "devicePath")));
  }
}

void validatePullPolicy(const json::object& ctr, const std::string& path, Causes& out) {
  auto policy = getString(ctr, "imagePullPolicy").value_or("");
  if (policy == "Always" || policy == "IfNotPresent" || policy == "Never") return;
  if (policy.empty()) {
    out.push_back(required(path));
  } else {
    out.push_back(notSupported(path, json::value(policy), {"Always", "IfNotPresent", "Never"}));
  }
}

void validateSecurityContext(const json::object* sc, const std::string& path, Causes& out) {
  if (!sc) return;
  for (auto f : {"runAsUser", "runAsGroup"}) {
    if (auto v = getInt(*sc, f); v && (*v < 0 || *v > 2147483647))
      out.push_back(invalid(child(path, f), json::value(*v), inclusiveRangeError(0, 2147483647)));
  }
  if (getBool(*sc, "privileged").value_or(false) &&
      getBool(*sc, "allowPrivilegeEscalation") == std::optional<bool>(false))
    out.push_back(
        invalid(path, json::value("false"),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
}

// Checks shared by every container kind.
void validateContainerCommon(const json::object& ctr, const std::set<std::string>& volumes,
                             const std::string& path, Causes& out) {
  std::string name = str(ctr, "name");
  if (name.empty()) {
    out.push_back(required(child(path, "name")));
  } else {
    addMessages(out, isDns1123Label(name), child(path, "name"), json::value(name));
  }
  if (str(ctr, "image").empty()) out.push_back(required(child(path, "image")));
  auto tmp = getString(ctr, "terminationMessagePolicy").value_or("");
  if (tmp.empty()) {
    out.push_back(required(child(path, "terminationMessagePolicy"),
                           "must be 'File' or 'FallbackToLogsOnError'"));
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    out.push_back(notSupported(child(path, "terminationMessagePolicy"), json::value(tmp),
                               {"File", "FallbackToLogsOnError"}));
  }
  validateContainerPorts(arrayOr(ctr, "ports"), child(path, "ports"), out);
  validateEnv(arrayOr(ctr, "env"), child(path, "env"), out);
  validateEnvFrom(arrayOr(ctr, "envFrom"), child(path, "envFrom"), out);
  validateVolumeMounts(ctr, volumes, child(path, "volumeMounts"), out);
  validatePullPolicy(ctr, child(path, "imagePullPolicy"), out);
  append(out, validateResourceRequirements(ctr.if_contains("resources"), child(path, "resources")));
  validateSecurityContext(getObject(ctr, "securityContext"), child(path, "securityContext"), out);
}

void validateLifecycle(const json::object* lc, const std::string& path, Causes& out) {
  if (!lc) return;
  for (auto k : {"postStart", "preStop"})
    if (const auto* h = getObject(*lc, k)) validateHandler(*h, child(path, k), true, out);
}

// Lifecycle hooks and probes of a container that runs for the pod's life (regular containers
// and sidecars).
void validateLifecycleAndProbes(const json::object& ctr, const std::string& p, Causes& out) {
  validateLifecycle(getObject(ctr, "lifecycle"), child(p, "lifecycle"), out);
  validateProbe(getObject(ctr, "livenessProbe"), child(p, "livenessProbe"), true, out);
  validateProbe(getObject(ctr, "readinessProbe"), child(p, "readinessProbe"), false, out);
  validateProbe(getObject(ctr, "startupProbe"), child(p, "startupProbe"), true, out);
}

// Duplicate when the container's name is in `seen` (the names before it), else adds it there.
void validateUniqueName(const json::object& ctr, const std::string& p, std::set<std::string>& seen,
                        Causes& out) {
  std::string name = str(ctr, "name");
  if (seen.count(name)) {
    out.push_back(duplicate(child(p, "name"), json::value(name)));
  } else {
    seen.insert(name);
  }
}

std::set<std::string> containerNames(const json::array& containers) {
  std::set<std::string> names;
  for (const auto& c : containers)
    if (c.is_object()) names.insert(str(c.as_object(), "name"));
  return names;
}

}  // namespace

void detail::validateContainers(const json::array& containers, const std::set<std::string>& volumes,
                                const std::string& path, Causes& out) {
  if (containers.empty()) {
    out.push_back(required(path));
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < containers.size(); ++i) {
    if (!containers[i].is_object()) continue;
    const auto& ctr = containers[i].as_object();
    std::string p = index(path, i);
    validateContainerCommon(ctr, volumes, p, out);
    validateUniqueName(ctr, p, names, out);
    validateLifecycleAndProbes(ctr, p, out);
    if (has(ctr, "restartPolicy"))
      out.push_back(forbidden(child(p, "restartPolicy"), "may not be set for non-init containers"));
  }
}

void detail::validateInitContainers(const json::array& inits, const json::array& containers,
                                    const std::set<std::string>& volumes, const std::string& path,
                                    Causes& out) {
  std::set<std::string> names = containerNames(containers);
  for (size_t i = 0; i < inits.size(); ++i) {
    if (!inits[i].is_object()) continue;
    const auto& ctr = inits[i].as_object();
    std::string p = index(path, i);
    validateContainerCommon(ctr, volumes, p, out);
    validateUniqueName(ctr, p, names, out);
    auto restart = getString(ctr, "restartPolicy");
    bool sidecar = restart && *restart == "Always";
    if (restart && !sidecar)
      out.push_back(notSupported(child(p, "restartPolicy"), json::value(*restart), {"Always"}));
    if (sidecar) {
      validateLifecycleAndProbes(ctr, p, out);
    } else {
      for (auto k : {"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"})
        if (has(ctr, k))
          out.push_back(forbidden(
              child(p, k), "may not be set for init containers without restartPolicy=Always"));
    }
  }
}

void detail::validateEphemeralContainers(const json::array& eph, const json::array& containers,
                                         const json::array& inits,
                                         const std::set<std::string>& volumes,
                                         const std::string& path, Causes& out) {
  std::set<std::string> others = containerNames(containers);
  for (const auto& n : containerNames(inits)) others.insert(n);
  std::set<std::string> names = others;
  for (size_t i = 0; i < eph.size(); ++i) {
    if (!eph[i].is_object()) continue;
    const auto& ctr = eph[i].as_object();
    std::string p = index(path, i);
    validateContainerCommon(ctr, volumes, p, out);
    validateUniqueName(ctr, p, names, out);
    for (auto k : {"ports", "lifecycle", "livenessProbe", "readinessProbe", "startupProbe",
                   "resizePolicy", "restartPolicy"})
      if (has(ctr, k))
        out.push_back(forbidden(child(p, k), "cannot be set for an Ephemeral Container"));
    if (const auto* r = getObject(ctr, "resources"); r && !r->empty())
      out.push_back(forbidden(child(p, "resources"), "cannot be set for an Ephemeral Container"));
    if (auto target = getString(ctr, "targetContainerName");
        target && !target->empty() && !others.count(std::string(*target)))
      out.push_back(notFound(child(p, "targetContainerName"), json::value(*target)));
  }
}

Causes validateResourceRequirements(const json::value* resources, std::string_view pathView) {
  Causes out;
  if (!resources || !resources->is_object()) return out;
  std::string path(pathView);
  const auto& res = resources->as_object();
  const auto* limits = getObject(res, "limits");
  const auto* requests = getObject(res, "requests");
  auto validateList = [&](const json::object* list, const std::string& listPath) {
    if (!list) return;
    for (const auto& kv : *list) {
      std::string name(kv.key());
      std::string p = key(listPath, name);
      bool standard = name == "cpu" || name == "memory" || name == "ephemeral-storage" ||
                      name.rfind("hugepages-", 0) == 0;
      if (name.find('/') == std::string::npos) {
        addMessages(out, isQualifiedName(name), p, json::value(name));
        if (!standard) {
          out.push_back(
              invalid(p, json::value(name), "must be a standard resource for containers"));
          continue;
        }
      } else {
        addMessages(out, isQualifiedName(name), p, json::value(name));
      }
      auto q = validateNonnegativeQuantity(kv.value(), p, out);
      if (!q) continue;
      // Extended resources count whole devices.
      if (!standard) {
        auto milli = milliValue(*q);
        if (milli && *milli % 1000 != 0)
          out.push_back(invalid(p, json::value(canonicalString(*q)), "must be an integer"));
      }
    }
  };
  validateList(limits, child(path, "limits"));
  validateList(requests, child(path, "requests"));
  if (requests) {
    for (const auto& kv : *requests) {
      std::string name(kv.key());
      auto req = quantityOf(kv.value());
      if (!req) continue;
      bool overcommit = name == "cpu" || name == "memory" || name == "ephemeral-storage" ||
                        name.find('/') == std::string::npos;
      overcommit = overcommit && name.rfind("hugepages-", 0) != 0;
      const json::value* limV = limits ? limits->if_contains(name) : nullptr;
      if (!limV) {
        if (!overcommit)
          out.push_back(required(child(path, "limits"),
                                 "Limit must be set for non overcommitable resources"));
        continue;
      }
      auto lim = quantityOf(*limV);
      if (!lim) continue;
      auto rm = milliValue(*req), lm = milliValue(*lim);
      if (!rm || !lm) continue;
      if (!overcommit && *rm != *lm) {
        out.push_back(invalid(child(path, "requests"), json::value(canonicalString(*req)),
                              "must be equal to " + name + " limit of " + canonicalString(*lim)));
      } else if (*rm > *lm) {
        out.push_back(invalid(
            child(path, "requests"), json::value(canonicalString(*req)),
            "must be less than or equal to " + name + " limit of " + canonicalString(*lim)));
      }
    }
  }
  return out;
}

}  // namespace cube::api::validation
