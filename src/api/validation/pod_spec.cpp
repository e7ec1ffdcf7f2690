// PodSpec validation, following the order and messages of Kubernetes' ValidatePodSpec so that
// the causes a user sees (and their order) match a real API server.

#include "api/validation/pod_spec.h"

#include "common/quantity.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <set>

namespace cube::api::validation {

namespace json = boost::json;

namespace {

const json::object kEmptyObject;

const json::array& arrayOr(const json::object& o, std::string_view k) {
  static const json::array kEmpty;
  const auto* a = getArray(o, k);
  return a ? *a : kEmpty;
}

bool has(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it != o.end() && !it->value().is_null();
}

std::string str(const json::object& o, std::string_view k) {
  return std::string(getString(o, k).value_or(""));
}

void addMessages(Causes& out, const std::vector<std::string>& msgs, const std::string& path,
                 const json::value& value) {
  for (const auto& m : msgs) out.push_back(invalid(path, value, m));
}

// Quantity syntax error as the JSON decoder of Kubernetes words it.
constexpr std::string_view kQuantityRegexError =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

std::optional<std::string> quantityText(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) return json::serialize(v);
  return std::nullopt;
}

// --- volumes ---------------------------------------------------------------------------------

constexpr std::array<std::string_view, 25> kVolumeSources = {"hostPath",
                                                             "emptyDir",
                                                             "gcePersistentDisk",
                                                             "awsElasticBlockStore",
                                                             "gitRepo",
                                                             "secret",
                                                             "nfs",
                                                             "iscsi",
                                                             "glusterfs",
                                                             "persistentVolumeClaim",
                                                             "rbd",
                                                             "flexVolume",
                                                             "cinder",
                                                             "cephfs",
                                                             "flocker",
                                                             "downwardAPI",
                                                             "fc",
                                                             "azureFile",
                                                             "configMap",
                                                             "vsphereVolume",
                                                             "quobyte",
                                                             "azureDisk",
                                                             "photonPersistentDisk",
                                                             "projected",
                                                             "portworxVolume"};
constexpr std::array<std::string_view, 5> kMoreVolumeSources = {"scaleIO", "storageos", "csi",
                                                                "ephemeral", "image"};

void validateLocalDescendingPath(std::string_view p, const std::string& path, Causes& out) {
  if (!p.empty() && p.front() == '/') {
    out.push_back(invalid(path, json::value(p), "must be a relative path"));
  }
  // No path element may be "..".
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string_view part =
        p.substr(start, slash == std::string_view::npos ? p.npos : slash - start);
    if (part == "..") {
      out.push_back(invalid(path, json::value(p), "must not contain '..'"));
      break;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

void validateKeyToPaths(const json::array& items, const std::string& path, Causes& out) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object()) continue;
    const auto& kp = items[i].as_object();
    std::string p = index(path, i);
    if (str(kp, "key").empty()) out.push_back(required(child(p, "key")));
    std::string rel = str(kp, "path");
    if (rel.empty()) {
      out.push_back(required(child(p, "path")));
    } else {
      validateLocalDescendingPath(rel, child(p, "path"), out);
    }
    if (auto mode = getInt(kp, "mode"); mode && (*mode > 0777 || *mode < 0))
      out.push_back(invalid(child(p, "mode"), json::value(*mode),
                            "must be a number between 0 and 0777 (octal), both inclusive"));
  }
}

void validateDefaultMode(const json::object& src, const std::string& path, Causes& out) {
  if (auto mode = getInt(src, "defaultMode"); mode && (*mode > 0777 || *mode < 0))
    out.push_back(invalid(child(path, "defaultMode"), json::value(*mode),
                          "must be a number between 0 and 0777 (octal), both inclusive"));
}

void validateVolumeSource(const json::object& vol, const std::string& path, Causes& out) {
  std::vector<std::string_view> set;
  for (auto s : kVolumeSources)
    if (has(vol, s)) set.push_back(s);
  for (auto s : kMoreVolumeSources)
    if (has(vol, s)) set.push_back(s);
  if (set.empty()) {
    out.push_back(required(path, "must specify a volume type"));
    return;
  }
  for (size_t i = 1; i < set.size(); ++i)
    out.push_back(forbidden(child(path, set[i]), "may not specify more than 1 volume type"));

  auto sub = [&](std::string_view k) -> const json::object& {
    const auto* o = getObject(vol, k);
    return o ? *o : kEmptyObject;
  };
  if (has(vol, "hostPath")) {
    const auto& hp = sub("hostPath");
    std::string p = child(path, "hostPath");
    if (str(hp, "path").empty()) out.push_back(required(child(p, "path")));
    static const std::vector<std::string> kTypes = {
        "",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
        "File", "FileOrCreate", "Socket"};
    if (auto t = getString(hp, "type");
        t && std::find(kTypes.begin(), kTypes.end(), *t) == kTypes.end())
      out.push_back(notSupported(child(p, "type"), json::value(*t), kTypes));
  }
  if (has(vol, "secret")) {
    const auto& s = sub("secret");
    std::string p = child(path, "secret");
    std::string name = str(s, "secretName");
    if (name.empty()) {
      out.push_back(required(child(p, "secretName")));
    } else {
      addMessages(out, nameIsDnsSubdomain(name, false), child(p, "secretName"), json::value(name));
    }
    validateDefaultMode(s, p, out);
    validateKeyToPaths(arrayOr(s, "items"), child(p, "items"), out);
  }
  if (has(vol, "configMap")) {
    const auto& s = sub("configMap");
    std::string p = child(path, "configMap");
    std::string name = str(s, "name");
    if (name.empty()) {
      out.push_back(required(child(p, "name")));
    } else {
      addMessages(out, nameIsDnsSubdomain(name, false), child(p, "name"), json::value(name));
    }
    validateDefaultMode(s, p, out);
    validateKeyToPaths(arrayOr(s, "items"), child(p, "items"), out);
  }
  if (has(vol, "persistentVolumeClaim")) {
    const auto& s = sub("persistentVolumeClaim");
    if (str(s, "claimName").empty())
      out.push_back(required(child(child(path, "persistentVolumeClaim"), "claimName")));
  }
  if (has(vol, "nfs")) {
    const auto& s = sub("nfs");
    std::string p = child(path, "nfs");
    if (str(s, "server").empty()) out.push_back(required(child(p, "server")));
    std::string np = str(s, "path");
    if (np.empty()) {
      out.push_back(required(child(p, "path")));
    } else if (np.front() != '/') {
      out.push_back(invalid(child(p, "path"), json::value(np), "must be an absolute path"));
    }
  }
  if (has(vol, "csi")) {
    const auto& s = sub("csi");
    if (str(s, "driver").empty()) out.push_back(required(child(child(path, "csi"), "driver")));
  }
  if (has(vol, "downwardAPI")) {
    const auto& s = sub("downwardAPI");
    validateDefaultMode(s, child(path, "downwardAPI"), out);
  }
  if (has(vol, "projected")) {
    const auto& s = sub("projected");
    std::string p = child(path, "projected");
    validateDefaultMode(s, p, out);
    const auto& sources = arrayOr(s, "sources");
    for (size_t i = 0; i < sources.size(); ++i) {
      if (!sources[i].is_object()) continue;
      const auto& src = sources[i].as_object();
      std::string sp = index(child(p, "sources"), i);
      int n = 0;
      for (auto k :
           {"secret", "configMap", "downwardAPI", "serviceAccountToken", "clusterTrustBundle"}) {
        if (!has(src, k)) continue;
        if (++n > 1)
          out.push_back(
              forbidden(child(sp, k), "may not specify more than 1 volume type per source"));
      }
      if (const auto* sat = getObject(src, "serviceAccountToken")) {
        std::string tp = child(sp, "serviceAccountToken");
        if (auto exp = getInt(*sat, "expirationSeconds"); exp && *exp < 600)
          out.push_back(invalid(child(tp, "expirationSeconds"), json::value(*exp),
                                "may not specify a duration less than 10 minutes"));
        if (str(*sat, "path").empty()) out.push_back(required(child(tp, "path")));
      }
      for (auto k : {"secret", "configMap"})
        if (const auto* o = getObject(src, k))
          validateKeyToPaths(arrayOr(*o, "items"), child(child(sp, k), "items"), out);
    }
  }
  if (has(vol, "ephemeral")) {
    const auto& s = sub("ephemeral");
    if (!has(s, "volumeClaimTemplate"))
      out.push_back(required(child(child(path, "ephemeral"), "volumeClaimTemplate")));
  }
  if (has(vol, "gitRepo")) {
    const auto& s = sub("gitRepo");
    if (str(s, "repository").empty())
      out.push_back(required(child(child(path, "gitRepo"), "repository")));
  }
}

// Validates pod volumes; returns the set of valid volume names (and whether each is a PVC).
std::set<std::string> validateVolumes(const json::array& volumes, const std::string& path,
                                      Causes& out) {
  std::set<std::string> names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    if (!volumes[i].is_object()) continue;
    const auto& vol = volumes[i].as_object();
    std::string p = index(path, i);
    std::string namePath = child(p, "name");
    Causes el;
    validateVolumeSource(vol, p, el);
    std::string name = str(vol, "name");
    if (name.empty()) {
      el.push_back(required(namePath));
    } else {
      addMessages(el, isDns1123Label(name), namePath, json::value(name));
    }
    if (names.count(name)) el.push_back(duplicate(namePath, json::value(name)));
    if (el.empty() && !name.empty()) names.insert(name);
    append(out, std::move(el));
    // Volumes with errors still count for mounts so that one error is not reported twice.
    names.insert(name);
  }
  return names;
}

// --- containers ------------------------------------------------------------------------------

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
  std::vector<std::string_view> kinds;
  for (auto k : {"exec", "httpGet", "tcpSocket", "grpc", "sleep"})
    if (has(h, k)) kinds.push_back(k);
  if (kinds.empty()) {
    out.push_back(required(path, "must specify a handler type"));
    return;
  }
  for (size_t i = 1; i < kinds.size(); ++i)
    out.push_back(forbidden(child(path, kinds[i]), "may not specify more than 1 handler type"));
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
  std::string name = str(sel, "name");
  if (name.empty()) {
    out.push_back(required(child(path, "name")));
  } else {
    addMessages(out, nameIsDnsSubdomain(name, false), child(path, "name"), json::value(name));
  }
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
      std::string name = str(*ref, "name");
      std::string np = child(child(p, k), "name");
      if (name.empty()) {
        out.push_back(required(np));
      } else {
        addMessages(out, nameIsDnsSubdomain(name, false), np, json::value(name));
      }
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

void validateContainers(const json::array& containers, const std::set<std::string>& volumes,
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
    std::string name = str(ctr, "name");
    if (names.count(name)) {
      out.push_back(duplicate(child(p, "name"), json::value(name)));
    } else {
      names.insert(name);
    }
    validateLifecycle(getObject(ctr, "lifecycle"), child(p, "lifecycle"), out);
    validateProbe(getObject(ctr, "livenessProbe"), child(p, "livenessProbe"), true, out);
    validateProbe(getObject(ctr, "readinessProbe"), child(p, "readinessProbe"), false, out);
    validateProbe(getObject(ctr, "startupProbe"), child(p, "startupProbe"), true, out);
    if (has(ctr, "restartPolicy"))
      out.push_back(forbidden(child(p, "restartPolicy"), "may not be set for non-init containers"));
  }
}

std::set<std::string> containerNames(const json::array& containers) {
  std::set<std::string> names;
  for (const auto& c : containers)
    if (c.is_object()) names.insert(str(c.as_object(), "name"));
  return names;
}

void validateInitContainers(const json::array& inits, const json::array& containers,
                            const std::set<std::string>& volumes, const std::string& path,
                            Causes& out) {
  std::set<std::string> names = containerNames(containers);
  for (size_t i = 0; i < inits.size(); ++i) {
    if (!inits[i].is_object()) continue;
    const auto& ctr = inits[i].as_object();
    std::string p = index(path, i);
    validateContainerCommon(ctr, volumes, p, out);
    std::string name = str(ctr, "name");
    if (names.count(name)) {
      out.push_back(duplicate(child(p, "name"), json::value(name)));
    } else {
      names.insert(name);
    }
    auto restart = getString(ctr, "restartPolicy");
    bool sidecar = restart && *restart == "Always";
    if (restart && !sidecar)
      out.push_back(notSupported(child(p, "restartPolicy"), json::value(*restart), {"Always"}));
    if (sidecar) {
      validateLifecycle(getObject(ctr, "lifecycle"), child(p, "lifecycle"), out);
      validateProbe(getObject(ctr, "livenessProbe"), child(p, "livenessProbe"), true, out);
      validateProbe(getObject(ctr, "readinessProbe"), child(p, "readinessProbe"), false, out);
      validateProbe(getObject(ctr, "startupProbe"), child(p, "startupProbe"), true, out);
    } else {
      for (auto k : {"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"})
        if (has(ctr, k))
          out.push_back(forbidden(
              child(p, k), "may not be set for init containers without restartPolicy=Always"));
    }
  }
}

void validateEphemeralContainers(const json::array& eph, const json::array& containers,
                                 const json::array& inits, const std::set<std::string>& volumes,
                                 const std::string& path, Causes& out) {
  std::set<std::string> others = containerNames(containers);
  for (const auto& n : containerNames(inits)) others.insert(n);
  std::set<std::string> names;
  for (size_t i = 0; i < eph.size(); ++i) {
    if (!eph[i].is_object()) continue;
    const auto& ctr = eph[i].as_object();
    std::string p = index(path, i);
    validateContainerCommon(ctr, volumes, p, out);
    std::string name = str(ctr, "name");
    if (names.count(name) || others.count(name)) {
      out.push_back(duplicate(child(p, "name"), json::value(name)));
    } else {
      names.insert(name);
    }
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

// --- scheduling ------------------------------------------------------------------------------

void validateNodeSelectorRequirement(const json::object& rq, const std::string& path,
                                     bool fieldSelector, Causes& out) {
  std::string op = str(rq, "operator");
  size_t n = arrayOr(rq, "values").size();
  if (op == "In" || op == "NotIn") {
    if (n == 0)
      out.push_back(
          required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (n > 0)
      out.push_back(
          forbidden(child(path, "values"),
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (op == "Gt" || op == "Lt") {
    if (n != 1)
      out.push_back(required(child(path, "values"),
                             "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else {
    out.push_back(
        invalid(child(path, "operator"), json::value(op), "not a valid selector operator"));
  }
  if (!fieldSelector) {
    std::string k = str(rq, "key");
    addMessages(out, isQualifiedName(k), child(path, "key"), json::value(k));
  }
}

void validateNodeSelectorTerm(const json::object& term, const std::string& path, Causes& out) {
  const auto& exprs = arrayOr(term, "matchExpressions");
  for (size_t i = 0; i < exprs.size(); ++i)
    if (exprs[i].is_object())
      validateNodeSelectorRequirement(exprs[i].as_object(),
                                      index(child(path, "matchExpressions"), i), false, out);
  const auto& fields = arrayOr(term, "matchFields");
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].is_object())
      validateNodeSelectorRequirement(fields[i].as_object(), index(child(path, "matchFields"), i),
                                      true, out);
}

void validatePodAffinityTerm(const json::object& term, const std::string& path, Causes& out) {
  append(out,
         validateLabelSelector(term.if_contains("labelSelector"), child(path, "labelSelector")));
  append(out, validateLabelSelector(term.if_contains("namespaceSelector"),
                                    child(path, "namespaceSelector")));
  const auto& nss = arrayOr(term, "namespaces");
  for (const auto& ns : nss)
    if (ns.is_string())
      addMessages(out, nameIsDnsLabel(ns.as_string(), false), child(path, "namespace"), ns);
  std::string key = str(term, "topologyKey");
  if (key.empty()) {
    out.push_back(required(child(path, "topologyKey"), "can not be empty"));
  } else {
    addMessages(out, isQualifiedName(key), child(path, "topologyKey"), json::value(key));
  }
}

void validatePodAffinity(const json::object& pa, const std::string& path, Causes& out) {
  const auto& req = arrayOr(pa, "requiredDuringSchedulingIgnoredDuringExecution");
  for (size_t i = 0; i < req.size(); ++i)
    if (req[i].is_object())
      validatePodAffinityTerm(
          req[i].as_object(),
          index(child(path, "requiredDuringSchedulingIgnoredDuringExecution"), i), out);
  const auto& pref = arrayOr(pa, "preferredDuringSchedulingIgnoredDuringExecution");
  for (size_t i = 0; i < pref.size(); ++i) {
    if (!pref[i].is_object()) continue;
    std::string p = index(child(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
    auto w = getInt(pref[i].as_object(), "weight").value_or(0);
    if (w <= 0 || w > 100)
      out.push_back(invalid(child(p, "weight"), json::value(w), "must be in the range 1-100"));
    if (const auto* t = getObject(pref[i].as_object(), "podAffinityTerm"))
      validatePodAffinityTerm(*t, child(p, "podAffinityTerm"), out);
  }
}

void validateAffinity(const json::object* aff, const std::string& path, Causes& out) {
  if (!aff) return;
  if (const auto* na = getObject(*aff, "nodeAffinity")) {
    std::string p = child(path, "nodeAffinity");
    if (const auto* req = getObject(*na, "requiredDuringSchedulingIgnoredDuringExecution")) {
      std::string rp = child(p, "requiredDuringSchedulingIgnoredDuringExecution");
      const auto& terms = arrayOr(*req, "nodeSelectorTerms");
      if (terms.empty())
        out.push_back(
            required(child(rp, "nodeSelectorTerms"), "must have at least one node selector term"));
      for (size_t i = 0; i < terms.size(); ++i)
        if (terms[i].is_object())
          validateNodeSelectorTerm(terms[i].as_object(), index(child(rp, "nodeSelectorTerms"), i),
                                   out);
    }
    const auto& pref = arrayOr(*na, "preferredDuringSchedulingIgnoredDuringExecution");
    for (size_t i = 0; i < pref.size(); ++i) {
      if (!pref[i].is_object()) continue;
      std::string pp = index(child(p, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      auto w = getInt(pref[i].as_object(), "weight").value_or(0);
      if (w <= 0 || w > 100)
        out.push_back(invalid(child(pp, "weight"), json::value(w), "must be in the range 1-100"));
      if (const auto* t = getObject(pref[i].as_object(), "preference"))
        validateNodeSelectorTerm(*t, child(pp, "preference"), out);
    }
  }
  if (const auto* pa = getObject(*aff, "podAffinity"))
    validatePodAffinity(*pa, child(path, "podAffinity"), out);
  if (const auto* pa = getObject(*aff, "podAntiAffinity"))
    validatePodAffinity(*pa, child(path, "podAntiAffinity"), out);
}

void validateTopologySpread(const json::array& constraints, const std::string& path, Causes& out) {
  std::set<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < constraints.size(); ++i) {
    if (!constraints[i].is_object()) continue;
    const auto& c = constraints[i].as_object();
    std::string p = index(path, i);
    auto skew = getInt(c, "maxSkew").value_or(0);
    if (skew <= 0)
      out.push_back(invalid(child(p, "maxSkew"), json::value(skew), "must be greater than zero"));
    std::string key = str(c, "topologyKey");
    if (key.empty()) {
      out.push_back(required(child(p, "topologyKey"), "can not be empty"));
    } else {
      addMessages(out, isQualifiedName(key), child(p, "topologyKey"), json::value(key));
    }
    std::string when = str(c, "whenUnsatisfiable");
    if (when != "DoNotSchedule" && when != "ScheduleAnyway")
      out.push_back(notSupported(child(p, "whenUnsatisfiable"), json::value(when),
                                 {"DoNotSchedule", "ScheduleAnyway"}));
    if (auto md = getInt(c, "minDomains"); md && *md <= 0)
      out.push_back(invalid(child(p, "minDomains"), json::value(*md), "must be greater than zero"));
    if (!seen.insert({key, when}).second)
      out.push_back(duplicate(child(p, "{topologyKey, whenUnsatisfiable}"),
                              json::value("{" + key + ", " + when + "}")));
    append(out, validateLabelSelector(c.if_contains("labelSelector"), child(p, "labelSelector")));
  }
}

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
      auto text = quantityText(kv.value());
      auto q = text ? parseQuantity(*text) : std::nullopt;
      if (!q) {
        out.push_back(invalid(p, kv.value(), kQuantityRegexError));
        continue;
      }
      if (q->negative && !q->isZero())
        out.push_back(
            invalid(p, json::value(canonicalString(*q)), "must be greater than or equal to 0"));
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
      auto reqText = quantityText(kv.value());
      auto req = reqText ? parseQuantity(*reqText) : std::nullopt;
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
      auto limText = quantityText(*limV);
      auto lim = limText ? parseQuantity(*limText) : std::nullopt;
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

Causes validateTolerations(const json::value* tolerations, std::string_view pathView) {
  Causes out;
  if (!tolerations || !tolerations->is_array()) return out;
  std::string path(pathView);
  const auto& list = tolerations->as_array();
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) continue;
    const auto& t = list[i].as_object();
    std::string p = index(path, i);
    std::string k = str(t, "key");
    std::string op = str(t, "operator");
    std::string effect = str(t, "effect");
    std::string value = str(t, "value");
    if (!k.empty()) addMessages(out, isQualifiedName(k), child(p, "key"), json::value(k));
    if (k.empty() && op != "Exists")
      out.push_back(invalid(child(p, "operator"), json::value(op),
                            "operator must be Exists when `key` is empty, which means \"match all "
                            "values and all keys\""));
    if (has(t, "tolerationSeconds") && effect != "NoExecute")
      out.push_back(invalid(child(p, "effect"), json::value(effect),
                            "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op == "Equal" || op.empty()) {
      auto errs = isValidLabelValue(value);
      if (!errs.empty()) {
        std::string joined;
        for (size_t j = 0; j < errs.size(); ++j) joined += (j ? ";" : "") + errs[j];
        out.push_back(invalid(child(p, "operator"), json::value(value), joined));
      }
    } else if (op == "Exists") {
      if (!value.empty())
        out.push_back(invalid(child(p, "operator"), list[i],
                              "value must be empty when `operator` is 'Exists'"));
    } else {
      out.push_back(notSupported(child(p, "operator"), json::value(op), {"Equal", "Exists"}));
    }
    if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" &&
        effect != "NoExecute")
      out.push_back(notSupported(child(p, "effect"), json::value(effect),
                                 {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
  }
  return out;
}

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
