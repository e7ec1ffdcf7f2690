#pragma once
// Blocking socket helpers for connections taken out of the HTTP server (hijack): dialing a
// backend, writing whole buffers and splicing two connections together (the API server's
// upgrade-aware proxy to a node agent).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cube::http {

// Connects to host:port (IPv4 or IPv6 literal). Throws std::runtime_error worded as Go's dialer
// is in Kubernetes' messages: "dial tcp 10.0.0.1:10250: connect: connection refused".
int dialTcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

// Writes all of `data`; false when the peer is gone.
bool writeAll(int fd, std::string_view data);

// Copies bytes both ways between `a` and `b` until both directions ended (end of file on one
// side is passed on as a half close of the other) or either fails. Closes neither.
void spliceConnections(int a, int b);

}  // namespace cube::http
