#include "agent/probes/http_probe.h"

#include "agent/probes/probe_stream.h"
#include "agent/probes/probe_url.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>

namespace cube::agent::probes {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kProbeAgent = "kube-probe/1.32";
constexpr const char* kHookAgent = "kube-lifecycle/1.32";
constexpr size_t kMaxBody = 10 * 1024;  // the kubelet reads at most 10 KiB of a response body
constexpr size_t kMaxHead = 1 << 20;
constexpr int kMaxRequests = 10;  // Go's client: the 10th redirect is not followed
constexpr const char* kHeadersTimeout =
    "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
constexpr const char* kBodyTimeout =
    "context deadline exceeded (Client.Timeout or context cancellation while reading body)";

bool sameName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "x-custom-header" -> "X-Custom-Header", as Go's http.Header keys are written.
std::string canonicalName(std::string name) {
  bool upper = true;
  for (auto& c : name) {
    if (c == ' ' || c == ':') return name;  // not a token: Go leaves it alone
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return name;
}

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (sameName(k, name)) return v;
    }
    return "";
  }
};

// One request and its response, or why there is none.
struct Exchange {
  std::optional<Response> response;
  std::string error;
  bool bodyError = false;  // the head arrived, the body did not: the kubelet's errored failure
};

Exchange transportError(const std::string& error) {
  return Exchange{std::nullopt, error};
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Reads the body after the head (`pending` holds what already arrived), at most kMaxBody bytes:
// chunked, Content-Length or up to the end of the connection. An error text, or "".
std::string readBody(ProbeStream& stream, Response& r, std::string pending) {
  auto more = [&](std::string* error) {
    IoResult io = stream.read(pending, 4096);
    if (io.status == IoStatus::Ok) return true;
    *error = io.status == IoStatus::TimedOut ? kBodyTimeout
             : io.status == IoStatus::Eof    ? "unexpected EOF"
                                             : io.error;
    return false;
  };
  std::string error;
  if (sameName(r.header("Transfer-Encoding"), "chunked")) {
    while (r.body.size() < kMaxBody) {
      size_t eol;
      while ((eol = pending.find("\r\n")) == std::string::npos) {
        if (!more(&error)) return error;
      }
      size_t size = std::strtoul(pending.substr(0, eol).c_str(), nullptr, 16);
      if (size == 0) return "";
      pending.erase(0, eol + 2);
      size_t want = std::min(size, kMaxBody - r.body.size());
      while (pending.size() < want) {
        if (!more(&error)) return error;
      }
      r.body.append(pending, 0, want);
      if (want < size) return "";  // the limit: the rest is not read
      while (pending.size() < size + 2) {
        if (!more(&error)) return error;
      }
      pending.erase(0, size + 2);
    }
    return "";
  }
  std::string length = r.header("Content-Length");
  if (!length.empty()) {
    size_t want = std::min<size_t>(std::strtoull(length.c_str(), nullptr, 10), kMaxBody);
    while (pending.size() < want) {
      if (!more(&error)) return error;
    }
    r.body = pending.substr(0, want);
    return "";
  }
  while (pending.size() < kMaxBody) {
    IoResult io = stream.read(pending, kMaxBody - pending.size());
    if (io.status == IoStatus::Eof) break;
    if (io.status != IoStatus::Ok) return io.status == IoStatus::TimedOut ? kBodyTimeout : io.error;
  }
  r.body = pending.substr(0, kMaxBody);
  return "";
}

Exchange exchange(const ProbeUrl& url, const Headers& headers, const std::string& host,
                  Deadline deadline) {
  std::string error;
  bool timedOut = false;
  auto stream =
      ProbeStream::open(url.host, url.port, url.scheme == "https", deadline, &error, &timedOut);
  if (!stream) return transportError(timedOut ? kHeadersTimeout : error);

  std::string request = "GET " + url.target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Connection: close\r\n\r\n";
  IoResult io = stream->write(request);
  if (io.status == IoStatus::TimedOut) return transportError(kHeadersTimeout);
  if (io.status != IoStatus::Ok) return transportError(io.error);

  std::string data;
  for (;;) {
    size_t end;
    while ((end = data.find("\r\n\r\n")) == std::string::npos) {
      if (data.size() > kMaxHead) return transportError("net/http: response headers too long");
      io = stream->read(data, 4096);
      if (io.status == IoStatus::TimedOut) return transportError(kHeadersTimeout);
      if (io.status == IoStatus::Eof)
        return transportError(data.empty() ? "EOF" : "unexpected EOF");
      if (io.status != IoStatus::Ok) return transportError(io.error);
    }
    Response r;
    std::string line = data.substr(0, data.find("\r\n"));
    auto space = line.find(' ');
    if (line.rfind("HTTP/", 0) == 0 && space != std::string::npos) {
      r.status = std::atoi(line.c_str() + space + 1);
    }
    if (r.status < 100 || r.status > 999) {
      return transportError("malformed HTTP response \"" + line + "\"");
    }
    size_t pos = line.size() + 2;
    while (pos < end) {
      size_t eol = data.find("\r\n", pos);
      std::string h = data.substr(pos, eol - pos);
      auto colon = h.find(':');
      if (colon != std::string::npos)
        r.headers.emplace_back(h.substr(0, colon), trim(h.substr(colon + 1)));
      pos = eol + 2;
    }
    data.erase(0, end + 4);
    if (r.status >= 100 && r.status < 200 && r.status != 101) continue;  // informational
    Exchange x;
    if (r.status >= 200 && r.status != 204 && r.status != 304) {
      x.error = readBody(*stream, r, std::move(data));
      x.bodyError = !x.error.empty();
    }
    x.response = std::move(r);
    return x;
  }
}

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::string httpUrl(const HttpGet& get) {
  return probeUrl(get.scheme, get.host, get.port, get.path).str();
}

namespace {

ProbeResult httpGet(const HttpGet& get, std::chrono::milliseconds timeout, const char* agent,
                    bool anyStatus) {
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  const ProbeUrl first = probeUrl(get.scheme, get.host, get.port, get.path);

  // The probe's headers, names as Go writes them; Host is the request's host, not a header.
  Headers headers;
  std::string customHost;
  bool hasAgent = false, hasAccept = false, emptyAccept = false;
  for (const auto& [name, value] : get.headers) {
    std::string key = canonicalName(name);
    if (key == "Host") {
      if (customHost.empty()) customHost = value;
      continue;
    }
    hasAgent |= key == "User-Agent";
    if (key == "Accept") {
      emptyAccept |= !hasAccept && value.empty();  // Go looks at the first value only
      hasAccept = true;
    }
    headers.emplace_back(key, value);
  }
  if (emptyAccept) {
    std::erase_if(headers, [](const auto& h) { return h.first == "Accept"; });
  } else if (!hasAccept) {
    headers.emplace(headers.begin(), "Accept", "*/*");
  }
  if (!hasAgent) headers.emplace(headers.begin(), "User-Agent", agent);
  std::erase_if(headers, [](const auto& h) { return h.first == "User-Agent" && h.second.empty(); });

  ProbeUrl url = first;
  std::string host = customHost.empty() ? first.authority : customHost;
  Headers sent = headers;
  Exchange x;
  for (int requests = 1;; ++requests) {
    std::string prefix = "Get \"" + url.str() + "\": ";
    if (url.scheme != "http" && url.scheme != "https") {
      return ProbeResult::failed(prefix + "unsupported protocol scheme \"" + url.scheme + "\"");
    }
    x = exchange(url, sent, host, deadline);
    if (!x.response) return ProbeResult::failed(prefix + x.error);
    if (x.bodyError) return ProbeResult::errored(x.error, "failure");
    std::string location = x.response->header("Location");
    if (!isRedirect(x.response->status) || location.empty()) break;
    auto next = resolveLocation(url, location);
    if (!next) {
      return ProbeResult::failed(prefix + "failed to parse Location header \"" + location + "\"");
    }
    if (next->host != first.host) break;  // another host: the 3xx is the answer
    if (requests >= kMaxRequests) {
      return ProbeResult::failed("Get \"" + location + "\": stopped after 10 redirects");
    }
    // A custom Host follows relative redirects only; Referer names the page redirected from
    // (never an https page to an http one).
    host = !customHost.empty() && !isAbsoluteUrl(location) ? customHost : next->authority;
    sent = headers;
    if (!(url.scheme == "https" && next->scheme == "http")) sent.emplace_back("Referer", url.str());
    url = std::move(*next);
  }
  int status = x.response->status;
  if (anyStatus) return ProbeResult::ok(x.response->body);
  if (status >= 200 && status < 300) return ProbeResult::ok(x.response->body);
  if (status >= 300 && status < 400) {
    return ProbeResult::warned("Probe terminated redirects, Response body: " + x.response->body);
  }
  return ProbeResult::failed("HTTP probe failed with statuscode: " + std::to_string(status));
}

}  // namespace

ProbeResult httpProbe(const HttpGet& get, std::chrono::milliseconds timeout) {
  return httpGet(get, timeout, kProbeAgent, false);
}

ProbeResult httpHook(const HttpGet& get, std::chrono::milliseconds timeout) {
  return httpGet(get, timeout, kHookAgent, true);
}

}  // namespace cube::agent::probes
