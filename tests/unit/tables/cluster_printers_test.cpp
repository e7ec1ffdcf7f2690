#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::tables {
namespace {

using testing::cellsOf;
using testing::columnNames;
using testing::obj;
using Strings = std::vector<std::string>;

TEST(NamespacePrinterTest, Row) {
  EXPECT_EQ(columnNames(tablePrinterFor("", "Namespace")), (Strings{"Name", "Status", "Age"}));
  auto ns = obj(R"({"metadata":{"name":"default","creationTimestamp":"2024-02-24T12:00:00Z"},
      "status":{"phase":"Active"}})");
  EXPECT_EQ(cellsOf("", "Namespace", ns), (Strings{R"("default")", R"("Active")", R"("6d")"}));
}

TEST(NodePrinterTest, Rows) {
  const TablePrinter& p = tablePrinterFor("", "Node");
  EXPECT_EQ(columnNames(p),
            (Strings{"Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP",
                     "OS-Image", "Kernel-Version", "Container-Runtime"}));
  for (size_t i = 5; i < p.columns.size(); ++i) EXPECT_EQ(p.columns[i].priority, 1);

  auto node = obj(R"j({"metadata":{"name":"node-1","creationTimestamp":"2024-03-01T08:56:00Z",
      "labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/master":"",
                "kubernetes.io/role":"edge","node-role.kubernetes.io/":"x","other":"y"}},
      "spec":{"unschedulable":true},
      "status":{"conditions":[{"type":"MemoryPressure","status":"False"},
                              {"type":"Ready","status":"True"}],
        "addresses":[{"type":"Hostname","address":"node-1"},
                     {"type":"InternalIP","address":"192.168.1.5"},
                     {"type":"InternalIP","address":"192.168.1.6"}],
        "nodeInfo":{"kubeletVersion":"v1.32.0-cube","osImage":"Debian GNU/Linux 12 (bookworm)",
                    "kernelVersion":"6.1.0","containerRuntimeVersion":"crun://1.8"}}})j");
  EXPECT_EQ(
      cellsOf("", "Node", node),
      (Strings{R"("node-1")", R"("Ready,SchedulingDisabled")", R"("control-plane,edge,master")",
               R"("3h4m")", R"("v1.32.0-cube")", R"("192.168.1.5")", R"("<none>")",
               R"j("Debian GNU/Linux 12 (bookworm)")j", R"("6.1.0")", R"("crun://1.8")"}));

  auto notReady = obj(R"({"metadata":{"name":"n"},"status":{"conditions":[
      {"type":"Ready","status":"Unknown"}]}})");
  EXPECT_EQ(
      cellsOf("", "Node", notReady),
      (Strings{R"("n")", R"("NotReady")", R"("<none>")", R"("<unknown>")", R"("")", R"("<none>")",
               R"("<none>")", R"("<unknown>")", R"("<unknown>")", R"("<unknown>")"}));
  EXPECT_EQ(cellsOf("", "Node", obj(R"({"metadata":{"name":"n"}})"))[1], R"("Unknown")");
}

TEST(LeasePrinterTest, Row) {
  EXPECT_EQ(columnNames(tablePrinterFor("coordination.k8s.io", "Lease")),
            (Strings{"Name", "Holder", "Age"}));
  auto lease = obj(R"({"metadata":{"name":"node-1"},"spec":{"holderIdentity":"node-1"}})");
  EXPECT_EQ(cellsOf("coordination.k8s.io", "Lease", lease),
            (Strings{R"("node-1")", R"("node-1")", R"("<unknown>")"}));
  EXPECT_EQ(cellsOf("coordination.k8s.io", "Lease", obj(R"({"spec":{}})"))[1], R"("")");
}

TEST(EventPrinterTest, CoreEvent) {
  const TablePrinter& p = tablePrinterFor("", "Event");
  EXPECT_EQ(columnNames(p), (Strings{"Last Seen", "Type", "Reason", "Object", "Subobject", "Source",
                                     "Message", "First Seen", "Count", "Name"}));
  EXPECT_EQ(p.columns[9].format, "name");
  EXPECT_EQ(p.columns[9].priority, 1);
  EXPECT_EQ(p.columns[6].priority, 0);

  auto e = obj(R"({"metadata":{"name":"web.17b"},"type":"Normal","reason":"Pulled",
      "involvedObject":{"kind":"Pod","name":"web","fieldPath":"spec.containers{nginx}"},
      "source":{"component":"kubelet","host":"node-1"},
      "message":"  Successfully pulled image \"nginx\"\n","count":3,
      "firstTimestamp":"2024-03-01T11:00:00Z","lastTimestamp":"2024-03-01T11:58:00Z"})");
  EXPECT_EQ(cellsOf("", "Event", e),
            (Strings{R"("2m")", R"("Normal")", R"("Pulled")", R"("pod/web")",
                     R"("spec.containers{nginx}")", R"("kubelet, node-1")",
                     R"("Successfully pulled image \"nginx\"")", R"("60m")", "3", R"("web.17b")"}));

  // New-style event: eventTime only, no count, reporting controller as the source.
  auto fresh = obj(R"({"metadata":{"name":"x"},"type":"Warning","reason":"FailedScheduling",
      "involvedObject":{"kind":"Pod","name":"p"},"reportingComponent":"default-scheduler",
      "eventTime":"2024-03-01T11:59:29.500000Z","message":"0/1 nodes are available"})");
  EXPECT_EQ(cellsOf("", "Event", fresh),
            (Strings{R"("30s")", R"("Warning")", R"("FailedScheduling")", R"("pod/p")", R"("")",
                     R"("default-scheduler")", R"("0/1 nodes are available")", R"("30s")", "1",
                     R"("x")"}));

  auto series = obj(R"({"involvedObject":{"kind":"Node"},"count":2,
      "firstTimestamp":"2024-03-01T10:00:00Z","lastTimestamp":"2024-03-01T10:00:00Z",
      "series":{"count":7,"lastObservedTime":"2024-03-01T11:59:00.000000Z"}})");
  auto cells = cellsOf("", "Event", series);
  EXPECT_EQ(cells[0], R"("60s")");
  EXPECT_EQ(cells[3], R"("node")");
  EXPECT_EQ(cells[7], R"("120m")");  // under 3h: minutes
  EXPECT_EQ(cells[8], "7");
}

TEST(EventPrinterTest, EventsGroupShape) {
  auto e = obj(R"({"metadata":{"name":"web.17b"},"type":"Normal","reason":"Scheduled",
      "regarding":{"kind":"Pod","name":"web"},"note":"Successfully assigned default/web",
      "reportingController":"default-scheduler","reportingInstance":"cube-server",
      "eventTime":"2024-03-01T11:55:00.000000Z"})");
  EXPECT_EQ(cellsOf("events.k8s.io", "Event", e),
            (Strings{R"("5m")", R"("Normal")", R"("Scheduled")", R"("pod/web")", R"("")",
                     R"("default-scheduler, cube-server")",
                     R"("Successfully assigned default/web")", R"("5m")", "1", R"("web.17b")"}));
}

}  // namespace
}  // namespace cube::tables
