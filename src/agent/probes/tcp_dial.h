#pragma once
// A TCP connection with a deadline, and the tcpSocket probe on top of it: success when the
// connection is accepted. Failures read as Go's dialer words them, which is what the kubelet's
// events show ("dial tcp 10.42.0.7:8080: connect: connection refused", "... i/o timeout").

#include "agent/probes/probe_result.h"
#include "runtime/images/file_util.h"

#include <chrono>
#include <string>

namespace cube::agent::probes {

using Deadline = std::chrono::steady_clock::time_point;

// A connected socket, or an invalid fd with `error` set. `host` is an address or a name.
runtime::images::UniqueFd dialTcp(const std::string& host, int port, Deadline deadline,
                                  std::string* error);

// "10.0.0.1:80", "[fd00::1]:80".
std::string joinHostPort(const std::string& host, int port);

ProbeResult tcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace cube::agent::probes
