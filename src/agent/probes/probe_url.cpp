#include "agent/probes/probe_url.h"

#include "agent/probes/tcp_dial.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <vector>

namespace cube::agent::probes {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int defaultPort(const std::string& scheme) {
  return scheme == "https" ? 443 : 80;
}

// "host", "host:port", "[v6]", "[v6]:port" into `url`; false when malformed.
bool parseAuthority(const std::string& authority, ProbeUrl& url) {
  url.authority = authority;
  url.port = defaultPort(url.scheme);
  std::string portText;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return false;
    url.host = authority.substr(1, close - 1);
    std::string rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      portText = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) portText = authority.substr(colon + 1);
  }
  if (portText.empty()) return true;
  if (portText.size() > 5 || !std::all_of(portText.begin(), portText.end(),
                                          [](unsigned char c) { return std::isdigit(c); })) {
    return false;
  }
  url.port = std::stoi(portText);
  return url.port > 0 && url.port <= 65535;
}

// RFC 3986 5.2.4: "/a/b/../c/./d" -> "/a/c/d".
std::string removeDotSegments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  bool trailingSlash = false;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string segment =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    bool last = slash == std::string::npos;
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
      trailingSlash = last;
    } else if (segment == ".") {
      trailingSlash = last;
    } else {
      out.push_back(segment);
      trailingSlash = false;
    }
    if (last) break;
    start = slash + 1;
  }
  std::string result;
  for (const auto& s : out) result += "/" + s;
  if (trailingSlash || result.empty()) result += "/";
  return result;
}

// Cleans the path of "path?query".
std::string cleanTarget(const std::string& target) {
  auto q = target.find('?');
  std::string path = target.substr(0, q);
  std::string query = q == std::string::npos ? "" : target.substr(q);
  return removeDotSegments(path.empty() ? "/" : path) + query;
}

// "//authority/path?query" (after the scheme's colon) into `url`.
bool parseHierarchical(const std::string& rest, ProbeUrl& url) {
  if (rest.rfind("//", 0) != 0) {
    // An opaque URL ("mailto:x"): no host, so never one the prober follows.
    url.authority.clear();
    url.host.clear();
    url.port = defaultPort(url.scheme);
    url.target = "/";
    return true;
  }
  auto end = rest.find_first_of("/?", 2);
  if (!parseAuthority(rest.substr(2, end == std::string::npos ? std::string::npos : end - 2),
                      url)) {
    return false;
  }
  url.target = cleanTarget(end == std::string::npos ? "/" : rest.substr(end));
  return true;
}

}  // namespace

std::string ProbeUrl::str() const {
  return scheme + "://" + authority + target;
}

ProbeUrl probeUrl(const std::string& scheme, const std::string& host, int port,
                  const std::string& path) {
  ProbeUrl url;
  url.scheme = lower(scheme.empty() ? "http" : scheme);
  url.host = host;
  url.port = port;
  url.authority = joinHostPort(host, port);
  url.target = path.empty() ? "/" : path[0] == '/' ? path : "/" + path;
  return url;
}

bool isAbsoluteUrl(const std::string& location) {
  auto colon = location.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(location[0]))) return false;
  return std::all_of(
      location.begin(), location.begin() + static_cast<std::ptrdiff_t>(colon),
      [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; });
}

std::optional<ProbeUrl> resolveLocation(const ProbeUrl& base, const std::string& location) {
  std::string ref = location.substr(0, location.find('#'));
  ProbeUrl url = base;
  if (isAbsoluteUrl(ref)) {
    auto colon = ref.find(':');
    url.scheme = lower(ref.substr(0, colon));
    if (!parseHierarchical(ref.substr(colon + 1), url)) return std::nullopt;
    return url;
  }
  if (ref.rfind("//", 0) == 0) {
    if (!parseHierarchical(ref, url)) return std::nullopt;
    return url;
  }
  std::string basePath = base.target.substr(0, base.target.find('?'));
  if (ref.empty()) {
    url.target = base.target;
  } else if (ref[0] == '/') {
    url.target = cleanTarget(ref);
  } else if (ref[0] == '?') {
    url.target = basePath + ref;
  } else {
    url.target = cleanTarget(basePath.substr(0, basePath.rfind('/') + 1) + ref);
  }
  return url;
}

}  // namespace cube::agent::probes
