// The OCI config for a container, rule by rule (see oci_spec.h), and `$(VAR)` expansion.
#include "runtime/crun/oci_spec.h"

#include "common/json_util.h"
#include "runtime/crun/var_expansion.h"
#include "test_archives.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace cube::runtime::crun {
namespace {

namespace bj = boost::json;
using images::testing::TempDir;
using images::testing::writeFile;
using Strings = std::vector<std::string>;

// --- $(VAR) expansion ---------------------------------------------------------------------------

std::string expand(std::string_view s) {
  return expandVars(s, [](std::string_view name) -> std::optional<std::string> {
    if (name == "A") return std::string("a");
    if (name == "EMPTY") return std::string();
    return std::nullopt;
  });
}

TEST(VarExpansion, KubernetesRules) {
  EXPECT_EQ(expand("$(A)"), "a");
  EXPECT_EQ(expand("x$(A)y$(A)"), "xaya");
  EXPECT_EQ(expand("$(EMPTY)!"), "!");
  EXPECT_EQ(expand("$(UNKNOWN)"), "$(UNKNOWN)");  // unknown: verbatim
  EXPECT_EQ(expand("$$(A)"), "$(A)");             // escaped
  EXPECT_EQ(expand("$$$(A)"), "$a");
  EXPECT_EQ(expand("$$"), "$");
  EXPECT_EQ(expand("$$$$"), "$$");
  EXPECT_EQ(expand("$A"), "$A");  // not a reference
  EXPECT_EQ(expand("$"), "$");
  EXPECT_EQ(expand("a$"), "a$");
  EXPECT_EQ(expand("$(A"), "$(A");        // unclosed
  EXPECT_EQ(expand("$($(A)"), "$($(A)");  // the name runs to the first ')': "$(A" is unknown
  EXPECT_EQ(expand("$()"), "$()");
  EXPECT_EQ(expand("$(A)$(A"), "a$(A");
  EXPECT_EQ(expand("no refs"), "no refs");
}

// --- the spec -----------------------------------------------------------------------------------

struct Fixture {
  bj::object pod;
  bj::object container;
  OciSpecInput in;
  explicit Fixture(const std::string& containerJson, const std::string& podSpecJson = "{}") {
    pod = json::parse(R"({"metadata":{"name":"web-0","namespace":"ns","uid":"u1"},"spec":)" +
                      podSpecJson + "}")
              .as_object();
    container = json::parse(containerJson).as_object();
    in.pod = &pod;
    in.container = &container;
    in.rootfsPath = "/c/rootfs";
    in.image.entrypoint = {"/entry"};
    in.image.cmd = {"cmd1", "cmd2"};
    in.image.env = {"PATH=/image/bin", "IMG=1", "SHARED=image"};
  }
  bj::object spec() { return buildOciSpec(in); }
};

Strings strings(const bj::value& v) {
  Strings out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

const bj::object* findMount(const bj::object& spec, const std::string& dest) {
  for (const auto& m : spec.at("mounts").as_array()) {
    if (m.at("destination").as_string() == dest) return &m.as_object();
  }
  return nullptr;
}

TEST(OciSpec, NoCommandOrArgsRunsEntrypointAndCmd) {
  Fixture f(R"({"name":"c"})");
  EXPECT_EQ(processArgs(f.in), (Strings{"/entry", "cmd1", "cmd2"}));
}

TEST(OciSpec, CommandReplacesEntrypointAndDropsCmd) {
  Fixture f(R"({"name":"c","command":["/bin/x"]})");
  EXPECT_EQ(processArgs(f.in), (Strings{"/bin/x"}));
}

TEST(OciSpec, ArgsReplaceCmdOnly) {
  Fixture f(R"({"name":"c","args":["a1"]})");
  EXPECT_EQ(processArgs(f.in), (Strings{"/entry", "a1"}));
}

TEST(OciSpec, CommandAndArgs) {
  Fixture f(R"({"name":"c","command":["/bin/x"],"args":["a1","a2"]})");
  EXPECT_EQ(processArgs(f.in), (Strings{"/bin/x", "a1", "a2"}));
}

TEST(OciSpec, ArgsWithoutEntrypointRunArgs) {
  Fixture f(R"({"name":"c","args":["sh","-c","x"]})");
  f.in.image.entrypoint.clear();
  EXPECT_EQ(processArgs(f.in), (Strings{"sh", "-c", "x"}));
}

TEST(OciSpec, NothingToRunIsAnError) {
  Fixture f(R"({"name":"c"})");
  f.in.image.entrypoint.clear();
  f.in.image.cmd.clear();
  EXPECT_THROW(f.spec(), SpecError);
}

TEST(OciSpec, CommandAndArgsExpandContainerVariablesOnly) {
  Fixture f(R"J({"name":"c","command":["echo","$(GREETING)","$(IMG)","$$(GREETING)"],
      "args":["$(GREETING)-$(MISSING)"],"env":[{"name":"GREETING","value":"hi"}]})J");
  // IMG is the image's: command expansion does not see it.
  EXPECT_EQ(processArgs(f.in), (Strings{"echo", "hi", "$(IMG)", "$(GREETING)", "hi-$(MISSING)"}));
}

TEST(OciSpec, EnvImageThenContainerContainerWins) {
  Fixture f(
      R"({"name":"c","env":[{"name":"SHARED","value":"container"},{"name":"NEW","value":"n"}]})");
  EXPECT_EQ(processEnv(f.in),
            (Strings{"PATH=/image/bin", "HOSTNAME=web-0", "IMG=1", "SHARED=container", "NEW=n"}));
}

TEST(OciSpec, EnvDefaultPathAndTerm) {
  Fixture f(R"({"name":"c","tty":true})");
  f.in.image.env = {"X=1"};
  EXPECT_EQ(processEnv(f.in),
            (Strings{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                     "HOSTNAME=web-0", "TERM=xterm", "X=1"}));
  EXPECT_TRUE(f.spec().at("process").at("terminal").as_bool());
  Fixture g(R"({"name":"c"})");
  EXPECT_FALSE(g.spec().at("process").at("terminal").as_bool());
}

TEST(OciSpec, EnvValuesExpandEarlierVariablesOnly) {
  Fixture f(R"J({"name":"c","env":[
      {"name":"A","value":"a"},
      {"name":"B","value":"$(A)-$(C)-$(IMG)-$$(A)-$(SVC)"},
      {"name":"C","value":"c"},
      {"name":"FROM","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
      {"name":"UNRESOLVED","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}},
      {"name":"EMPTY"}]
})J");
  f.in.image.env.clear();
  f.in.envFrom = {{"E1", "from-cm"}, {"A", "overridden-by-env"}};
  f.in.valueFrom = {{"FROM", "web-0"}};
  f.in.serviceEnv = {{"SVC", "10.43.0.1"}, {"A", "svc-loses"}};
  EXPECT_EQ(processEnv(f.in),
            (Strings{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                     "HOSTNAME=web-0", "E1=from-cm", "A=a", "B=a-$(C)-$(IMG)-$(A)-10.43.0.1", "C=c",
                     "FROM=web-0", "EMPTY=", "SVC=10.43.0.1"}));
}

TEST(OciSpec, WorkingDir) {
  Fixture f(R"({"name":"c","workingDir":"/work"})");
  f.in.image.workingDir = "/img";
  EXPECT_EQ(f.spec().at("process").at("cwd").as_string(), "/work");
  Fixture g(R"({"name":"c"})");
  g.in.image.workingDir = "/img";
  EXPECT_EQ(g.spec().at("process").at("cwd").as_string(), "/img");
  Fixture h(R"({"name":"c"})");
  EXPECT_EQ(h.spec().at("process").at("cwd").as_string(), "/");
}

bj::object user(Fixture& f) {
  return f.spec().at("process").at("user").as_object();
}

TEST(OciSpec, UserFromSecurityContextContainerOverPod) {
  Fixture f(R"({"name":"c","securityContext":{"runAsUser":1000}})",
            R"({"securityContext":{"runAsUser":2000,"runAsGroup":3000}})");
  f.in.image.user = "500:500";
  auto u = user(f);
  EXPECT_EQ(u.at("uid").as_int64(), 1000);
  EXPECT_EQ(u.at("gid").as_int64(), 3000);  // the pod's runAsGroup still applies
  Fixture g(R"({"name":"c"})", R"({"securityContext":{"runAsUser":2000}})");
  EXPECT_EQ(user(g).at("uid").as_int64(), 2000);
  EXPECT_EQ(user(g).at("gid").as_int64(), 0);  // no passwd entry
}

TEST(OciSpec, UserFromImage) {
  Fixture f(R"({"name":"c"})");
  f.in.image.user = "123:456";
  EXPECT_EQ(user(f).at("uid").as_int64(), 123);
  EXPECT_EQ(user(f).at("gid").as_int64(), 456);
  Fixture g(R"({"name":"c","securityContext":{"runAsGroup":7}})");
  g.in.image.user = "123";
  EXPECT_EQ(user(g).at("uid").as_int64(), 123);
  EXPECT_EQ(user(g).at("gid").as_int64(), 7);
  Fixture h(R"({"name":"c"})");
  EXPECT_EQ(user(h).at("uid").as_int64(), 0);
  // containerd always lists the primary gid among the additional ones.
  EXPECT_EQ(json::serialize(user(h).at("additionalGids")), "[0]");
}

TEST(OciSpec, UserNamesAndGroupsFromTheRootfs) {
  TempDir root;
  std::filesystem::create_directories(root / "etc");
  writeFile(root / "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1002::/home/app:/bin/sh\n");
  writeFile(root / "etc/group", "root:x:0:\napp:x:1002:\nextra:x:2000:app,other\nwww:x:33:\n");
  Fixture f(R"({"name":"c"})",
            R"({"securityContext":{"supplementalGroups":[5000],"fsGroup":6000}})");
  f.in.rootfsPath = root.path();
  f.in.image.user = "app";
  auto u = user(f);
  EXPECT_EQ(u.at("uid").as_int64(), 1001);
  EXPECT_EQ(u.at("gid").as_int64(), 1002);
  EXPECT_EQ(json::serialize(u.at("additionalGids")), "[1002,2000,5000,6000]");
  f.in.image.user = "app:www";
  EXPECT_EQ(user(f).at("gid").as_int64(), 33);
  f.in.image.user = "1001";  // a uid's gid comes from passwd
  EXPECT_EQ(user(f).at("gid").as_int64(), 1002);
  f.in.image.user = "nobody";
  EXPECT_THROW(f.spec(), SpecError);
  f.in.image.user = "app:nogroup";
  EXPECT_THROW(f.spec(), SpecError);
}

TEST(OciSpec, FsGroupAndSupplementalGroupsAsKubernetesDocsShowThem) {
  // The Kubernetes docs' security-context example: `id` prints groups=2000,3000,4000.
  Fixture f(R"({"name":"c"})", R"({"securityContext":{"runAsUser":1000,"runAsGroup":3000,
                                   "fsGroup":2000,"supplementalGroups":[4000]}})");
  auto u = user(f);
  EXPECT_EQ(u.at("uid").as_int64(), 1000);
  EXPECT_EQ(u.at("gid").as_int64(), 3000);
  EXPECT_EQ(json::serialize(u.at("additionalGids")), "[2000,3000,4000]");
}

TEST(OciSpec, StrictSupplementalGroupsLeaveOutTheImagesGroupFile) {
  TempDir root;
  std::filesystem::create_directories(root / "etc");
  writeFile(root / "etc/passwd", "app:x:1001:1002::/home/app:/bin/sh\n");
  writeFile(root / "etc/group", "app:x:1002:\nextra:x:2000:app\n");
  Fixture f(R"({"name":"c"})", R"({"securityContext":{"supplementalGroups":[5000]}})");
  f.in.rootfsPath = root.path();
  f.in.image.user = "app";
  EXPECT_EQ(json::serialize(user(f).at("additionalGids")), "[1002,2000,5000]");  // Merge
  Fixture g(R"({"name":"c"})", R"({"securityContext":{"supplementalGroups":[5000],
                                   "supplementalGroupsPolicy":"Strict"}})");
  g.in.rootfsPath = root.path();
  g.in.image.user = "app";
  EXPECT_EQ(json::serialize(user(g).at("additionalGids")), "[1002,5000]");
}

TEST(OciSpec, RunAsNonRoot) {
  Fixture f(R"({"name":"c","securityContext":{"runAsNonRoot":true}})");
  EXPECT_THROW(f.spec(), SpecError);  // the image runs as root
  f.in.image.user = "10";
  EXPECT_NO_THROW(f.spec());
  Fixture g(R"({"name":"c","securityContext":{"runAsUser":0}})",
            R"({"securityContext":{"runAsNonRoot":true}})");
  EXPECT_THROW(g.spec(), SpecError);
}

TEST(OciSpec, ReadOnlyRootFilesystem) {
  Fixture f(R"({"name":"c","securityContext":{"readOnlyRootFilesystem":true}})");
  f.in.podFiles = {"/p/hosts", "/p/resolv.conf", "/p/hostname", ""};
  auto spec = f.spec();
  EXPECT_EQ(spec.at("root").at("path").as_string(), "/c/rootfs");
  EXPECT_TRUE(spec.at("root").at("readonly").as_bool());
  EXPECT_EQ(strings(findMount(spec, "/etc/hosts")->at("options")),
            (Strings{"rbind", "rprivate", "rw"}));
  EXPECT_EQ(strings(findMount(spec, "/etc/resolv.conf")->at("options")),
            (Strings{"rbind", "rprivate", "ro"}));
  EXPECT_EQ(findMount(spec, "/etc/hostname")->at("source").as_string(), "/p/hostname");
  Fixture g(R"({"name":"c"})");
  EXPECT_FALSE(g.spec().at("root").at("readonly").as_bool());
}

Strings caps(Fixture& f) {
  auto c = f.spec().at("process").at("capabilities").as_object();
  Strings eff = strings(c.at("effective"));
  EXPECT_EQ(eff, strings(c.at("bounding")));
  EXPECT_EQ(eff, strings(c.at("permitted")));
  EXPECT_TRUE(c.at("inheritable").as_array().empty());
  EXPECT_TRUE(c.at("ambient").as_array().empty());
  return eff;
}

TEST(OciSpec, DefaultCapabilities) {
  Fixture f(R"({"name":"c"})");
  EXPECT_EQ(caps(f), defaultCapabilities());
  EXPECT_EQ(defaultCapabilities().size(), 14u);
}

TEST(OciSpec, CapabilitiesAddAndDrop) {
  Fixture f(
      R"({"name":"c","securityContext":{"capabilities":{"add":["NET_ADMIN","CHOWN"],"drop":["MKNOD","CAP_NET_RAW"]}}})");
  Strings expected;
  for (const auto& c : defaultCapabilities()) {
    if (c != "CAP_MKNOD" && c != "CAP_NET_RAW") expected.push_back(c);
  }
  expected.push_back("CAP_NET_ADMIN");
  EXPECT_EQ(caps(f), expected);
  Fixture g(
      R"({"name":"c","securityContext":{"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}})");
  EXPECT_EQ(caps(g), (Strings{"CAP_NET_BIND_SERVICE"}));
  Fixture h(R"({"name":"c","securityContext":{"capabilities":{"add":["ALL"]}}})");
  EXPECT_EQ(caps(h).size(), 41u);
}

TEST(OciSpec, Privileged) {
  Fixture f(R"({"name":"c","securityContext":{"privileged":true}})");
  auto spec = f.spec();
  EXPECT_EQ(caps(f).size(), 41u);
  EXPECT_FALSE(spec.at("linux").as_object().contains("maskedPaths"));
  EXPECT_FALSE(spec.at("linux").as_object().contains("readonlyPaths"));
  EXPECT_FALSE(spec.at("linux").as_object().contains("seccomp"));
  EXPECT_EQ(strings(findMount(spec, "/sys")->at("options")).back(), "rw");
  EXPECT_TRUE(spec.at("linux").at("resources").at("devices").at(0).at("allow").as_bool());

  Fixture g(R"({"name":"c"})");
  auto normal = g.spec();
  EXPECT_FALSE(normal.at("linux").as_object().contains("seccomp"));  // Unconfined, the default
  EXPECT_EQ(strings(findMount(normal, "/sys")->at("options")).back(), "ro");
  EXPECT_FALSE(normal.at("linux").at("resources").at("devices").at(0).at("allow").as_bool());
  EXPECT_EQ(
      strings(normal.at("linux").at("maskedPaths")),
      (Strings{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
               "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
               "/sys/devices/virtual/powercap", "/proc/scsi"}));
  EXPECT_EQ(strings(normal.at("linux").at("readonlyPaths")),
            (Strings{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}));
}

TEST(OciSpec, AllowPrivilegeEscalation) {
  Fixture f(R"({"name":"c","securityContext":{"allowPrivilegeEscalation":false}})");
  EXPECT_TRUE(f.spec().at("process").at("noNewPrivileges").as_bool());
  Fixture g(R"({"name":"c"})");
  EXPECT_FALSE(g.spec().at("process").as_object().contains("noNewPrivileges"));
}

TEST(OciSpec, Hostname) {
  Fixture f(R"({"name":"c"})");
  EXPECT_EQ(f.spec().at("hostname").as_string(), "web-0");
  Fixture g(R"({"name":"c"})", R"({"hostname":"custom"})");
  EXPECT_EQ(g.spec().at("hostname").as_string(), "custom");
  Fixture h(R"({"name":"c"})", R"({"hostNetwork":true})");
  EXPECT_FALSE(h.spec().contains("hostname"));
  Fixture l(R"({"name":"c"})");
  l.pod["metadata"].as_object()["name"] = std::string(62, 'a') + "-b";  // cut to 63, '-' trimmed
  EXPECT_EQ(l.spec().at("hostname").as_string(), std::string(62, 'a'));
}

bj::object resources(Fixture& f) {
  return f.spec().at("linux").at("resources").as_object();
}

TEST(OciSpec, MemoryLimit) {
  Fixture f(R"({"name":"c","resources":{"limits":{"memory":"64Mi"}}})");
  EXPECT_EQ(resources(f).at("memory").at("limit").as_int64(), 64 * 1024 * 1024);
  Fixture g(R"({"name":"c","resources":{"limits":{"memory":"1G"}}})");
  EXPECT_EQ(resources(g).at("memory").at("limit").as_int64(), 1000000000);
  Fixture h(R"({"name":"c"})");
  EXPECT_FALSE(resources(h).contains("memory"));
  Fixture bad(R"({"name":"c","resources":{"limits":{"memory":"lots"}}})");
  EXPECT_THROW(bad.spec(), SpecError);
}

TEST(OciSpec, CpuLimitAndRequest) {
  Fixture f(R"({"name":"c","resources":{"limits":{"cpu":"500m"},"requests":{"cpu":"250m"}}})");
  auto cpu = resources(f).at("cpu").as_object();
  EXPECT_EQ(cpu.at("quota").as_int64(), 50000);
  EXPECT_EQ(cpu.at("period").as_int64(), 100000);
  EXPECT_EQ(cpu.at("shares").as_int64(), 256);
  Fixture two(R"({"name":"c","resources":{"limits":{"cpu":"2"},"requests":{"cpu":"1.5"}}})");
  EXPECT_EQ(resources(two).at("cpu").at("quota").as_int64(), 200000);
  EXPECT_EQ(resources(two).at("cpu").at("shares").as_int64(), 1536);
  Fixture tiny(R"({"name":"c","resources":{"limits":{"cpu":"1m"},"requests":{"cpu":"1m"}}})");
  EXPECT_EQ(resources(tiny).at("cpu").at("quota").as_int64(), 1000);  // the kernel's minimum
  EXPECT_EQ(resources(tiny).at("cpu").at("shares").as_int64(), 2);
  Fixture none(R"({"name":"c"})");
  EXPECT_EQ(resources(none).at("cpu").at("shares").as_int64(), 2);  // best effort
  EXPECT_FALSE(resources(none).at("cpu").as_object().contains("quota"));
  Fixture limitOnly(R"({"name":"c","resources":{"limits":{"cpu":"100m"}}})");
  EXPECT_EQ(resources(limitOnly).at("cpu").at("shares").as_int64(), 102);  // request = limit
  Fixture huge(R"({"name":"c","resources":{"requests":{"cpu":"1000"}}})");
  EXPECT_EQ(resources(huge).at("cpu").at("shares").as_int64(), 262144);
}

TEST(OciSpec, PidsLimit) {
  Fixture f(R"({"name":"c"})");
  EXPECT_FALSE(resources(f).contains("pids"));
  f.in.pidsLimit = 100;
  EXPECT_EQ(resources(f).at("pids").at("limit").as_int64(), 100);
}

TEST(OciSpec, StandardMounts) {
  Fixture f(R"({"name":"c"})");
  auto spec = f.spec();
  Strings dests;
  for (const auto& m : spec.at("mounts").as_array())
    dests.emplace_back(m.at("destination").as_string());
  EXPECT_EQ(dests, (Strings{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                            "/sys/fs/cgroup"}));
  EXPECT_EQ(findMount(spec, "/proc")->at("type").as_string(), "proc");
  EXPECT_EQ(findMount(spec, "/dev/shm")->at("type").as_string(), "tmpfs");
  EXPECT_EQ(findMount(spec, "/sys/fs/cgroup")->at("type").as_string(), "cgroup");
  EXPECT_EQ(strings(findMount(spec, "/sys/fs/cgroup")->at("options")).back(), "ro");
  f.in.podFiles.shm = "/pod/shm";
  EXPECT_EQ(findMount(f.spec(), "/dev/shm")->at("type").as_string(), "bind");
}

TEST(OciSpec, VolumesParentsFirst) {
  Fixture f(R"({"name":"c"})");
  f.in.volumes = {
      {"/v/deep", "/data/a/b", false}, {"/v/data", "/data", true}, {"/v/x", "/x", false}};
  auto spec = f.spec();
  Strings dests;
  for (const auto& m : spec.at("mounts").as_array())
    dests.emplace_back(m.at("destination").as_string());
  Strings tail(dests.end() - 3, dests.end());
  EXPECT_EQ(tail, (Strings{"/data", "/x", "/data/a/b"}));
  EXPECT_EQ(strings(findMount(spec, "/data")->at("options")), (Strings{"rbind", "rprivate", "ro"}));
  EXPECT_EQ(findMount(spec, "/data")->at("source").as_string(), "/v/data");
  EXPECT_EQ(strings(findMount(spec, "/x")->at("options")).back(), "rw");
}

TEST(OciSpec, NamespacesJoinTheSandbox) {
  Fixture f(R"({"name":"c"})");
  f.in.namespaces = {"/proc/42/ns/net", "/run/cube/ipc", "/run/cube/uts"};
  f.in.cgroupsPath = "/cube/podu1/c1";
  auto spec = f.spec();
  auto ns = spec.at("linux").at("namespaces").as_array();
  EXPECT_EQ(json::serialize(ns),
            R"([{"type":"pid"},{"type":"network","path":"/proc/42/ns/net"},)"
            R"({"type":"uts","path":"/run/cube/uts"},{"type":"ipc","path":"/run/cube/ipc"},)"
            R"({"type":"mount"}])");
  EXPECT_EQ(spec.at("linux").at("cgroupsPath").as_string(), "/cube/podu1/c1");

  Fixture h(R"({"name":"c"})", R"({"hostNetwork":true,"hostIPC":true,"hostPID":true})");
  h.in.namespaces = {"/proc/42/ns/net", "/run/cube/ipc", "/run/cube/uts"};
  EXPECT_EQ(json::serialize(h.spec().at("linux").at("namespaces")), R"([{"type":"mount"}])");
}

TEST(OciSpec, Sysctls) {
  Fixture f(
      R"({"name":"c"})",
      R"({"securityContext":{"sysctls":[{"name":"net.ipv4.ip_unprivileged_port_start","value":"0"}]}})");
  EXPECT_EQ(f.spec().at("linux").at("sysctl").at("net.ipv4.ip_unprivileged_port_start").as_string(),
            "0");
}

}  // namespace
}  // namespace cube::runtime::crun
