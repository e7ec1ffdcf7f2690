#pragma once
// The URLs an httpGet probe visits: the first from the probe (scheme, host, port, path), the
// next from a redirect's Location, resolved against the current one as a browser (and Go's
// url.ResolveReference) does: absolute, scheme-relative ("//host/x"), absolute path, relative
// path (dot segments removed), query only. Fragments are dropped; they never reach the server.

#include <optional>
#include <string>

namespace cube::agent::probes {

struct ProbeUrl {
  std::string scheme;     // lowercase: "http", "https", or whatever a Location named
  std::string authority;  // as written: "10.0.0.1:8080", "example.com", "[fd00::1]:80"
  std::string host;       // without port and brackets
  int port = 0;           // the authority's, else the scheme's default (80, 443)
  std::string target;     // "/path?query", never empty

  // "http://10.0.0.1:8080/healthz", as the kubelet's messages print it.
  std::string str() const;
};

// The probe's URL: a path without a leading "/" gets one, as Go prints it.
ProbeUrl probeUrl(const std::string& scheme, const std::string& host, int port,
                  const std::string& path);

// `location` resolved against `base`; nullopt when it is not a URL (a bad authority or port).
std::optional<ProbeUrl> resolveLocation(const ProbeUrl& base, const std::string& location);

// Whether `location` names its scheme ("http://...") rather than being relative to the URL.
bool isAbsoluteUrl(const std::string& location);

}  // namespace cube::agent::probes
