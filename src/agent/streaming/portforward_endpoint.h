#pragma once
// /portForward/<ns>/<pod> — what kubectl port-forward reaches through the API server's
// pods/portforward: the connection is upgraded, then the port-forward helper's SPDY session
// (port_forward_session.h) serves it, dialling the pod's ports from its network namespace.
// kubectl 1.32 asks for a WebSocket carrying SPDY in binary messages (subprotocol
// SPDY/3.1+portforward.k8s.io) and falls back to a plain `Upgrade: SPDY/3.1`; both are served.

#include "agent/streaming/pod_locator.h"
#include "http/http_types.h"

namespace cube::agent::streaming {

// Throws ApiError for what is wrong before the upgrade; the session runs on threads of its own.
void servePortForward(const http::Request& request, const LocatedPod& pod,
                      const http::ResponderPtr& responder);

}  // namespace cube::agent::streaming
