#pragma once
// What a probe or a lifecycle hook of a container spec asks for, parsed once: the action (exec,
// httpGet, tcpSocket; grpc is recognised and reported as unsupported) and, for probes, the
// timing with Kubernetes' defaults (periodSeconds 10, timeoutSeconds 1, successThreshold 1,
// failureThreshold 3, initialDelaySeconds 0; values below the API's minimums are raised to them).

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cube::agent::probes {

enum class ActionKind { Exec, HttpGet, TcpSocket, Grpc, Sleep };

struct ProbeAction {
  ActionKind kind = ActionKind::Exec;
  std::vector<std::string> command;  // exec
  std::string host;                  // httpGet/tcpSocket; empty: the pod's IP
  std::string path;                  // httpGet
  std::string scheme = "HTTP";       // httpGet: HTTP or HTTPS
  std::string port;                  // a number, or the name of a container port
  std::vector<std::pair<std::string, std::string>> headers;  // httpGet
  int64_t sleepSeconds = 0;                                  // sleep (a hook only)
};

enum class ProbeType { Liveness, Readiness, Startup };

struct ProbeSpec {
  ProbeAction action;
  std::chrono::seconds initialDelay{0};
  std::chrono::seconds period{10};
  std::chrono::seconds timeout{1};
  int successThreshold = 1;
  int failureThreshold = 3;
  // The probe's own terminationGracePeriodSeconds (liveness and startup kills), if set.
  std::optional<int64_t> terminationGracePeriodSeconds;
};

// The action of a probe or handler object ({"exec":...} / {"httpGet":...} / ...); nullopt when
// it has none.
std::optional<ProbeAction> parseAction(const boost::json::object& handler);

// container.livenessProbe / readinessProbe / startupProbe; nullopt when absent or without an
// action. successThreshold is 1 for liveness and startup, as the API requires.
std::optional<ProbeSpec> parseProbe(const boost::json::object& container, ProbeType type);

// "Liveness", "Readiness", "Startup": how the kubelet's events name a probe.
const char* probeTypeName(ProbeType type);

// The container port named `name` in `container` (its ports[].name), or the number itself.
// nullopt when neither resolves to 1..65535.
std::optional<int> resolvePort(const boost::json::object& container, const std::string& port);

}  // namespace cube::agent::probes
