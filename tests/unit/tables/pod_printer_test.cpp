#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::tables {
namespace {

using testing::obj;
using testing::testNow;

struct PodCase {
  const char* name;
  const char* pod;  // JSON
  const char* ready;
  const char* status;
  const char* restarts;
};

// Cells 1..3 (READY, STATUS, RESTARTS) of a pod.
void expectPod(const PodCase& c) {
  auto cells = tablePrinterFor("", "Pod").cells(obj(c.pod), testNow());
  ASSERT_EQ(cells.size(), 9u) << c.name;
  EXPECT_EQ(cells[1].as_string(), c.ready) << c.name;
  EXPECT_EQ(cells[2].as_string(), c.status) << c.name;
  EXPECT_EQ(cells[3].as_string(), c.restarts) << c.name;
}

TEST(PodPrinterTest, StatusRules) {
  const PodCase cases[] = {
      {"pending, nothing reported",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending"}})", "0/1", "Pending",
       "0"},
      {"running and ready",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running",
           "conditions":[{"type":"Ready","status":"True"}],
           "containerStatuses":[{"name":"a","ready":true,"restartCount":0,
             "state":{"running":{"startedAt":"2024-03-01T11:00:00Z"}}}]}})",
       "1/1", "Running", "0"},
      {"running, not ready",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running",
           "containerStatuses":[{"name":"a","ready":false,"state":{"running":{}}}]}})",
       "0/1", "Running", "0"},
      {"status.reason wins over the phase (eviction)",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Failed","reason":"Evicted"}})",
       "0/1", "Evicted", "0"},
      {"scheduling gated",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending",
           "conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}})",
       "0/1", "SchedulingGated", "0"},
      {"container creating",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending",
           "containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ContainerCreating"}}}]}})",
       "0/1", "ContainerCreating", "0"},
      {"crash loop with last restart 5m ago",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running",
           "containerStatuses":[{"name":"a","restartCount":5,
             "state":{"waiting":{"reason":"CrashLoopBackOff"}},
             "lastState":{"terminated":{"exitCode":1,"reason":"Error",
                                        "finishedAt":"2024-03-01T11:55:00Z"}}}]}})",
       "0/1", "CrashLoopBackOff", "5 (5m ago)"},
      {"restarts without a last termination time",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running",
           "containerStatuses":[{"name":"a","restartCount":2,"ready":true,
             "state":{"running":{}}}]}})",
       "1/1", "Running", "2"},
      {"image pull error",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending",
           "containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ErrImagePull"}}}]}})",
       "0/1", "ErrImagePull", "0"},
      {"image pull back-off",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending",
           "containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}})",
       "0/1", "ImagePullBackOff", "0"},
      {"completed",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Succeeded",
           "containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,
             "reason":"Completed"}}}]}})",
       "0/1", "Completed", "0"},
      {"terminated by a signal, no reason",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Failed",
           "containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":137,
             "signal":9}}}]}})",
       "0/1", "Signal:9", "0"},
      {"terminated with an exit code, no reason",
       R"({"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Failed",
           "containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":2}}}]}})",
       "0/1", "ExitCode:2", "0"},
      {"the first container's state wins (statuses read last to first)",
       R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]},"status":{"phase":"Pending",
           "containerStatuses":[
             {"name":"a","state":{"waiting":{"reason":"ErrImagePull"}}},
             {"name":"b","state":{"waiting":{"reason":"ContainerCreating"}}}]}})",
       "0/2", "ErrImagePull", "0"},
      {"completed sidecar-less container beside a running one, Ready condition",
       R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]},"status":{"phase":"Running",
           "conditions":[{"type":"Ready","status":"True"}],
           "containerStatuses":[
             {"name":"a","ready":true,"state":{"running":{}}},
             {"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}})",
       "1/2", "Running", "0"},
      {"completed container beside a running one, no Ready condition",
       R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]},"status":{"phase":"Running",
           "conditions":[{"type":"Ready","status":"False"}],
           "containerStatuses":[
             {"name":"a","ready":true,"state":{"running":{}}},
             {"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}})",
       "1/2", "NotReady", "0"},
      {"init container running",
       R"({"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Pending",
           "initContainerStatuses":[{"name":"i","state":{"running":{}}}],
           "containerStatuses":[{"name":"a","state":{"waiting":{"reason":"PodInitializing"}}}]}})",
       "0/1", "Init:0/1", "0"},
      {"init container waiting on PodInitializing counts as not started",
       R"({"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Pending",
           "initContainerStatuses":[{"name":"i","state":{"waiting":{"reason":"PodInitializing"}}}]}})",
       "0/1", "Init:0/1", "0"},
      {"second of two init containers running",
       R"({"spec":{"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Pending","initContainerStatuses":[
             {"name":"i1","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
             {"name":"i2","state":{"running":{}}}]}})",
       "0/1", "Init:1/2", "0"},
      {"init container failed",
       R"({"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Pending","initContainerStatuses":[
             {"name":"i","restartCount":1,
              "state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}})",
       "0/1", "Init:Error", "1"},
      {"init container crash loop",
       R"({"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Pending","initContainerStatuses":[
             {"name":"i","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
              "lastState":{"terminated":{"exitCode":1,"finishedAt":"2024-03-01T11:59:30Z"}}}]}})",
       "0/1", "Init:CrashLoopBackOff", "3 (30s ago)"},
      {"init container exit code without reason",
       R"({"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Pending","initContainerStatuses":[
             {"name":"i","state":{"terminated":{"exitCode":3}}}]}})",
       "0/1", "Init:ExitCode:3", "0"},
      {"init container killed by a signal",
       R"({"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Pending","initContainerStatuses":[
             {"name":"i","state":{"terminated":{"exitCode":137,"signal":9}}}]}})",
       "0/1", "Init:Signal:9", "0"},
      {"finished init containers' restarts no longer count",
       R"({"spec":{"initContainers":[{"name":"i"}],"containers":[{"name":"a"}]},
           "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
           "initContainerStatuses":[{"name":"i","restartCount":4,
             "state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],
           "containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}})",
       "1/1", "Running", "0"},
      {"sidecar counts as a container with its restarts",
       R"({"spec":{"initContainers":[{"name":"s","restartPolicy":"Always"}],
                   "containers":[{"name":"a"}]},
           "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"}],
           "initContainerStatuses":[{"name":"s","started":true,"ready":true,"restartCount":1,
             "state":{"running":{}},
             "lastState":{"terminated":{"exitCode":1,"finishedAt":"2024-03-01T10:00:00Z"}}}],
           "containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}})",
       "2/2", "Running", "1 (120m ago)"},
      {"sidecar not started yet blocks init",
       R"({"spec":{"initContainers":[{"name":"s","restartPolicy":"Always"}],
                   "containers":[{"name":"a"}]},
           "status":{"phase":"Pending","initContainerStatuses":[{"name":"s","started":false,
             "state":{"running":{}}}]}})",
       "0/2", "Init:0/1", "0"},
      {"terminating",
       R"({"metadata":{"deletionTimestamp":"2024-03-01T11:59:00Z"},
           "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running",
           "containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}})",
       "1/1", "Terminating", "0"},
      {"node lost while deleting",
       R"({"metadata":{"deletionTimestamp":"2024-03-01T11:59:00Z"},
           "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running","reason":"NodeLost"}})",
       "0/1", "Unknown", "0"},
      {"a finished pod being deleted keeps its status",
       R"({"metadata":{"deletionTimestamp":"2024-03-01T11:59:00Z"},
           "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Succeeded",
           "containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,
             "reason":"Completed"}}}]}})",
       "0/1", "Completed", "0"},
      {"latest restart across containers",
       R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]},"status":{"phase":"Running",
           "containerStatuses":[
             {"name":"a","ready":true,"restartCount":1,"state":{"running":{}},
              "lastState":{"terminated":{"finishedAt":"2024-03-01T09:00:00Z"}}},
             {"name":"b","ready":true,"restartCount":2,"state":{"running":{}},
              "lastState":{"terminated":{"finishedAt":"2024-03-01T11:50:00Z"}}}]}})",
       "2/2", "Running", "3 (10m ago)"},
      {"empty object", R"({})", "0/0", "", "0"},
  };
  for (const auto& c : cases) expectPod(c);
}

TEST(PodPrinterTest, ColumnsAndWideCells) {
  const TablePrinter& p = tablePrinterFor("", "Pod");
  EXPECT_EQ(testing::columnNames(p),
            (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                      "Nominated Node", "Readiness Gates"}));
  EXPECT_EQ(p.columns[0].format, "name");
  EXPECT_EQ(p.columns[3].type, "string");  // "5 (3m ago)" is not an integer
  for (size_t i = 0; i < p.columns.size(); ++i) {
    EXPECT_EQ(p.columns[i].priority, i >= 5 ? 1 : 0) << p.columns[i].name;
  }

  auto pod = obj(R"({"metadata":{"name":"web","creationTimestamp":"2024-03-01T09:00:00Z"},
      "spec":{"nodeName":"node-1","containers":[{"name":"a"}],
              "readinessGates":[{"conditionType":"example.com/lb"},{"conditionType":"x/y"}]},
      "status":{"phase":"Running","podIP":"10.42.0.9","podIPs":[{"ip":"10.42.0.7"}],
                "nominatedNodeName":"node-2",
                "conditions":[{"type":"example.com/lb","status":"True"},
                              {"type":"x/y","status":"False"}],
                "containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}})");
  EXPECT_EQ(testing::cellsOf("", "Pod", pod),
            (std::vector<std::string>{R"("web")", R"("1/1")", R"("Running")", R"("0")", R"("3h")",
                                      R"("10.42.0.7")", R"("node-1")", R"("node-2")", R"("1/2")"}));

  auto bare = obj(R"({"metadata":{"name":"p"},"status":{"podIP":"10.42.0.3"}})");
  EXPECT_EQ(
      testing::cellsOf("", "Pod", bare),
      (std::vector<std::string>{R"("p")", R"("0/0")", R"("")", R"("0")", R"("<unknown>")",
                                R"("10.42.0.3")", R"("<none>")", R"("<none>")", R"("<none>")"}));
}

TEST(PodPrinterTest, FinishedPodsCarryCompletedRowCondition) {
  const TablePrinter& p = tablePrinterFor("", "Pod");
  ASSERT_TRUE(p.conditions);
  auto succeeded = p.conditions(obj(R"({"status":{"phase":"Succeeded"}})"));
  ASSERT_EQ(succeeded.size(), 1u);
  EXPECT_EQ(succeeded[0].at("type"), "Completed");
  EXPECT_EQ(succeeded[0].at("status"), "True");
  EXPECT_EQ(succeeded[0].at("reason"), "Succeeded");
  auto failed = p.conditions(obj(R"({"status":{"phase":"Failed"}})"));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].at("reason"), "Failed");
  EXPECT_TRUE(p.conditions(obj(R"({"status":{"phase":"Running"}})")).empty());
}

}  // namespace
}  // namespace cube::tables
