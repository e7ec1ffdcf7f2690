#pragma once
// The outcome of one probe or hook action, with the message the kubelet would give. Its events
// say "<Type> probe failed: <message>" for a failure, "<Type> probe warning: <message>" for a
// success with a warning (an httpGet whose redirect was not followed), and "<Type> probe errored
// and resulted in <state> state: <message>" for a probe that could not be run at all (a port
// that does not resolve, a grpc probe on this node); an errored probe counts as a failure.

#include <string>

namespace cube::agent::probes {

struct ProbeResult {
  bool success = false;
  std::string message;
  bool warning = false;    // with success: report message as a ProbeWarning
  std::string errorState;  // without success: errored, "unknown" or "failure" as the kubelet says

  static ProbeResult ok(std::string message = "") { return make(true, std::move(message)); }
  static ProbeResult failed(std::string message) { return make(false, std::move(message)); }
  static ProbeResult warned(std::string message) {
    ProbeResult r = make(true, std::move(message));
    r.warning = true;
    return r;
  }
  static ProbeResult errored(std::string message, std::string state = "unknown") {
    ProbeResult r = make(false, std::move(message));
    r.errorState = std::move(state);
    return r;
  }

 private:
  static ProbeResult make(bool success, std::string message) {
    ProbeResult r;
    r.success = success;
    r.message = std::move(message);
    return r;
  }
};

}  // namespace cube::agent::probes
