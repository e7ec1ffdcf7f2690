#include "test_util.h"

#include <gtest/gtest.h>

namespace cube::tables {
namespace {

using testing::cellsOf;
using testing::columnNames;
using testing::obj;
using Strings = std::vector<std::string>;

TEST(ServicePrinterTest, Columns) {
  const TablePrinter& p = tablePrinterFor("", "Service");
  EXPECT_EQ(columnNames(p),
            (Strings{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"}));
  EXPECT_EQ(p.columns[6].priority, 1);
}

TEST(ServicePrinterTest, Rows) {
  auto nodePort = obj(R"({"metadata":{"name":"web","creationTimestamp":"2024-03-01T11:00:00Z"},
      "spec":{"type":"NodePort","clusterIP":"10.43.0.20","clusterIPs":["10.43.0.20"],
              "selector":{"app":"web"},
              "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},
                       {"port":443,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}})");
  EXPECT_EQ(cellsOf("", "Service", nodePort),
            (Strings{R"("web")", R"("NodePort")", R"("10.43.0.20")", R"("<none>")",
                     R"("80:30080/TCP,443/TCP,53/UDP")", R"("60m")", R"("app=web")"}));

  struct Case {
    const char* json;
    const char* clusterIP;
    const char* externalIP;
    const char* ports;
  };
  const Case cases[] = {
      {R"({"spec":{"type":"ClusterIP","clusterIP":"None","clusterIPs":["None"]}})", "None",
       "<none>", "<none>"},
      {R"({"spec":{"type":"ClusterIP","clusterIP":"10.43.0.5","externalIPs":["1.2.3.4","5.6.7.8"],
          "ports":[{"port":8080}]}})",
       "10.43.0.5", "1.2.3.4,5.6.7.8", "8080/TCP"},
      {R"({"spec":{"type":"LoadBalancer","clusterIPs":["10.43.0.6"],
          "ports":[{"port":80,"nodePort":31000,"protocol":"TCP"}]}})",
       "10.43.0.6", "<pending>", "80:31000/TCP"},
      {R"({"spec":{"type":"LoadBalancer","clusterIPs":["10.43.0.6"]},"status":{"loadBalancer":{
          "ingress":[{"ip":"192.168.1.20"},{"hostname":"lb.example.com"},{"ip":"192.168.1.10"},
                     {"ip":"192.168.1.10"}]}}})",
       "10.43.0.6", "192.168.1.10,192.168.1.20,lb.example.com", "<none>"},
      {R"({"spec":{"type":"LoadBalancer","externalIPs":["9.9.9.9"]},"status":{"loadBalancer":{
          "ingress":[{"ip":"192.168.1.10"}]}}})",
       "<none>", "192.168.1.10,9.9.9.9", "<none>"},
      {R"({"spec":{"type":"ExternalName","externalName":"db.example.com"}})", "<none>",
       "db.example.com", "<none>"},
      {R"({"spec":{}})", "<none>", "<unknown>", "<none>"},
  };
  for (const auto& c : cases) {
    auto cells = cellsOf("", "Service", obj(c.json));
    EXPECT_EQ(cells[2], std::string("\"") + c.clusterIP + "\"") << c.json;
    EXPECT_EQ(cells[3], std::string("\"") + c.externalIP + "\"") << c.json;
    EXPECT_EQ(cells[4], std::string("\"") + c.ports + "\"") << c.json;
    EXPECT_EQ(cells[6], R"("<none>")") << c.json;
  }
}

TEST(EndpointsPrinterTest, ListsThreeThenCountsTheRest) {
  EXPECT_EQ(columnNames(tablePrinterFor("", "Endpoints")), (Strings{"Name", "Endpoints", "Age"}));
  auto ep = obj(R"({"metadata":{"name":"web"},"subsets":[
      {"addresses":[{"ip":"10.42.0.5"},{"ip":"10.42.0.6"}],
       "ports":[{"name":"http","port":80},{"name":"https","port":443}]},
      {"addresses":[{"ip":"fd00::7"}],"ports":[{"port":8080}]}]})");
  EXPECT_EQ(cellsOf("", "Endpoints", ep),
            (Strings{R"("web")", R"("10.42.0.5:80,10.42.0.6:80,10.42.0.5:443 + 2 more...")",
                     R"("<unknown>")"}));
  auto few = obj(R"({"subsets":[{"addresses":[{"ip":"10.42.0.5"}],"ports":[{"port":80}]},
      {"addresses":[{"ip":"fd00::7"}],"ports":[{"port":8080}]}]})");
  EXPECT_EQ(cellsOf("", "Endpoints", few)[1], R"("10.42.0.5:80,[fd00::7]:8080")");
  auto headless = obj(R"({"subsets":[{"addresses":[{"ip":"10.42.0.5"},{"ip":"10.42.0.6"}]}]})");
  EXPECT_EQ(cellsOf("", "Endpoints", headless)[1], R"("10.42.0.5,10.42.0.6")");
  EXPECT_EQ(cellsOf("", "Endpoints", obj(R"({})"))[1], R"("<none>")");
  EXPECT_EQ(cellsOf("", "Endpoints", obj(R"({"subsets":[{"notReadyAddresses":[{"ip":"1.1.1.1"}],
      "ports":[{"port":80}]}]})"))[1],
            R"("")");
}

TEST(EndpointSlicePrinterTest, Row) {
  EXPECT_EQ(columnNames(tablePrinterFor("discovery.k8s.io", "EndpointSlice")),
            (Strings{"Name", "AddressType", "Ports", "Endpoints", "Age"}));
  auto slice = obj(R"({"metadata":{"name":"web-abc"},"addressType":"IPv4",
      "ports":[{"name":"http","port":80},{"name":"named"},{},{"port":9000}],
      "endpoints":[{"addresses":["10.42.0.5"]},{"addresses":["10.42.0.6","10.42.0.7"]},
                   {"addresses":["10.42.0.8"]}]})");
  EXPECT_EQ(cellsOf("discovery.k8s.io", "EndpointSlice", slice),
            (Strings{R"("web-abc")", R"("IPv4")", R"("80,named,* + 1 more...")",
                     R"("10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...")", R"("<unknown>")"}));
  auto empty = obj(R"({"metadata":{"name":"e"},"addressType":"IPv4"})");
  EXPECT_EQ(cellsOf("discovery.k8s.io", "EndpointSlice", empty),
            (Strings{R"("e")", R"("IPv4")", R"("<unset>")", R"("<unset>")", R"("<unknown>")"}));
}

TEST(IngressPrinterTest, Rows) {
  EXPECT_EQ(columnNames(tablePrinterFor("networking.k8s.io", "Ingress")),
            (Strings{"Name", "Class", "Hosts", "Address", "Ports", "Age"}));
  auto ing = obj(R"({"metadata":{"name":"web"},"spec":{"ingressClassName":"cube",
      "rules":[{"host":"a.example.com"},{"host":"b.example.com"}],
      "tls":[{"hosts":["a.example.com"]}]},
      "status":{"loadBalancer":{"ingress":[{"ip":"192.168.1.10"}]}}})");
  EXPECT_EQ(cellsOf("networking.k8s.io", "Ingress", ing),
            (Strings{R"("web")", R"("cube")", R"("a.example.com,b.example.com")",
                     R"("192.168.1.10")", R"("80, 443")", R"("<unknown>")"}));
  auto many = obj(R"({"spec":{"rules":[{"host":"a"},{},{"host":"b"},{"host":"c"},{"host":"d"},
      {"host":"e"}]}})");
  auto cells = cellsOf("networking.k8s.io", "Ingress", many);
  EXPECT_EQ(cells[1], R"("<none>")");
  // Counting is by rules, hosts or not: 6 rules - 3.
  EXPECT_EQ(cells[2], R"("a,b,c + 3 more...")");
  EXPECT_EQ(cells[3], R"("")");
  EXPECT_EQ(cells[4], R"("80")");
  EXPECT_EQ(cellsOf("networking.k8s.io", "Ingress", obj(R"({"spec":{"defaultBackend":{}}})"))[2],
            R"("*")");
}

TEST(IngressClassPrinterTest, Rows) {
  EXPECT_EQ(columnNames(tablePrinterFor("networking.k8s.io", "IngressClass")),
            (Strings{"Name", "Controller", "Parameters", "Age"}));
  auto cls = obj(R"({"metadata":{"name":"cube"},"spec":{"controller":"cube.io/ingress",
      "parameters":{"apiGroup":"k8s.example.com","kind":"IngressParameters","name":"p"}}})");
  EXPECT_EQ(cellsOf("networking.k8s.io", "IngressClass", cls),
            (Strings{R"("cube")", R"("cube.io/ingress")",
                     R"("IngressParameters.k8s.example.com/p")", R"("<unknown>")"}));
  auto plain = obj(R"({"metadata":{"name":"x"},"spec":{"controller":"c"}})");
  EXPECT_EQ(cellsOf("networking.k8s.io", "IngressClass", plain)[2], R"("<none>")");
}

TEST(NetworkPolicyPrinterTest, Row) {
  auto np = obj(R"({"metadata":{"name":"deny"},"spec":{"podSelector":{}}})");
  EXPECT_EQ(cellsOf("networking.k8s.io", "NetworkPolicy", np),
            (Strings{R"("deny")", R"("<none>")", R"("<unknown>")"}));
}

}  // namespace
}  // namespace cube::tables
