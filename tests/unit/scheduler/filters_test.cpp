// Each filter on in-memory nodes and pods, table-driven, and the FailedScheduling message.

#include "scheduler/filters.h"
#include "scheduler/algorithm.h"
#include "test_objects.h"

#include <gtest/gtest.h>

namespace cube::scheduler {
namespace {

using namespace testing;

TEST(ResourcesTest, EffectiveRequestCountsInitContainersAsKubernetesDoes) {
  struct Case {
    const char* name;
    const char* spec;
    int64_t milliCpu;
    int64_t memory;
  };
  const Case cases[] = {
      {"containers add up",
       R"({"containers":[{"resources":{"requests":{"cpu":"100m","memory":"1Mi"}}},
                         {"resources":{"requests":{"cpu":"200m"}}}]})",
       300, 1 << 20},
      {"a big init container dominates",
       R"({"initContainers":[{"resources":{"requests":{"cpu":"2"}}}],
           "containers":[{"resources":{"requests":{"cpu":"500m"}}}]})",
       2000, 0},
      {"init containers take the max, not the sum",
       R"({"initContainers":[{"resources":{"requests":{"cpu":"1"}}},
                             {"resources":{"requests":{"cpu":"1500m"}}}],
           "containers":[{"resources":{"requests":{"cpu":"100m"}}}]})",
       1500, 0},
      {"sidecars add to the containers and to later init containers",
       R"({"initContainers":[{"restartPolicy":"Always","resources":{"requests":{"cpu":"200m"}}},
                             {"resources":{"requests":{"cpu":"1"}}}],
           "containers":[{"resources":{"requests":{"cpu":"100m"}}}]})",
       1200, 0},
      {"overhead is added",
       R"({"containers":[{"resources":{"requests":{"cpu":"100m"}}}],
           "overhead":{"cpu":"50m","memory":"10Mi"}})",
       150, 10 << 20},
  };
  for (const Case& c : cases) {
    bj::object pod{{"spec", parse(c.spec)}};
    Resources r = podRequests(pod);
    EXPECT_EQ(r.milliCpu, c.milliCpu) << c.name;
    EXPECT_EQ(r.memory, c.memory) << c.name;
  }
  bj::object empty{{"spec", parse(R"({"containers":[{}]})")}};
  EXPECT_EQ(podNonZeroRequests(empty).milliCpu, kDefaultMilliCpuRequest);
  EXPECT_EQ(podNonZeroRequests(empty).memory, kDefaultMemoryRequest);
}

TEST(FiltersTest, ResourceFit) {
  struct Case {
    const char* name;
    const char* cpu;
    const char* memory;
    int existing;  // pods of 1 cpu / 1Gi already on the node
    uint32_t want;
  };
  const Case cases[] = {
      {"fits an empty node", "1", "1Gi", 0, kFitOk},
      {"fits exactly", "1", "1Gi", 3, kFitOk},
      {"cpu short", "1500m", "1Gi", 3, kInsufficientCpu},
      {"memory short", "500m", "2Gi", 3, kInsufficientMemory},
      {"both short", "2", "2Gi", 3, kInsufficientCpu | kInsufficientMemory},
      {"no requests always fit on resources", "", "", 4, kFitOk},
  };
  for (const Case& c : cases) {
    NodeInfo node = nodeInfo(makeNode("n", "4", "4Gi"));
    for (int i = 0; i < c.existing; ++i) {
      node.addPod(*podInfo(makePod("e" + std::to_string(i), "1", "1Gi")));
    }
    EXPECT_EQ(resourceFit(*podInfo(makePod("p", c.cpu, c.memory)), node), c.want) << c.name;
  }
  NodeInfo full = nodeInfo(makeNode("n", "4", "4Gi", "2"));
  full.addPod(*podInfo(makePod("a")));
  full.addPod(*podInfo(makePod("b")));
  EXPECT_EQ(resourceFit(*podInfo(makePod("p")), full), kTooManyPods);

  bj::object gpuPod = makePod("g");
  spec(gpuPod)["containers"].as_array()[0].as_object()["resources"] =
      parse(R"({"requests":{"example.com/gpu":"1"}})");
  NodeInfo plain = nodeInfo(makeNode("n"));
  EXPECT_EQ(resourceFit(*podInfo(gpuPod), plain), kInsufficientScalar);
  EXPECT_EQ(reasonPhrases(kInsufficientScalar, *podInfo(gpuPod), plain),
            std::vector<std::string>{"Insufficient example.com/gpu"});
}

TEST(FiltersTest, NodeSelectorAndNodeAffinity) {
  bj::object nodeObj = makeNode("node-a");
  setLabel(nodeObj, "disk", "ssd");
  setLabel(nodeObj, "cores", "8");
  NodeSpecInfo node = parseNodeSpecInfo(nodeObj);
  auto expr = [](const char* e) {
    return std::string(
               R"({"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
        {"nodeSelectorTerms":[)") +
           e + "]}}}}";
  };
  struct Case {
    std::string spec;
    bool fits;
  };
  const Case cases[] = {
      {R"({"nodeSelector":{"disk":"ssd"}})", true},
      {R"({"nodeSelector":{"disk":"hdd"}})", false},
      {R"({"nodeSelector":{"disk":"ssd","zone":"a"}})", false},
      {expr(R"({"matchExpressions":[{"key":"disk","operator":"In","values":["ssd","nvme"]}]})"),
       true},
      {expr(R"({"matchExpressions":[{"key":"disk","operator":"NotIn","values":["ssd"]}]})"), false},
      {expr(R"({"matchExpressions":[{"key":"gpu","operator":"NotIn","values":["x"]}]})"), true},
      {expr(R"({"matchExpressions":[{"key":"disk","operator":"Exists"}]})"), true},
      {expr(R"({"matchExpressions":[{"key":"disk","operator":"DoesNotExist"}]})"), false},
      {expr(R"({"matchExpressions":[{"key":"cores","operator":"Gt","values":["4"]}]})"), true},
      {expr(R"({"matchExpressions":[{"key":"cores","operator":"Lt","values":["4"]}]})"), false},
      {expr(R"({"matchExpressions":[{"key":"disk","operator":"Gt","values":["4"]}]})"), false},
      {expr(R"({"matchFields":[{"key":"metadata.name","operator":"In","values":["node-a"]}]})"),
       true},
      {expr(R"({"matchFields":[{"key":"metadata.name","operator":"In","values":["node-b"]}]})"),
       false},
      // Terms are ORed; requirements inside one term are ANDed.
      {expr(R"({"matchExpressions":[{"key":"disk","operator":"In","values":["hdd"]}]},
               {"matchExpressions":[{"key":"cores","operator":"Exists"}]})"),
       true},
      {expr(R"({"matchExpressions":[{"key":"disk","operator":"Exists"},
                                    {"key":"gpu","operator":"Exists"}]})"),
       false},
      {expr(R"({})"), false},  // an empty term matches nothing
  };
  for (const Case& c : cases) {
    bj::object pod = makePod("p");
    for (auto& [k, v] : parse(c.spec)) spec(pod)[k] = v;
    EXPECT_EQ(fitsNodeAffinity(*podInfo(pod), node), c.fits) << c.spec;
  }
}

TEST(FiltersTest, TaintsAndTolerations) {
  struct Case {
    const char* taints;
    const char* tolerations;
    bool fits;
  };
  const Case cases[] = {
      {R"([])", R"([])", true},
      {R"([{"key":"dedicated","value":"gpu","effect":"NoSchedule"}])", R"([])", false},
      {R"([{"key":"dedicated","value":"gpu","effect":"NoExecute"}])", R"([])", false},
      {R"([{"key":"dedicated","value":"gpu","effect":"PreferNoSchedule"}])", R"([])", true},
      {R"([{"key":"dedicated","value":"gpu","effect":"NoSchedule"}])",
       R"([{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}])", true},
      {R"([{"key":"dedicated","value":"gpu","effect":"NoSchedule"}])",
       R"([{"key":"dedicated","value":"cpu","effect":"NoSchedule"}])", false},
      {R"([{"key":"dedicated","value":"gpu","effect":"NoSchedule"}])",
       R"([{"key":"dedicated","operator":"Exists"}])", true},
      {R"([{"key":"dedicated","value":"gpu","effect":"NoSchedule"}])",
       R"([{"key":"dedicated","operator":"Exists","effect":"NoExecute"}])", false},
      {R"([{"key":"a","effect":"NoSchedule"},{"key":"b","effect":"NoSchedule"}])",
       R"([{"operator":"Exists"}])", true},
  };
  for (const Case& c : cases) {
    bj::object nodeObj = makeNode("n");
    spec(nodeObj)["taints"] = bj::parse(c.taints);
    bj::object pod = makePod("p");
    spec(pod)["tolerations"] = bj::parse(c.tolerations);
    EXPECT_EQ(fitsTaints(*podInfo(pod), parseNodeSpecInfo(nodeObj)), c.fits)
        << c.taints << " / " << c.tolerations;
  }
  bj::object nodeObj = makeNode("n");
  spec(nodeObj)["taints"] =
      parse(R"({"t":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]})")["t"];
  EXPECT_EQ(reasonPhrases(kUntoleratedTaint, *podInfo(makePod("p")), nodeInfo(nodeObj)),
            std::vector<std::string>{"node(s) had untolerated taint {dedicated: gpu}"});
}

TEST(FiltersTest, UnschedulableAndNotReadyNodes) {
  bj::object cordoned = makeNode("n");
  spec(cordoned)["unschedulable"] = true;
  bj::object notReady = makeNode("m");
  notReady["status"].as_object()["conditions"] =
      parse(R"({"c":[{"type":"Ready","status":"False"}]})")["c"];
  bj::object pod = makePod("p");
  EXPECT_FALSE(fitsSchedulable(*podInfo(pod), parseNodeSpecInfo(cordoned)));
  EXPECT_FALSE(fitsReady(*podInfo(pod), parseNodeSpecInfo(notReady)));
  EXPECT_TRUE(fitsReady(*podInfo(pod), parseNodeSpecInfo(makeNode("ok"))));
  // DaemonSet-style tolerations let a pod onto a cordoned or not-ready node.
  spec(pod)["tolerations"] = parse(R"({"t":[
      {"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"},
      {"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute"}]})")["t"];
  EXPECT_TRUE(fitsSchedulable(*podInfo(pod), parseNodeSpecInfo(cordoned)));
  EXPECT_TRUE(fitsReady(*podInfo(pod), parseNodeSpecInfo(notReady)));
}

TEST(FiltersTest, HostPorts) {
  auto withPort = [](const std::string& name, int port, const char* protocol, const char* ip) {
    bj::object pod = makePod(name);
    bj::object p{{"containerPort", 80}, {"hostPort", port}, {"protocol", protocol}};
    if (*ip) p["hostIP"] = ip;
    spec(pod)["containers"].as_array()[0].as_object()["ports"] = bj::array{p};
    return pod;
  };
  struct Case {
    int port;
    const char* protocol;
    const char* ip;
    bool fits;
  };
  const Case cases[] = {
      {8080, "TCP", "", false},          // same port, wildcard address
      {8080, "UDP", "", true},           // other protocol
      {8081, "TCP", "", true},           // other port
      {8080, "TCP", "10.0.0.2", false},  // a specific address overlaps the wildcard
  };
  NodeInfo node = nodeInfo(makeNode("n"));
  node.addPod(*podInfo(withPort("existing", 8080, "TCP", "")));
  for (const Case& c : cases) {
    EXPECT_EQ(fitsHostPorts(*podInfo(withPort("p", c.port, c.protocol, c.ip)), node), c.fits)
        << c.port << c.protocol << c.ip;
  }
  NodeInfo specific = nodeInfo(makeNode("n"));
  specific.addPod(*podInfo(withPort("existing", 8080, "TCP", "10.0.0.1")));
  EXPECT_TRUE(fitsHostPorts(*podInfo(withPort("p", 8080, "TCP", "10.0.0.2")), specific));
  EXPECT_FALSE(fitsHostPorts(*podInfo(withPort("p", 8080, "TCP", "")), specific));
  // Removing the pod frees the port.
  node.removePod(*podInfo(withPort("existing", 8080, "TCP", "")));
  EXPECT_TRUE(fitsHostPorts(*podInfo(withPort("p", 8080, "TCP", "")), node));
}

TEST(FiltersTest, PodAffinityAndAntiAffinity) {
  // Nodes a1, a2 in zone a; b1 in zone b. A "db" pod runs on a1.
  SchedulerCache cache;
  for (auto [name, zone] : {std::pair{"a1", "a"}, {"a2", "a"}, {"b1", "b"}}) {
    bj::object n = makeNode(name);
    setLabel(n, "zone", zone);
    cache.upsertNode(parseNodeSpecInfo(n));
  }
  bj::object db = makePod("db");
  setLabel(db, "app", "db");
  spec(db)["nodeName"] = "a1";
  cache.addOrUpdatePod(podInfo(db));

  auto podWith = [](const char* kind, const char* app, const char* key) {
    bj::object pod = makePod("p");
    setLabel(pod, "app", "web");
    std::string affinity = std::string(R"({")") + kind +
                           R"(":{"requiredDuringSchedulingIgnoredDuringExecution":[
        {"labelSelector":{"matchLabels":{"app":")" +
                           app + R"("}},"topologyKey":")" + key + R"("}]}})";
    spec(pod)["affinity"] = bj::parse(affinity);
    return pod;
  };
  struct Case {
    const char* kind;
    const char* app;
    const char* key;
    const char* node;
    uint32_t want;
  };
  const Case cases[] = {
      {"podAffinity", "db", "kubernetes.io/hostname", "a1", kFitOk},
      {"podAffinity", "db", "kubernetes.io/hostname", "a2", kPodAffinityMismatch},
      {"podAffinity", "db", "zone", "a2", kFitOk},
      {"podAffinity", "db", "zone", "b1", kPodAffinityMismatch},
      {"podAntiAffinity", "db", "kubernetes.io/hostname", "a1", kPodAntiAffinityMismatch},
      {"podAntiAffinity", "db", "kubernetes.io/hostname", "a2", kFitOk},
      {"podAntiAffinity", "db", "zone", "a2", kPodAntiAffinityMismatch},
      {"podAntiAffinity", "db", "zone", "b1", kFitOk},
      // Nobody matches "cache" and the pod is not one itself: no node satisfies affinity.
      {"podAffinity", "cache", "zone", "b1", kPodAffinityMismatch},
      // ...but the first pod of a group that wants its own kind may go anywhere.
      {"podAffinity", "web", "zone", "b1", kFitOk},
  };
  auto lock = cache.lock();
  for (const Case& c : cases) {
    PodInfoPtr pod = podInfo(podWith(c.kind, c.app, c.key));
    PodAffinityState state = PodAffinityState::unsafeCompute(*pod, cache);
    EXPECT_EQ(runFilters(*pod, *cache.unsafeNode(c.node), state), c.want)
        << c.kind << " " << c.app << " " << c.key << " on " << c.node;
  }
  lock.unlock();

  // An existing pod's anti-affinity keeps matching pods away from its topology.
  bj::object loner = makePod("loner");
  setLabel(loner, "app", "loner");
  spec(loner)["nodeName"] = "b1";
  spec(loner)["affinity"] =
      parse(R"({"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
      {"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"zone"}]}})");
  cache.addOrUpdatePod(podInfo(loner));
  bj::object web = makePod("w");
  setLabel(web, "app", "web");
  lock = cache.lock();
  PodInfoPtr pod = podInfo(web);
  PodAffinityState state = PodAffinityState::unsafeCompute(*pod, cache);
  EXPECT_EQ(runFilters(*pod, *cache.unsafeNode("b1"), state), kExistingAntiAffinity);
  EXPECT_EQ(runFilters(*pod, *cache.unsafeNode("a2"), state), kFitOk);
  // Other namespaces are not selected by a term without namespaces.
  PodInfoPtr other = podInfo(makePod("w", "", "", "other"));
  EXPECT_TRUE(PodAffinityState::unsafeCompute(*other, cache).empty());
}

TEST(FiltersTest, FailureMessageCountsReasonsLikeKubernetes) {
  SchedulerCache cache;
  cache.upsertNode(parseNodeSpecInfo(makeNode("small", "500m", "8Gi")));
  for (const char* name : {"x1", "x2"}) {
    bj::object n = makeNode(name);
    setLabel(n, "disk", "hdd");
    cache.upsertNode(parseNodeSpecInfo(n));
  }
  bj::object pod = makePod("p", "1", "");
  spec(pod)["nodeSelector"] = parse(R"({"kubernetes.io/hostname":"small"})");
  Algorithm algorithm;
  auto lock = cache.lock();
  ScheduleDecision d = algorithm.unsafeSchedule(*podInfo(pod), cache);
  EXPECT_EQ(d.node, "");
  EXPECT_EQ(d.failure,
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node "
            "affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not "
            "helpful for scheduling..");
  EXPECT_EQ(FitDiagnosis().message(0), "no nodes available to schedule pods");
}

TEST(FiltersTest, PreemptionPartTellsNodesEvictionCouldFreeFromNodesItCouldNot) {
  // Kubernetes' wording for 1,001 pods on 1,000 slots: a full node could make room by eviction,
  // but no pod outranks another, so there is no victim. A tainted node, or one smaller than the
  // request, would not take the pod even empty.
  SchedulerCache cache;
  cache.upsertNode(parseNodeSpecInfo(makeNode("full-a", "4", "8Gi", "1")));
  cache.upsertNode(parseNodeSpecInfo(makeNode("full-b", "4", "8Gi", "1")));
  bj::object tainted = makeNode("tainted", "4", "8Gi", "1");
  spec(tainted)["taints"] = bj::parse(R"([{"key":"k","value":"v","effect":"NoSchedule"}])");
  cache.upsertNode(parseNodeSpecInfo(tainted));
  for (const char* node : {"full-a", "full-b"}) {
    bj::object running = makePod(std::string("on-") + node);
    spec(running)["nodeName"] = node;
    cache.addOrUpdatePod(podInfo(running));
  }
  Algorithm algorithm;
  auto lock = cache.lock();
  ScheduleDecision d = algorithm.unsafeSchedule(*podInfo(makePod("p")), cache);
  EXPECT_EQ(d.node, "");
  EXPECT_EQ(d.failure,
            "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Too many pods. "
            "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 "
            "No preemption victims found for incoming pod..");

  // The same full nodes, for a pod that asks for more cpu than a node has: eviction cannot help.
  const NodeInfo& full = *cache.unsafeNode("full-a");
  EXPECT_TRUE(evictionMightHelp(kTooManyPods, *podInfo(makePod("q", "1")), full));
  EXPECT_TRUE(
      evictionMightHelp(kTooManyPods | kInsufficientCpu, *podInfo(makePod("q", "4")), full));
  EXPECT_FALSE(
      evictionMightHelp(kTooManyPods | kInsufficientCpu, *podInfo(makePod("q", "5")), full));
  EXPECT_FALSE(evictionMightHelp(kUntoleratedTaint, *podInfo(makePod("q")), full));
  EXPECT_TRUE(evictionMightHelp(kHostPortConflict, *podInfo(makePod("q")), full));
}

}  // namespace
}  // namespace cube::scheduler
