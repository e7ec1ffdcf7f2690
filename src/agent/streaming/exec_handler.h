#pragma once
// /exec/<ns>/<pod>/<container>?command=..&stdin=&stdout=&stderr=&tty= and /attach/... — what
// kubectl exec and attach reach through the API server's pods/exec and pods/attach: a WebSocket
// upgrade (v5.channel.k8s.io, or v4) after which the command's streams travel as channel
// messages (websocket.h) and the end as a Status on the error channel: Success, or Failure with
// reason NonZeroExitCode and the exit code as the cause ExitCode, from which kubectl takes its
// own exit code.
//
// Attach: this runtime gives containers no stdin, so attach streams what the container writes
// from now on (stdout and stderr, from its log) until it exits, as the kubelet does for a
// container without stdin.

#include "agent/streaming/pod_locator.h"
#include "http/http_types.h"

#include <string>

namespace cube::agent::streaming {

// The Status sent on the error channel for an exit code.
std::string execExitStatus(int exitCode);

// Validates the request, then takes the connection over (its own thread runs the session).
// Throws ApiError for what is wrong before the upgrade.
void serveExec(const http::Request& request, const LocatedPod& pod, const std::string& container,
               bool attach, const http::ResponderPtr& responder);

}  // namespace cube::agent::streaming
