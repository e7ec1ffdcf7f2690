// Service, Endpoints, EndpointSlice.

#include "apiserver/tables/cell_format.h"

#include <set>

namespace cube::tables {
namespace {

std::vector<std::string> stringsIn(const object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const array* a = arrayField(o, key)) {
    for (const value& v : *a) {
      if (const auto* s = v.if_string()) out.emplace_back(s->data(), s->size());
    }
  }
  return out;
}

// Load-balancer ingress points, IP else hostname, sorted and de-duplicated. Never clipped: the
// server prints the wide form (the 16-character clip is a client-side relic).

std::string serviceExternalIP(const object& spec, const object& status) {
  const std::string type = stringField(spec, "type");
  const std::vector<std::string> externalIPs = stringsIn(spec, "externalIPs");
  if (type == "ClusterIP" || type == "NodePort") {
    return externalIPs.empty() ? "<none>" : join(externalIPs, ",");
  }
  if (type == "LoadBalancer") {
    const object* lb = objectField(status, "loadBalancer");
    std::string lbIps = loadBalancerAddresses(lb);
    if (!externalIPs.empty()) {
      std::vector<std::string> results;
      if (!lbIps.empty()) {
        size_t start = 0;
        while (true) {
          size_t comma = lbIps.find(',', start);
          results.push_back(lbIps.substr(start, comma - start));
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      }
      results.insert(results.end(), externalIPs.begin(), externalIPs.end());
      return join(results, ",");
    }
    return lbIps.empty() ? "<pending>" : lbIps;
  }
  if (type == "ExternalName") return stringField(spec, "externalName");
  return "<unknown>";
}

std::string servicePorts(const object& spec) {
  std::vector<std::string> pieces;
  for (const object* port : objectsIn(spec, "ports")) {
    // Protocol is defaulted to TCP on write; an object stored without it means TCP.
    std::string protocol = stringField(*port, "protocol");
    if (protocol.empty()) protocol = "TCP";
    std::string piece = std::to_string(intField(*port, "port"));
    int64_t nodePort = intField(*port, "nodePort");
    if (nodePort > 0) piece += ":" + std::to_string(nodePort);
    pieces.push_back(piece + "/" + protocol);
  }
  return pieces.empty() ? "<none>" : join(pieces, ",");
}

TablePrinter servicePrinter() {
  TablePrinter p;
  p.columns = {nameColumn(),
               stringColumn("Type", "How the service is exposed."),
               stringColumn("Cluster-IP", "Virtual IP of the service inside the cluster."),
               stringColumn("External-IP", "Addresses the service is reachable at from outside."),
               stringColumn("Port(s)", "Service ports, with node ports, and protocols."),
               ageColumn(),
               stringColumn("Selector", "Labels of the pods the service sends traffic to.", 1)};
  p.cells = [](const object& svc, TimePoint now) {
    const object& spec = orEmpty(objectField(svc, "spec"));
    const object& status = orEmpty(objectField(svc, "status"));
    const std::vector<std::string> clusterIPs = stringsIn(spec, "clusterIPs");
    std::string clusterIP = clusterIPs.empty() ? stringField(spec, "clusterIP") : clusterIPs[0];
    if (clusterIP.empty()) clusterIP = "<none>";
    return array{value(objectName(svc)),
                 value(stringField(spec, "type")),
                 value(clusterIP),
                 value(serviceExternalIP(spec, status)),
                 value(servicePorts(spec)),
                 value(objectAge(svc, now)),
                 value(formatLabels(objectField(spec, "selector")))};
  };
  return p;
}

// "ip:port" with IPv6 addresses bracketed, as net.JoinHostPort.
std::string hostPort(const std::string& ip, int64_t port) {
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

// The first three endpoints, then " + N more...", counting every address/port pair.
std::string formatEndpoints(const object& endpoints) {
  const auto subsets = objectsIn(endpoints, "subsets");
  if (subsets.empty()) return "<none>";
  std::vector<std::string> all;
  for (const object* subset : subsets) {
    const auto addresses = objectsIn(*subset, "addresses");
    const auto ports = objectsIn(*subset, "ports");
    if (ports.empty()) {
      // Headless services may have no ports: list bare IPs.
      for (const object* addr : addresses) all.push_back(stringField(*addr, "ip"));
      continue;
    }
    for (const object* port : ports) {
      for (const object* addr : addresses) {
        all.push_back(hostPort(stringField(*addr, "ip"), intField(*port, "port")));
      }
    }
  }
  // Subsets without addresses print as an empty cell, not <none>.
  return listWithMore(all, 3, "");
}

TablePrinter endpointsPrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("Endpoints", "Ready addresses and ports."), ageColumn()};
  p.cells = [](const object& ep, TimePoint now) {
    return array{value(objectName(ep)), value(formatEndpoints(ep)), value(objectAge(ep, now))};
  };
  return p;
}

TablePrinter endpointSlicePrinter() {
  TablePrinter p;
  p.columns = {nameColumn(), stringColumn("AddressType", "Type of the addresses in the slice."),
               stringColumn("Ports", "Ports of the slice."),
               stringColumn("Endpoints", "Addresses of the slice's endpoints."), ageColumn()};
  p.cells = [](const object& slice, TimePoint now) {
    std::vector<std::string> ports;
    for (const object* port : objectsIn(slice, "ports")) {
      if (auto number = optionalIntField(*port, "port")) {
        ports.push_back(std::to_string(*number));
      } else if (auto name = optionalStringField(*port, "name")) {
        ports.push_back(*name);
      } else {
        ports.push_back("*");
      }
    }
    std::vector<std::string> addresses;
    for (const object* endpoint : objectsIn(slice, "endpoints")) {
      if (const array* addrs = arrayField(*endpoint, "addresses")) {
        for (const value& a : *addrs) {
          if (const auto* s = a.if_string()) addresses.emplace_back(s->data(), s->size());
        }
      }
    }
    return array{value(objectName(slice)), value(stringField(slice, "addressType")),
                 value(listWithMore(ports, 3, "<unset>")),
                 value(listWithMore(addresses, 3, "<unset>")), value(objectAge(slice, now))};
  };
  return p;
}

}  // namespace

void addServicePrinters(PrinterMap& printers) {
  printers.emplace(printerKey("", "Service"), servicePrinter());
  printers.emplace(printerKey("", "Endpoints"), endpointsPrinter());
  printers.emplace(printerKey("discovery.k8s.io", "EndpointSlice"), endpointSlicePrinter());
}

}  // namespace cube::tables
