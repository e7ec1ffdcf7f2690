#include "agent/probes/lifecycle_hooks.h"

#include "agent/probes/tcp_dial.h"
#include "common/json_util.h"

#include <algorithm>
#include <cctype>

namespace cube::agent::probes {

namespace bj = boost::json;

namespace {

bool sameHeaderName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<ProbeAction> lifecycleHook(const bj::object& containerSpec,
                                         const std::string& which) {
  const auto* lifecycle = json::getObject(containerSpec, "lifecycle");
  const auto* handler = lifecycle ? json::getObject(*lifecycle, which) : nullptr;
  return handler ? parseAction(*handler) : std::nullopt;
}

ProbeResult runHook(const ProbeAction& hook, const ActionTarget& target,
                    const std::string& containerName, const std::string& podDescription,
                    std::chrono::milliseconds timeout) {
  if (hook.kind == ActionKind::Exec) {
    std::string joined;
    for (const auto& a : hook.command) joined += (joined.empty() ? "" : " ") + a;
    std::string output;
    std::string error;
    try {
      auto r = target.runtime->execSync(target.containerId, hook.command, timeout);
      output = r.output;
      if (r.timedOut) {
        error = "command '" + joined + "' timed out";
      } else if (r.exitCode != 0) {
        error = "command '" + joined + "' exited with " + std::to_string(r.exitCode) + ": ";
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) return ProbeResult::ok(output);
    return ProbeResult::failed("Exec lifecycle hook ([" + joined + "]) for Container \"" +
                               containerName + "\" in Pod \"" + podDescription +
                               "\" failed - error: " + error + ", message: \"" + output + "\"");
  }
  const auto began = std::chrono::steady_clock::now();
  ProbeResult r = runAction(hook, target, timeout, /*hook=*/true);
  if (r.success || hook.kind != ActionKind::HttpGet) return r;
  // An HTTPS hook answered in plain HTTP is asked again over HTTP, without Authorization; if
  // that goes through the kubelet reports the fallback (LifecycleHTTPFallback) and is done.
  const std::string plainAnswer = "http: server gave HTTP response to HTTPS client";
  if (r.message.size() >= plainAnswer.size() &&
      r.message.compare(r.message.size() - plainAnswer.size(), plainAnswer.size(), plainAnswer) ==
          0) {
    ProbeAction http = hook;
    http.scheme = "HTTP";
    std::erase_if(http.headers,
                  [](const auto& h) { return sameHeaderName(h.first, "Authorization"); });
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        timeout - (std::chrono::steady_clock::now() - began));
    if (left.count() > 0 && runAction(http, target, left, /*hook=*/true).success) {
      auto port = resolvePort(target.containerSpec, hook.port);
      std::string host = hook.host.empty() ? target.podIP : hook.host;
      return ProbeResult::warned("request to HTTPS lifecycle hook " +
                                 joinHostPort(host, port.value_or(0)) +
                                 " got HTTP response, retry with HTTP succeeded");
    }
  }
  return ProbeResult::failed("HTTP lifecycle hook (" + hook.path + ") for Container \"" +
                             containerName + "\" in Pod \"" + podDescription +
                             "\" failed - error: " + r.message + ", message: \"\"");
}

std::chrono::seconds graceAfterPreStop(std::chrono::seconds grace,
                                       std::chrono::milliseconds spent) {
  auto left = grace - std::chrono::duration_cast<std::chrono::seconds>(spent);
  return std::max(left, std::chrono::seconds(2));
}

}  // namespace cube::agent::probes
