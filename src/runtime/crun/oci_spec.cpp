#include "runtime/crun/oci_spec.h"

#include "common/json_util.h"
#include "common/quantity.h"
#include "runtime/crun/rootfs_users.h"
#include "runtime/crun/var_expansion.h"

#include <algorithm>
#include <set>

namespace cube::runtime::crun {

namespace bj = boost::json;

namespace {

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr int64_t kCpuPeriod = 100000;  // µs, the kubelet's CFS period
constexpr int64_t kMinCpuQuota = 1000;  // µs, the kernel's minimum
constexpr int64_t kMinShares = 2;
constexpr int64_t kMaxShares = 262144;
constexpr int64_t kSharesPerCpu = 1024;

// Every capability the kernel knows (for privileged and "ALL").
const std::vector<std::string>& allCapabilities() {
  static const std::vector<std::string> caps = {"CAP_CHOWN",
                                                "CAP_DAC_OVERRIDE",
                                                "CAP_DAC_READ_SEARCH",
                                                "CAP_FOWNER",
                                                "CAP_FSETID",
                                                "CAP_KILL",
                                                "CAP_SETGID",
                                                "CAP_SETUID",
                                                "CAP_SETPCAP",
                                                "CAP_LINUX_IMMUTABLE",
                                                "CAP_NET_BIND_SERVICE",
                                                "CAP_NET_BROADCAST",
                                                "CAP_NET_ADMIN",
                                                "CAP_NET_RAW",
                                                "CAP_IPC_LOCK",
                                                "CAP_IPC_OWNER",
                                                "CAP_SYS_MODULE",
                                                "CAP_SYS_RAWIO",
                                                "CAP_SYS_CHROOT",
                                                "CAP_SYS_PTRACE",
                                                "CAP_SYS_PACCT",
                                                "CAP_SYS_ADMIN",
                                                "CAP_SYS_BOOT",
                                                "CAP_SYS_NICE",
                                                "CAP_SYS_RESOURCE",
                                                "CAP_SYS_TIME",
                                                "CAP_SYS_TTY_CONFIG",
                                                "CAP_MKNOD",
                                                "CAP_LEASE",
                                                "CAP_AUDIT_WRITE",
                                                "CAP_AUDIT_CONTROL",
                                                "CAP_SETFCAP",
                                                "CAP_MAC_OVERRIDE",
                                                "CAP_MAC_ADMIN",
                                                "CAP_SYSLOG",
                                                "CAP_WAKE_ALARM",
                                                "CAP_BLOCK_SUSPEND",
                                                "CAP_AUDIT_READ",
                                                "CAP_PERFMON",
                                                "CAP_BPF",
                                                "CAP_CHECKPOINT_RESTORE"};
  return caps;
}

const std::vector<std::string>& maskedPaths() {
  static const std::vector<std::string> paths = {
      "/proc/acpi",          "/proc/asound",
      "/proc/kcore",         "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list",
      "/proc/timer_stats",   "/proc/sched_debug",
      "/sys/firmware",       "/sys/devices/virtual/powercap",
      "/proc/scsi"};
  return paths;
}

const std::vector<std::string>& readonlyPaths() {
  static const std::vector<std::string> paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                 "/proc/sysrq-trigger"};
  return paths;
}

// An ordered set of NAME=value, a later set replacing an earlier value in place.
class EnvList {
 public:
  void set(const std::string& name, const std::string& value) {
    auto it = index_.find(name);
    if (it != index_.end()) {
      entries_[it->second].second = value;
      return;
    }
    index_[name] = entries_.size();
    entries_.emplace_back(name, value);
  }
  void setEntry(const std::string& entry) {  // "NAME=value" (or "NAME", an empty value)
    auto eq = entry.find('=');
    if (eq == std::string::npos) {
      set(entry, "");
    } else {
      set(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  bool has(const std::string& name) const { return index_.count(name) > 0; }
  std::optional<std::string> get(std::string_view name) const {
    auto it = index_.find(std::string(name));
    if (it == index_.end()) return std::nullopt;
    return entries_[it->second].second;
  }
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::map<std::string, size_t> index_;
};

const bj::object& podSpec(const OciSpecInput& in) {
  static const bj::object empty;
  const auto* spec = in.pod ? json::getObject(*in.pod, "spec") : nullptr;
  return spec ? *spec : empty;
}

const bj::object& container(const OciSpecInput& in) {
  static const bj::object empty;
  return in.container ? *in.container : empty;
}

// The container's variables as the kubelet computes them: envFrom, then env in order, each
// value expanded against the variables before it and the service variables.
EnvList containerVars(const OciSpecInput& in) {
  EnvList vars;
  for (const auto& [k, v] : in.envFrom) vars.set(k, v);
  std::map<std::string, std::string> service(in.serviceEnv.begin(), in.serviceEnv.end());
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    if (auto v = vars.get(name)) return v;
    auto it = service.find(std::string(name));
    if (it != service.end()) return it->second;
    return std::nullopt;
  };
  if (const auto* env = json::getArray(container(in), "env")) {
    for (const auto& ev : *env) {
      if (!ev.is_object()) continue;
      const auto& e = ev.get_object();
      std::string name = json::getString(e, "name");
      std::string value = json::getString(e, "value");
      if (!value.empty()) {
        vars.set(name, expandVars(value, lookup));
      } else if (e.contains("valueFrom")) {
        auto it = in.valueFrom.find(name);
        if (it != in.valueFrom.end()) vars.set(name, it->second);
      } else {
        vars.set(name, "");
      }
    }
  }
  // Service variables come after, unless the container defines the name.
  for (const auto& [k, v] : in.serviceEnv) {
    if (!vars.has(k)) vars.set(k, v);
  }
  return vars;
}

std::string podHostname(const OciSpecInput& in) {
  std::string name = json::getString(podSpec(in), "hostname");
  if (name.empty() && in.pod) {
    if (const auto* meta = json::getObject(*in.pod, "metadata")) {
      name = json::getString(*meta, "name");
    }
  }
  // As the kubelet: at most 63 characters, no trailing '-' or '.' after truncation.
  if (name.size() > 63) {
    name.resize(63);
    while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  }
  return name;
}

bool isTty(const OciSpecInput& in) {
  return json::getBool(container(in), "tty");
}

// securityContext field, the container's over the pod's.
const bj::value* securityField(const OciSpecInput& in, std::string_view key) {
  if (const auto* sc = json::getObject(container(in), "securityContext")) {
    if (auto it = sc->find(key); it != sc->end() && !it->value().is_null()) return &it->value();
  }
  if (const auto* sc = json::getObject(podSpec(in), "securityContext")) {
    if (auto it = sc->find(key); it != sc->end() && !it->value().is_null()) return &it->value();
  }
  return nullptr;
}

const bj::object* containerSecurity(const OciSpecInput& in) {
  return json::getObject(container(in), "securityContext");
}

bool privileged(const OciSpecInput& in) {
  const auto* sc = containerSecurity(in);
  return sc && json::getBool(*sc, "privileged");
}

struct ProcessUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additionalGids;
};

std::optional<int64_t> securityInt(const OciSpecInput& in, std::string_view key) {
  const auto* v = securityField(in, key);
  if (!v || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

ProcessUser processUser(const OciSpecInput& in) {
  auto passwd = readPasswd(in.rootfsPath);
  auto groups = readGroup(in.rootfsPath);
  ProcessUser user;
  std::string userName;  // for group memberships, when known
  auto runAsUser = securityInt(in, "runAsUser");
  auto runAsGroup = securityInt(in, "runAsGroup");
  auto gidOfUid = [&](uint32_t uid) -> uint32_t {
    for (const auto& p : passwd) {
      if (p.uid == uid) {
        userName = p.name;
        return p.gid;
      }
    }
    return 0;
  };
  if (runAsUser) {
    user.uid = static_cast<uint32_t>(*runAsUser);
    user.gid = gidOfUid(user.uid);
  } else {
    std::string spec = in.image.user;
    std::string userPart = spec, groupPart;
    if (auto colon = spec.find(':'); colon != std::string::npos) {
      userPart = spec.substr(0, colon);
      groupPart = spec.substr(colon + 1);
    }
    if (userPart.empty()) {
      user.uid = 0;
      user.gid = gidOfUid(0);
    } else if (auto uid = parseId(userPart)) {
      user.uid = *uid;
      user.gid = gidOfUid(*uid);
    } else {
      auto it = std::find_if(passwd.begin(), passwd.end(),
                             [&](const PasswdEntry& p) { return p.name == userPart; });
      if (it == passwd.end()) {
        throw SpecError("unable to find user " + userPart + ": no matching entries in passwd file");
      }
      user.uid = it->uid;
      user.gid = it->gid;
      userName = it->name;
    }
    if (!groupPart.empty()) {
      if (auto gid = parseId(groupPart)) {
        user.gid = *gid;
      } else {
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const GroupEntry& g) { return g.name == groupPart; });
        if (it == groups.end()) {
          throw SpecError("unable to find group " + groupPart +
                          ": no matching entries in group file");
        }
        user.gid = it->gid;
      }
    }
  }
  if (runAsGroup) user.gid = static_cast<uint32_t>(*runAsGroup);

  const auto* nonRoot = securityField(in, "runAsNonRoot");
  if (nonRoot && nonRoot->is_bool() && nonRoot->get_bool() && user.uid == 0) {
    throw SpecError(runAsUser ? "container's runAsUser breaks non-root policy"
                              : "container has runAsNonRoot and image will run as root");
  }

  // The primary gid is always among them (containerd puts it there); the user's /etc/group
  // memberships join unless supplementalGroupsPolicy is Strict.
  std::set<uint32_t> extra{user.gid};
  const auto* podSc = json::getObject(podSpec(in), "securityContext");
  bool strict = podSc && json::getString(*podSc, "supplementalGroupsPolicy") == "Strict";
  if (!userName.empty() && !strict) {
    for (const auto& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), userName) != g.members.end()) {
        extra.insert(g.gid);
      }
    }
  }
  if (const auto* psc = podSc) {
    if (const auto* sg = json::getArray(*psc, "supplementalGroups")) {
      for (const auto& g : *sg) {
        if (g.is_int64() && g.as_int64() >= 0) extra.insert(static_cast<uint32_t>(g.as_int64()));
      }
    }
    if (auto it = psc->find("fsGroup"); it != psc->end() && it->value().is_int64()) {
      extra.insert(static_cast<uint32_t>(it->value().as_int64()));
    }
  }
  user.additionalGids.assign(extra.begin(), extra.end());
  return user;
}

// --- capabilities -----------------------------------------------------------------------------

std::string capName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), ::toupper);
  if (name.rfind("CAP_", 0) != 0) name = "CAP_" + name;
  return name;
}

std::vector<std::string> capabilities(const OciSpecInput& in) {
  if (privileged(in)) return allCapabilities();
  std::vector<std::string> add, drop;
  if (const auto* sc = containerSecurity(in)) {
    if (const auto* caps = json::getObject(*sc, "capabilities")) {
      for (auto& c : json::getStrings(*caps, "add")) add.push_back(capName(c));
      for (auto& c : json::getStrings(*caps, "drop")) drop.push_back(capName(c));
    }
  }
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  if (has(add, "CAP_ALL")) return allCapabilities();
  std::vector<std::string> caps;
  if (!has(drop, "CAP_ALL")) {
    for (const auto& c : defaultCapabilities()) {
      if (!has(drop, c)) caps.push_back(c);
    }
  }
  for (const auto& c : add) {
    if (!has(caps, c)) caps.push_back(c);
  }
  return caps;
}

// --- resources --------------------------------------------------------------------------------

std::optional<std::string> resourceString(const OciSpecInput& in, std::string_view section,
                                          std::string_view name) {
  const auto* res = json::getObject(container(in), "resources");
  const auto* sec = res ? json::getObject(*res, section) : nullptr;
  if (!sec) return std::nullopt;
  auto it = sec->find(name);
  if (it == sec->end()) return std::nullopt;
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().as_int64());
  return std::nullopt;
}

int64_t milliOf(const std::string& q, std::string_view what) {
  auto v = quantityMilliValue(q);
  if (!v) throw SpecError("invalid quantity for " + std::string(what) + ": " + q);
  return *v;
}

int64_t sharesFromMilli(int64_t milli) {
  if (milli == 0) return kMinShares;
  int64_t shares = milli * kSharesPerCpu / 1000;
  return std::clamp(shares, kMinShares, kMaxShares);
}

bj::object resources(const OciSpecInput& in) {
  bj::object r;
  bj::array devices;
  devices.push_back(bj::object{{"allow", privileged(in)}, {"access", "rwm"}});
  r["devices"] = std::move(devices);

  if (auto mem = resourceString(in, "limits", "memory")) {
    auto bytes = quantityValue(*mem);
    if (!bytes) throw SpecError("invalid quantity for memory limit: " + *mem);
    if (*bytes > 0) r["memory"] = bj::object{{"limit", *bytes}};
  }

  bj::object cpu;
  auto request = resourceString(in, "requests", "cpu");
  auto limit = resourceString(in, "limits", "cpu");
  int64_t requestMilli = request ? milliOf(*request, "cpu request") : 0;
  int64_t limitMilli = limit ? milliOf(*limit, "cpu limit") : 0;
  cpu["shares"] = sharesFromMilli(requestMilli == 0 && limitMilli != 0 ? limitMilli : requestMilli);
  if (limitMilli > 0) {
    cpu["quota"] = std::max(limitMilli * kCpuPeriod / 1000, kMinCpuQuota);
    cpu["period"] = kCpuPeriod;
  }
  r["cpu"] = std::move(cpu);

  if (in.pidsLimit && *in.pidsLimit > 0) r["pids"] = bj::object{{"limit", *in.pidsLimit}};
  return r;
}

// --- mounts -----------------------------------------------------------------------------------

bj::object mount(const std::string& dest, const std::string& type, const std::string& source,
                 const std::vector<std::string>& options) {
  return bj::object{{"destination", dest},
                    {"type", type},
                    {"source", source},
                    {"options", json::toArray(options)}};
}

bj::object bindMount(const std::string& dest, const std::string& source, bool readOnly) {
  return mount(dest, "bind", source, {"rbind", "rprivate", readOnly ? "ro" : "rw"});
}

size_t pathDepth(const std::string& p) {
  size_t n = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '/' && i + 1 < p.size() && p[i + 1] != '/') ++n;
  }
  return n;
}

bj::array mounts(const OciSpecInput& in, bool readOnlyRoot) {
  bool priv = privileged(in);
  bj::array m;
  m.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
  m.push_back(
      mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
  m.push_back(mount("/dev/pts", "devpts", "devpts",
                    {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}));
  if (in.podFiles.shm.empty()) {
    m.push_back(mount("/dev/shm", "tmpfs", "shm",
                      {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
  } else {
    m.push_back(bindMount("/dev/shm", in.podFiles.shm, false));
  }
  m.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  m.push_back(mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", priv ? "rw" : "ro"}));
  m.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup",
                    {"nosuid", "noexec", "nodev", "relatime", priv ? "rw" : "ro"}));

  // The pod's files: /etc/hosts stays writable (the kubelet mounts it so); resolv.conf and
  // hostname follow readOnlyRootFilesystem (containerd mounts them so).
  if (!in.podFiles.hosts.empty()) m.push_back(bindMount("/etc/hosts", in.podFiles.hosts, false));
  if (!in.podFiles.resolvConf.empty()) {
    m.push_back(bindMount("/etc/resolv.conf", in.podFiles.resolvConf, readOnlyRoot));
  }
  if (!in.podFiles.hostname.empty()) {
    m.push_back(bindMount("/etc/hostname", in.podFiles.hostname, readOnlyRoot));
  }

  // Volumes, parents before children (containerd sorts them by depth).
  std::vector<VolumeMount> volumes = in.volumes;
  std::stable_sort(volumes.begin(), volumes.end(), [](const auto& a, const auto& b) {
    return pathDepth(a.containerPath) < pathDepth(b.containerPath);
  });
  for (const auto& v : volumes) m.push_back(bindMount(v.containerPath, v.source, v.readOnly));
  return m;
}

bj::array namespaces(const OciSpecInput& in) {
  const auto& spec = podSpec(in);
  bj::array ns;
  auto add = [&](const char* type, const std::string& path) {
    bj::object o{{"type", type}};
    if (!path.empty()) o["path"] = path;
    ns.push_back(std::move(o));
  };
  if (!json::getBool(spec, "hostPID")) add("pid", "");
  if (!json::getBool(spec, "hostNetwork")) {
    add("network", in.namespaces.network);
    add("uts", in.namespaces.uts);  // a host-network pod has the host's name too
  }
  if (!json::getBool(spec, "hostIPC")) add("ipc", in.namespaces.ipc);
  add("mount", "");
  return ns;
}

}  // namespace

const std::vector<std::string>& defaultCapabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

std::vector<std::string> processArgs(const OciSpecInput& in) {
  auto command = json::getStrings(container(in), "command");
  auto args = json::getStrings(container(in), "args");
  EnvList vars = containerVars(in);
  auto lookup = [&](std::string_view name) { return vars.get(name); };
  for (auto& c : command) c = expandVars(c, lookup);
  for (auto& a : args) a = expandVars(a, lookup);

  std::vector<std::string> out;
  if (!command.empty()) {
    out = command;  // replaces ENTRYPOINT; the image CMD is ignored
    out.insert(out.end(), args.begin(), args.end());
  } else {
    out = in.image.entrypoint;
    const auto& tail = args.empty() ? in.image.cmd : args;
    out.insert(out.end(), tail.begin(), tail.end());
  }
  if (out.empty()) throw SpecError("no command specified");
  return out;
}

std::vector<std::string> processEnv(const OciSpecInput& in) {
  EnvList env;
  env.setEntry(kDefaultPath);
  env.set("HOSTNAME", podHostname(in));
  if (isTty(in)) env.set("TERM", "xterm");
  for (const auto& e : in.image.env) env.setEntry(e);
  EnvList vars = containerVars(in);  // kept alive: entries() is a reference into it
  for (const auto& [k, v] : vars.entries()) env.set(k, v);
  std::vector<std::string> out;
  for (const auto& [k, v] : env.entries()) out.push_back(k + "=" + v);
  return out;
}

bj::object buildOciSpec(const OciSpecInput& in) {
  const auto& c = container(in);
  bool priv = privileged(in);
  const auto* sc = containerSecurity(in);
  bool readOnlyRoot = sc && json::getBool(*sc, "readOnlyRootFilesystem");

  ProcessUser user = processUser(in);
  bj::object userObj{{"uid", int64_t{user.uid}}, {"gid", int64_t{user.gid}}};
  if (!user.additionalGids.empty()) {
    bj::array gids;
    for (auto g : user.additionalGids) gids.emplace_back(int64_t{g});
    userObj["additionalGids"] = std::move(gids);
  }

  std::string cwd = json::getString(c, "workingDir");
  if (cwd.empty()) cwd = in.image.workingDir;
  if (cwd.empty()) cwd = "/";

  bj::array caps = json::toArray(capabilities(in));
  bj::object process{
      {"terminal", isTty(in)},
      {"user", std::move(userObj)},
      {"args", json::toArray(processArgs(in))},
      {"env", json::toArray(processEnv(in))},
      {"cwd", cwd},
      {"capabilities", bj::object{{"bounding", caps},
                                  {"effective", caps},
                                  {"permitted", caps},
                                  {"inheritable", bj::array{}},
                                  {"ambient", bj::array{}}}},
  };
  // allowPrivilegeEscalation: false → no_new_privs (unset means allowed, as Kubernetes).
  if (sc) {
    if (auto it = sc->find("allowPrivilegeEscalation");
        it != sc->end() && it->value().is_bool() && !it->value().get_bool()) {
      process["noNewPrivileges"] = true;
    }
  }

  bj::object linuxSection{
      {"resources", resources(in)},
      {"namespaces", namespaces(in)},
  };
  if (!in.cgroupsPath.empty()) linuxSection["cgroupsPath"] = in.cgroupsPath;
  if (!priv) {
    linuxSection["maskedPaths"] = json::toArray(maskedPaths());
    linuxSection["readonlyPaths"] = json::toArray(readonlyPaths());
  }
  if (const auto* psc = json::getObject(podSpec(in), "securityContext")) {
    if (const auto* sysctls = json::getArray(*psc, "sysctls")) {
      bj::object s;
      for (const auto& v : *sysctls) {
        if (v.is_object()) {
          s[json::getString(v.get_object(), "name")] = json::getString(v.get_object(), "value");
        }
      }
      if (!s.empty()) linuxSection["sysctl"] = std::move(s);
    }
  }

  bj::object spec{
      {"ociVersion", "1.0.2"},
      {"process", std::move(process)},
      {"root", bj::object{{"path", in.rootfsPath}, {"readonly", readOnlyRoot}}},
      {"mounts", mounts(in, readOnlyRoot)},
      {"linux", std::move(linuxSection)},
  };
  // The hostname lives in the pod's UTS namespace; a host-network pod keeps the host's.
  if (!json::getBool(podSpec(in), "hostNetwork")) spec["hostname"] = podHostname(in);
  return spec;
}

}  // namespace cube::runtime::crun
