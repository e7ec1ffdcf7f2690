#include "agent/probes/probe_action.h"

#include "agent/probes/http_probe.h"
#include "agent/probes/tcp_dial.h"
#include "runtime/fake/fake_runtime.h"

#include <thread>

namespace cube::agent::probes {

namespace {

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

bool runtimeHasNetwork(const runtime::Runtime& runtime) {
  return dynamic_cast<const runtime::FakeRuntime*>(&runtime) == nullptr;
}

ProbeResult runAction(const ProbeAction& action, const ActionTarget& target,
                      std::chrono::milliseconds timeout, bool hook) {
  switch (action.kind) {
    case ActionKind::Exec: {
      if (action.command.empty()) return ProbeResult::failed("exec: no command");
      try {
        runtime::ExecResult r =
            target.runtime->execSync(target.containerId, action.command, timeout);
        if (r.timedOut) {
          return ProbeResult::failed("command \"" + joined(action.command) + "\" timed out");
        }
        if (r.exitCode != 0) return ProbeResult::failed(r.output);
        return ProbeResult::ok(r.output);
      } catch (const std::exception& e) {
        return ProbeResult::failed(e.what());
      }
    }
    case ActionKind::HttpGet:
    case ActionKind::TcpSocket: {
      auto port = resolvePort(target.containerSpec, action.port);
      // The kubelet cannot build the request: the probe errors (counted as a failure).
      if (!port) return ProbeResult::errored("unable to resolve port \"" + action.port + "\"");
      if (!target.network) return ProbeResult::ok();
      std::string host = action.host.empty() ? target.podIP : action.host;
      if (action.kind == ActionKind::TcpSocket) return tcpProbe(host, *port, timeout);
      HttpGet get;
      get.scheme = action.scheme;
      get.host = host;
      get.port = *port;
      get.path = action.path;
      get.headers = action.headers;
      return hook ? httpHook(get, timeout) : httpProbe(get, timeout);
    }
    case ActionKind::Grpc:
      // Not implemented here: the probe errors (a failure, with a clear event) every period.
      return ProbeResult::errored("grpc probes are not supported by this node");
    case ActionKind::Sleep:
      std::this_thread::sleep_for(
          std::min<std::chrono::milliseconds>(std::chrono::seconds(action.sleepSeconds), timeout));
      return ProbeResult::ok();
  }
  return ProbeResult::failed("unknown action");
}

}  // namespace cube::agent::probes
