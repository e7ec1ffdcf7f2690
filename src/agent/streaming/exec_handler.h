#pragma once
// /exec/<ns>/<pod>/<container>?command=..&stdin=&stdout=&stderr=&tty= and /attach/... — what
// kubectl exec and attach reach through the API server's pods/exec and pods/attach: a WebSocket
// upgrade (v5.channel.k8s.io, or v4) after which the command's streams travel as channel
// messages (websocket.h) and the end as a Status on the error channel: Success, or Failure with
// reason NonZeroExitCode and the exit code as the cause ExitCode, from which kubectl takes its
// own exit code.
//
// Attach: a session of the runtime's (Runtime::attach): what the container writes from now on,
// to every attached client, and the client's input to the container's stdin when its spec has
// `stdin: true` (without it the input goes nowhere, as with the kubelet). The terminal is the
// container's `tty`, whatever the request says; kubectl's resizes reach it.

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
