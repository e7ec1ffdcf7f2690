#pragma once
// pods/log, pods/exec, pods/attach, pods/portforward: the API server checks the pod and the
// container as Kubernetes does (400 with its messages), finds the node agent from the Node
// (InternalIP, daemonEndpoints.kubeletEndpoint.Port) and proxies: the request goes on to the
// agent's path (/containerLogs, /exec, /attach, /portForward) and bytes are copied both ways
// until either side ends, so a followed log streams and a WebSocket or SPDY upgrade is spoken
// end to end by kubectl and the agent (the upgrade-aware proxy of kube-apiserver, without TLS).
// A node that cannot be reached is a 500 Status naming the dial error.

#include "http/http_types.h"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace cube::apiserver {

// The Node by name; throws ApiError (404) when absent.
using NodeGetter = std::function<boost::json::object(const std::string& name)>;

void servePodStream(const http::Request& request, const std::string& subresource,
                    const boost::json::object& pod, const NodeGetter& getNode,
                    const http::ResponderPtr& responder);

// The container a request means: `requested`, or the only one; 400 otherwise (Kubernetes'
// words, every container named, init containers first).
std::string selectPodContainer(const boost::json::object& pod, const std::string& requested);

// For logs: 400 when the container has nothing to show yet (waiting), or no previous instance
// when `previous` — the kubelet's checks, on the pod's status.
void checkLogsAvailable(const boost::json::object& pod, const std::string& container,
                        bool previous);

struct AgentEndpoint {
  std::string host;
  uint16_t port = 0;
};
// Where the node's agent serves; throws ApiError when the Node says nothing usable.
AgentEndpoint agentEndpoint(const boost::json::object& node);

// The request head sent to the agent: `path` with the client's query, the client's headers
// (hop-by-hop ones dropped unless it is an upgrade), Connection: close for plain requests.
std::string agentRequestHead(const http::Request& request, const std::string& path,
                             const AgentEndpoint& endpoint);

}  // namespace cube::apiserver
