#pragma once
// A probe's connection to a container: TCP, or TLS over it for `scheme: HTTPS`. TLS is as the
// kubelet's prober sets it up: the server's certificate is not verified (a pod's certificate is
// usually self-signed or for another name), TLS 1.2 or newer, SNI with the URL's host name
// unless it is an address, no session reuse (every probe is a new connection). Every read and
// write is bounded by one deadline. Errors read as Go's net/http and crypto/tls word them, which
// is what the kubelet's events show: "remote error: tls: handshake failure", "http: server gave
// HTTP response to HTTPS client", "tls: first record does not look like a TLS handshake", "EOF".

#include "agent/probes/tcp_dial.h"

#include <memory>
#include <string>
#include <string_view>

namespace cube::agent::probes {

enum class IoStatus { Ok, Eof, TimedOut, Failed };

struct IoResult {
  IoStatus status = IoStatus::Ok;
  std::string error;  // for Failed
};

class ProbeStream {
 public:
  // Connects to host:port; with `tls`, also completes the handshake. nullptr with `error` set
  // when either fails (`timedOut` says whether the deadline ended it).
  static std::unique_ptr<ProbeStream> open(const std::string& host, int port, bool tls,
                                           Deadline deadline, std::string* error, bool* timedOut);
  virtual ~ProbeStream() = default;

  // Writes all of `data`.
  virtual IoResult write(std::string_view data) = 0;
  // Appends at least one byte and at most `max` to `out` (Ok), or says why not.
  virtual IoResult read(std::string& out, size_t max) = 0;
};

}  // namespace cube::agent::probes
