#pragma once
// The outcome of one probe or hook action, with the message the kubelet would give (its events
// say "<Type> probe failed: <message>").

#include <string>

namespace cube::agent::probes {

struct ProbeResult {
  bool success = false;
  std::string message;
  static ProbeResult ok(std::string message = "") { return {true, std::move(message)}; }
  static ProbeResult failed(std::string message) { return {false, std::move(message)}; }
};

}  // namespace cube::agent::probes
