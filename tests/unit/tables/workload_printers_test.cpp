#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::tables {
namespace {

using testing::cellsOf;
using testing::columnNames;
using testing::obj;
using Strings = std::vector<std::string>;

constexpr const char* kTemplate =
    R"("template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
        {"name":"nginx","image":"nginx:1.25"},{"name":"log","image":"busybox"}]}})";

std::string withTemplate(const std::string& before, const std::string& after) {
  return before + kTemplate + after;
}

TEST(WorkloadPrintersTest, ReplicaSet) {
  const TablePrinter& p = tablePrinterFor("apps", "ReplicaSet");
  EXPECT_EQ(columnNames(p), (Strings{"Name", "Desired", "Current", "Ready", "Age", "Containers",
                                     "Images", "Selector"}));
  EXPECT_EQ(p.columns[1].type, "integer");
  EXPECT_EQ(p.columns[5].priority, 1);
  auto rs = obj(withTemplate(
      R"({"metadata":{"name":"web-5d8f","creationTimestamp":"2024-03-01T11:00:00Z"},
          "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","tier":"fe"}},)",
      R"(},"status":{"replicas":3,"readyReplicas":2}})"));
  EXPECT_EQ(cellsOf("apps", "ReplicaSet", rs),
            (Strings{R"("web-5d8f")", "3", "3", "2", R"("60m")", R"("nginx,log")",
                     R"("nginx:1.25,busybox")", R"("app=web,tier=fe")"}));
}

TEST(WorkloadPrintersTest, ReplicationControllerSelectorIsALabelMap) {
  auto rc = obj(
      withTemplate(R"({"metadata":{"name":"rc"},"spec":{"selector":{"b":"2","a":"1"},)", R"(}})"));
  EXPECT_EQ(cellsOf("", "ReplicationController", rc),
            (Strings{R"("rc")", "1", "0", "0", R"("<unknown>")", R"("nginx,log")",
                     R"("nginx:1.25,busybox")", R"("a=1,b=2")"}));
  // No template: empty container cells.
  auto bare = obj(R"({"metadata":{"name":"rc"},"spec":{"replicas":0}})");
  EXPECT_EQ(cellsOf("", "ReplicationController", bare),
            (Strings{R"("rc")", "0", "0", "0", R"("<unknown>")", R"("")", R"("")", R"("<none>")"}));
}

TEST(WorkloadPrintersTest, Deployment) {
  const TablePrinter& p = tablePrinterFor("apps", "Deployment");
  EXPECT_EQ(columnNames(p), (Strings{"Name", "Ready", "Up-to-date", "Available", "Age",
                                     "Containers", "Images", "Selector"}));
  auto d = obj(withTemplate(
      R"({"metadata":{"name":"web","creationTimestamp":"2024-02-29T12:00:00Z"},
          "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[
            {"key":"env","operator":"In","values":["prod","dev"]},
            {"key":"canary","operator":"DoesNotExist"}]},)",
      R"(},"status":{"replicas":3,"updatedReplicas":3,"readyReplicas":1,"availableReplicas":1}})"));
  EXPECT_EQ(cellsOf("apps", "Deployment", d),
            (Strings{R"("web")", R"("1/3")", "3", "1", R"("24h")", R"("nginx,log")",
                     R"("nginx:1.25,busybox")", R"j("app=web,!canary,env in (dev,prod)")j"}));
  auto bad = obj(R"({"metadata":{"name":"x"},"spec":{"selector":{"matchExpressions":[
      {"key":"a","operator":"Bogus"}]}}})");
  EXPECT_EQ(cellsOf("apps", "Deployment", bad)[7], R"("<invalid>")");
  auto empty = obj(R"({"metadata":{"name":"x"},"spec":{"selector":{}}})");
  EXPECT_EQ(cellsOf("apps", "Deployment", empty)[7], R"("")");
}

TEST(WorkloadPrintersTest, DaemonSet) {
  const TablePrinter& p = tablePrinterFor("apps", "DaemonSet");
  EXPECT_EQ(columnNames(p),
            (Strings{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                     "Node Selector", "Age", "Containers", "Images", "Selector"}));
  auto ds = obj(R"({"metadata":{"name":"agent","creationTimestamp":"2024-03-01T11:58:00Z"},
      "spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"spec":{
        "nodeSelector":{"kubernetes.io/os":"linux"},
        "containers":[{"name":"a","image":"agent:1"}]}}},
      "status":{"desiredNumberScheduled":2,"currentNumberScheduled":2,"numberReady":1,
                "updatedNumberScheduled":2,"numberAvailable":1}})");
  EXPECT_EQ(cellsOf("apps", "DaemonSet", ds),
            (Strings{R"("agent")", "2", "2", "1", "2", "1", R"("kubernetes.io/os=linux")",
                     R"("2m")", R"("a")", R"("agent:1")", R"("app=agent")"}));
}

TEST(WorkloadPrintersTest, StatefulSet) {
  const TablePrinter& p = tablePrinterFor("apps", "StatefulSet");
  EXPECT_EQ(columnNames(p), (Strings{"Name", "Ready", "Age", "Containers", "Images"}));
  auto sts = obj(withTemplate(R"({"metadata":{"name":"db"},"spec":{"replicas":2,)",
                              R"(},"status":{"readyReplicas":2}})"));
  EXPECT_EQ(cellsOf("apps", "StatefulSet", sts),
            (Strings{R"("db")", R"("2/2")", R"("<unknown>")", R"("nginx,log")",
                     R"("nginx:1.25,busybox")"}));
}

TEST(WorkloadPrintersTest, ControllerRevision) {
  const TablePrinter& p = tablePrinterFor("apps", "ControllerRevision");
  EXPECT_EQ(columnNames(p), (Strings{"Name", "Controller", "Revision", "Age"}));
  auto cr = obj(R"({"metadata":{"name":"agent-6f7","ownerReferences":[
      {"apiVersion":"v1","kind":"Pod","name":"other"},
      {"apiVersion":"apps/v1","kind":"DaemonSet","name":"agent","controller":true}]},
      "revision":3})");
  EXPECT_EQ(cellsOf("apps", "ControllerRevision", cr),
            (Strings{R"("agent-6f7")", R"("daemonset.apps/agent")", "3", R"("<unknown>")"}));
  auto orphan = obj(R"({"metadata":{"name":"x"},"revision":1})");
  EXPECT_EQ(cellsOf("apps", "ControllerRevision", orphan)[1], R"("<none>")");
}

TEST(WorkloadPrintersTest, Job) {
  const TablePrinter& p = tablePrinterFor("batch", "Job");
  EXPECT_EQ(columnNames(p), (Strings{"Name", "Status", "Completions", "Duration", "Age",
                                     "Containers", "Images", "Selector"}));
  auto done = obj(R"({"metadata":{"name":"pi","creationTimestamp":"2024-03-01T11:50:00Z"},
      "spec":{"completions":1,"parallelism":1,"selector":{"matchLabels":{"job-name":"pi"}},
              "template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}},
      "status":{"succeeded":1,"startTime":"2024-03-01T11:50:00Z",
                "completionTime":"2024-03-01T11:50:42Z",
                "conditions":[{"type":"SuccessCriteriaMet","status":"True"},
                              {"type":"Complete","status":"True"}]}})");
  EXPECT_EQ(cellsOf("batch", "Job", done),
            (Strings{R"("pi")", R"("Complete")", R"("1/1")", R"("42s")", R"("10m")", R"("pi")",
                     R"("perl")", R"("job-name=pi")"}));

  struct JobCase {
    const char* json;
    const char* status;
    const char* completions;
    const char* duration;
  };
  const JobCase cases[] = {
      {R"({"spec":{"parallelism":3},"status":{"startTime":"2024-03-01T11:57:00Z"}})", "Running",
       "0/1 of 3", "3m"},
      {R"({"spec":{},"status":{}})", "Running", "0/1", ""},
      {R"({"spec":{"completions":5},"status":{"succeeded":2,"conditions":[
          {"type":"Failed","status":"True"}]}})",
       "Failed", "2/5", ""},
      {R"({"metadata":{"deletionTimestamp":"2024-03-01T11:00:00Z"},"spec":{},"status":{}})",
       "Terminating", "0/1", ""},
      {R"({"spec":{},"status":{"conditions":[{"type":"Suspended","status":"True"}]}})", "Suspended",
       "0/1", ""},
      {R"({"spec":{},"status":{"conditions":[{"type":"FailureTarget","status":"True"}]}})",
       "FailureTarget", "0/1", ""},
      {R"({"spec":{},"status":{"conditions":[{"type":"Complete","status":"False"}]}})", "Running",
       "0/1", ""},
  };
  for (const auto& c : cases) {
    auto cells = cellsOf("batch", "Job", obj(c.json));
    EXPECT_EQ(cells[1], std::string("\"") + c.status + "\"") << c.json;
    EXPECT_EQ(cells[2], std::string("\"") + c.completions + "\"") << c.json;
    EXPECT_EQ(cells[3], std::string("\"") + c.duration + "\"") << c.json;
  }
}

TEST(WorkloadPrintersTest, CronJob) {
  const TablePrinter& p = tablePrinterFor("batch", "CronJob");
  EXPECT_EQ(columnNames(p), (Strings{"Name", "Schedule", "Timezone", "Suspend", "Active",
                                     "Last Schedule", "Age", "Containers", "Images", "Selector"}));
  EXPECT_EQ(p.columns[3].type, "boolean");
  auto cj = obj(R"({"metadata":{"name":"hello","creationTimestamp":"2024-03-01T10:00:00Z"},
      "spec":{"schedule":"*/1 * * * *","suspend":false,"jobTemplate":{"spec":{"template":{
        "spec":{"containers":[{"name":"hello","image":"busybox"}]}}}}},
      "status":{"active":[{"name":"hello-1"}],"lastScheduleTime":"2024-03-01T11:59:00Z"}})");
  EXPECT_EQ(cellsOf("batch", "CronJob", cj),
            (Strings{R"("hello")", R"("*/1 * * * *")", R"("<none>")", R"("False")", "1", R"("60s")",
                     R"("120m")", R"("hello")", R"("busybox")", R"("<none>")"}));
  auto bare = obj(R"({"metadata":{"name":"x"},"spec":{"timeZone":"Etc/UTC"}})");
  auto cells = cellsOf("batch", "CronJob", bare);
  EXPECT_EQ(cells[2], R"("Etc/UTC")");
  EXPECT_EQ(cells[3], R"("<unset>")");
  EXPECT_EQ(cells[4], "0");
  EXPECT_EQ(cells[5], R"("<none>")");
}

}  // namespace
}  // namespace cube::tables
