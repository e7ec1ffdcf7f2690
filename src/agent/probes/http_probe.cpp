#include "agent/probes/http_probe.h"

#include "agent/probes/tcp_dial.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace cube::agent::probes {

namespace {

constexpr const char* kUserAgent = "kube-probe/1.32";

bool sameHeader(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lowerScheme(const std::string& scheme) {
  std::string s = scheme;
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s.empty() ? "http" : s;
}

std::string pathOf(const HttpGet& get) {
  if (get.path.empty()) return "/";
  return get.path[0] == '/' ? get.path : "/" + get.path;
}

}  // namespace

std::string httpUrl(const HttpGet& get) {
  return lowerScheme(get.scheme) + "://" + joinHostPort(get.host, get.port) + pathOf(get);
}

ProbeResult httpProbe(const HttpGet& get, std::chrono::milliseconds timeout) {
  std::string url = httpUrl(get);
  std::string prefix = "Get \"" + url + "\": ";
  if (lowerScheme(get.scheme) != "http") {
    return ProbeResult::failed(prefix + "scheme " + get.scheme +
                               " is not supported by this node's prober (HTTP only)");
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string error;
  auto fd = dialTcp(get.host, get.port, deadline, &error);
  if (!fd) return ProbeResult::failed(prefix + error);

  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", joinHostPort(get.host, get.port)}, {"User-Agent", kUserAgent}, {"Accept", "*/*"}};
  for (const auto& [name, value] : get.headers) {
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& h) { return sameHeader(h.first, name); });
    if (it != headers.end()) {
      it->second = value;
    } else {
      headers.emplace_back(name, value);
    }
  }
  std::string request = "GET " + pathOf(get) + " HTTP/1.1\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "Connection: close\r\n\r\n";

  auto timedOut = [&] {
    return ProbeResult::failed(prefix +
                               "context deadline exceeded (Client.Timeout exceeded while awaiting "
                               "headers)");
  };
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return timedOut();
      pollfd p{fd.get(), POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));
      continue;
    }
    return ProbeResult::failed(prefix + "write: " + std::strerror(errno));
  }

  // Only the status line matters.
  std::string response;
  while (response.find("\r\n") == std::string::npos && response.size() < 4096) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return timedOut();
    pollfd p{fd.get(), POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno != EINTR) return ProbeResult::failed(prefix + std::strerror(errno));
    if (r <= 0) continue;
    char buf[1024];
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n > 0) {
      response.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return ProbeResult::failed(prefix + "EOF");
    } else if (errno != EINTR && errno != EAGAIN) {
      return ProbeResult::failed(prefix + "read: " + std::strerror(errno));
    }
  }
  // "HTTP/1.1 200 OK"
  int status = 0;
  auto space = response.find(' ');
  if (response.rfind("HTTP/", 0) == 0 && space != std::string::npos) {
    status = std::atoi(response.c_str() + space + 1);
  }
  if (status == 0) return ProbeResult::failed(prefix + "malformed HTTP response");
  if (status >= 200 && status < 400) return ProbeResult::ok();
  return ProbeResult::failed("HTTP probe failed with statuscode: " + std::to_string(status));
}

}  // namespace cube::agent::probes
