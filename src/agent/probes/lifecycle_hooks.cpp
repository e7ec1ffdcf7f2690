#include "agent/probes/lifecycle_hooks.h"

#include "common/json_util.h"

namespace cube::agent::probes {

namespace bj = boost::json;

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
  ProbeResult r = runAction(hook, target, timeout);
  if (r.success || hook.kind != ActionKind::HttpGet) return r;
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
