#pragma once
// The httpGet probe (and hook): one GET over a fresh connection, success for a status in
// 200..399, as the kubelet judges it (redirects are not followed: a 3xx is already a success).
// Request headers as the kubelet sends them: Host, User-Agent kube-probe/1.32, Accept */*, then
// the probe's httpHeaders (a header named there replaces the default of that name).
// HTTPS is not supported (this agent has no TLS client): such a probe fails and says so.

#include "agent/probes/probe_result.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace cube::agent::probes {

struct HttpGet {
  std::string scheme = "HTTP";
  std::string host;
  int port = 80;
  std::string path;  // "" means "/"
  std::vector<std::pair<std::string, std::string>> headers;
};

// The URL as the kubelet's messages print it: http://10.42.0.7:8080/healthz.
std::string httpUrl(const HttpGet& get);

ProbeResult httpProbe(const HttpGet& get, std::chrono::milliseconds timeout);

}  // namespace cube::agent::probes
