#pragma once
// The httpGet probe (and hook), as the kubelet's prober runs it: a GET over a fresh connection
// (HTTP, or HTTPS without verifying the certificate; see probe_stream.h), success for a final
// status in 200..399, "HTTP probe failed with statuscode: N" otherwise.
//
// Request headers as the kubelet sends them: Host, User-Agent kube-probe/1.32, Accept */*, then
// the probe's httpHeaders (a name given there replaces the default of that name; an empty
// Accept or User-Agent drops it; a Host header becomes the request's Host).
//
// Redirects (301, 302, 303, 307, 308 with a Location) are followed while they stay on the same
// host name (the port and scheme may change), at most 10 requests in all ("stopped after 10
// redirects" fails the probe). A redirect to another host is not followed: its 3xx is the final
// response, a success with a warning ("Probe terminated redirects, Response body: ..."), which
// the kubelet reports as a ProbeWarning event. A custom Host header survives only relative
// redirects; later requests carry Referer, as Go's client does.

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

// A lifecycle hook's GET (postStart, preStop): the same request with User-Agent
// kube-lifecycle/1.32, done once any response arrives; the kubelet does not look at its status.
ProbeResult httpHook(const HttpGet& get, std::chrono::milliseconds timeout);

}  // namespace cube::agent::probes
