#include "agent/probes/probe_spec.h"

#include "common/json_util.h"

#include <algorithm>
#include <cctype>

namespace cube::agent::probes {

namespace bj = boost::json;

namespace {

// intOrString fields arrive as either; both become their text.
std::string portText(const bj::object& o) {
  auto it = o.find("port");
  if (it == o.end()) return "";
  if (it->value().is_int64()) return std::to_string(it->value().as_int64());
  if (it->value().is_uint64()) return std::to_string(it->value().as_uint64());
  if (it->value().is_string()) return std::string(it->value().as_string());
  return "";
}

}  // namespace

std::optional<ProbeAction> parseAction(const bj::object& handler) {
  ProbeAction a;
  if (const auto* exec = json::getObject(handler, "exec")) {
    a.kind = ActionKind::Exec;
    a.command = json::getStrings(*exec, "command");
    return a;
  }
  if (const auto* http = json::getObject(handler, "httpGet")) {
    a.kind = ActionKind::HttpGet;
    a.host = json::getString(*http, "host");
    a.path = json::getString(*http, "path");
    a.scheme = json::getString(*http, "scheme", "HTTP");
    a.port = portText(*http);
    if (const auto* headers = json::getArray(*http, "httpHeaders")) {
      for (const auto& h : *headers) {
        if (!h.is_object()) continue;
        a.headers.emplace_back(json::getString(h.as_object(), "name"),
                               json::getString(h.as_object(), "value"));
      }
    }
    return a;
  }
  if (const auto* tcp = json::getObject(handler, "tcpSocket")) {
    a.kind = ActionKind::TcpSocket;
    a.host = json::getString(*tcp, "host");
    a.port = portText(*tcp);
    return a;
  }
  if (const auto* grpc = json::getObject(handler, "grpc")) {
    a.kind = ActionKind::Grpc;
    a.port = portText(*grpc);
    return a;
  }
  if (const auto* sleep = json::getObject(handler, "sleep")) {
    a.kind = ActionKind::Sleep;
    a.sleepSeconds = json::getInt(*sleep, "seconds");
    return a;
  }
  return std::nullopt;
}

std::optional<ProbeSpec> parseProbe(const bj::object& container, ProbeType type) {
  const char* field = type == ProbeType::Liveness    ? "livenessProbe"
                      : type == ProbeType::Readiness ? "readinessProbe"
                                                     : "startupProbe";
  const auto* probe = json::getObject(container, field);
  if (!probe) return std::nullopt;
  auto action = parseAction(*probe);
  if (!action || action->kind == ActionKind::Sleep) return std::nullopt;
  ProbeSpec p;
  p.action = std::move(*action);
  p.initialDelay =
      std::chrono::seconds(std::max<int64_t>(0, json::getInt(*probe, "initialDelaySeconds", 0)));
  p.period = std::chrono::seconds(std::max<int64_t>(1, json::getInt(*probe, "periodSeconds", 10)));
  p.timeout = std::chrono::seconds(std::max<int64_t>(1, json::getInt(*probe, "timeoutSeconds", 1)));
  p.successThreshold =
      static_cast<int>(std::max<int64_t>(1, json::getInt(*probe, "successThreshold", 1)));
  if (type != ProbeType::Readiness) p.successThreshold = 1;
  p.failureThreshold =
      static_cast<int>(std::max<int64_t>(1, json::getInt(*probe, "failureThreshold", 3)));
  if (probe->contains("terminationGracePeriodSeconds") &&
      !probe->at("terminationGracePeriodSeconds").is_null()) {
    p.terminationGracePeriodSeconds = json::getInt(*probe, "terminationGracePeriodSeconds");
  }
  return p;
}

const char* probeTypeName(ProbeType type) {
  switch (type) {
    case ProbeType::Liveness:
      return "Liveness";
    case ProbeType::Readiness:
      return "Readiness";
    case ProbeType::Startup:
      return "Startup";
  }
  return "";
}

std::optional<int> resolvePort(const bj::object& container, const std::string& port) {
  if (port.empty()) return std::nullopt;
  if (std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (port.size() > 5) return std::nullopt;
    int n = std::stoi(port);
    return n >= 1 && n <= 65535 ? std::optional<int>(n) : std::nullopt;
  }
  if (const auto* ports = json::getArray(container, "ports")) {
    for (const auto& p : *ports) {
      if (!p.is_object() || json::getString(p.as_object(), "name") != port) continue;
      int64_t n = json::getInt(p.as_object(), "containerPort");
      if (n >= 1 && n <= 65535) return static_cast<int>(n);
    }
  }
  return std::nullopt;
}

}  // namespace cube::agent::probes
