// The httpGet prober against real servers on loopback: HTTPS (a real TLS server with a
// self-signed certificate made in the test), the failures worded as the kubelet's events word
// them, redirects as the kubelet follows them, headers, bodies; httpGet lifecycle hooks (any
// status, the HTTPS-to-HTTP fallback); and Location resolution.

#include "agent/probes/http_probe.h"
#include "agent/probes/lifecycle_hooks.h"
#include "agent/probes/probe_url.h"

#include "test_http_server.h"
#include "unused_loopback_port.h"

#include <gtest/gtest.h>

namespace cube::agent::probes {
namespace {

using namespace std::chrono_literals;
using cube::agent::testing::requestHeader;
using cube::agent::testing::TestHttpServer;
using Mode = TestHttpServer::Mode;

std::string local(int port) {
  return "127.0.0.1:" + std::to_string(port);
}

TEST(HttpsProbe, SucceedsWithoutVerifyingTheCertificate) {
  TestHttpServer server(Mode::Tls, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ProbeResult r = httpProbe({"HTTPS", "127.0.0.1", server.port(), "/healthz", {{"X-A", "b"}}}, 2s);
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_FALSE(r.warning);
  EXPECT_EQ(r.message, "ok");
  ASSERT_EQ(server.requests().size(), 1u);
  std::string req = server.requests()[0];
  EXPECT_EQ(req.rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_EQ(requestHeader(req, "Host"), local(server.port()));
  EXPECT_EQ(requestHeader(req, "User-Agent"), "kube-probe/1.32");
  EXPECT_EQ(requestHeader(req, "X-A"), "b");
}

TEST(HttpsProbe, AFailureStatusFails) {
  TestHttpServer server(Mode::Tls, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  ProbeResult r = httpProbe({"HTTPS", "127.0.0.1", server.port(), "/", {}}, 2s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "HTTP probe failed with statuscode: 503");
  EXPECT_TRUE(r.errorState.empty());
}

TEST(HttpsProbe, AHandshakeFailureSaysWhatTheServerSaid) {
  TestHttpServer server(Mode::NoSharedCipher, "HTTP/1.1 200 OK\r\n\r\n");
  ProbeResult r = httpProbe({"HTTPS", "127.0.0.1", server.port(), "/", {}}, 2s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message,
            "Get \"https://" + local(server.port()) + "/\": remote error: tls: handshake failure");
}

TEST(HttpsProbe, APlainHttpServerIsNamedAsSuch) {
  TestHttpServer server(Mode::Plain, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ProbeResult r = httpProbe({"HTTPS", "127.0.0.1", server.port(), "/", {}}, 2s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "Get \"https://" + local(server.port()) +
                           "/\": http: server gave HTTP response to HTTPS client");

  TestHttpServer garbage(Mode::Plain, "SSH-2.0-OpenSSH_9.2\r\n");
  r = httpProbe({"HTTPS", "127.0.0.1", garbage.port(), "/", {}}, 2s);
  EXPECT_EQ(r.message, "Get \"https://" + local(garbage.port()) +
                           "/\": tls: first record does not look like a TLS handshake");
}

TEST(HttpsProbe, RefusedAndSilentServers) {
  int port = cube::agent::testing::unusedLoopbackPort();
  ProbeResult r = httpProbe({"HTTPS", "127.0.0.1", port, "/", {}}, 1s);
  EXPECT_EQ(r.message, "Get \"https://" + local(port) + "/\": dial tcp " + local(port) +
                           ": connect: connection refused");

  // Accepts, never answers the handshake: the probe's timeout ends it.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto began = std::chrono::steady_clock::now();
  r = httpProbe({"HTTPS", "127.0.0.1", ntohs(addr.sin_port), "/", {}}, 300ms);
  EXPECT_GE(std::chrono::steady_clock::now() - began, 300ms);
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.message.find("Client.Timeout exceeded while awaiting headers"), std::string::npos)
      << r.message;
  ::close(fd);
}

TEST(HttpProbeRedirects, SameHostIsFollowedWithReferer) {
  TestHttpServer target(Mode::Plain, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  TestHttpServer first(Mode::Plain, "HTTP/1.1 302 Found\r\nLocation: http://" +
                                        local(target.port()) + "/ok\r\nContent-Length: 0\r\n\r\n");
  ProbeResult r = httpProbe({"HTTP", "127.0.0.1", first.port(), "/start", {}}, 2s);
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_FALSE(r.warning);
  ASSERT_EQ(target.requests().size(), 1u);
  std::string req = target.requests()[0];
  EXPECT_EQ(req.rfind("GET /ok HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_EQ(requestHeader(req, "Host"), local(target.port()));
  EXPECT_EQ(requestHeader(req, "Referer"), "http://" + local(first.port()) + "/start");
  EXPECT_EQ(requestHeader(req, "User-Agent"), "kube-probe/1.32");

  // A redirect's failure is the probe's.
  TestHttpServer failing(Mode::Plain, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
  TestHttpServer toFailing(Mode::Plain, "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://" +
                                            local(failing.port()) + "/\r\n\r\n");
  r = httpProbe({"HTTP", "127.0.0.1", toFailing.port(), "/", {}}, 2s);
  EXPECT_EQ(r.message, "HTTP probe failed with statuscode: 500");
}

TEST(HttpProbeRedirects, ACustomHostSurvivesRelativeRedirectsOnly) {
  TestHttpServer server(Mode::Plain, [](const std::string& req) -> std::string {
    if (req.rfind("GET /start ", 0) == 0) {
      return "HTTP/1.1 301 Moved Permanently\r\nLocation: next?x=1#frag\r\n\r\n";
    }
    return "HTTP/1.1 204 No Content\r\n\r\n";
  });
  ProbeResult r =
      httpProbe({"HTTP", "127.0.0.1", server.port(), "/start", {{"host", "example.test"}}}, 2s);
  EXPECT_TRUE(r.success) << r.message;
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(requestHeader(reqs[0], "Host"), "example.test");
  EXPECT_EQ(reqs[1].rfind("GET /next?x=1 HTTP/1.1\r\n", 0), 0u) << reqs[1];
  EXPECT_EQ(requestHeader(reqs[1], "Host"), "example.test");

  TestHttpServer target(Mode::Plain, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  TestHttpServer absolute(
      Mode::Plain, "HTTP/1.1 302 Found\r\nLocation: http://" + local(target.port()) + "/\r\n\r\n");
  r = httpProbe({"HTTP", "127.0.0.1", absolute.port(), "/", {{"Host", "example.test"}}}, 2s);
  EXPECT_TRUE(r.success) << r.message;
  ASSERT_EQ(target.requests().size(), 1u);
  EXPECT_EQ(requestHeader(target.requests()[0], "Host"), local(target.port()));
}

TEST(HttpProbeRedirects, AnotherHostIsNotFollowedButWarned) {
  TestHttpServer server(Mode::Plain,
                        "HTTP/1.1 302 Found\r\nLocation: http://localhost:1/elsewhere\r\n"
                        "Content-Length: 5\r\n\r\nmoved");
  ProbeResult r = httpProbe({"HTTP", "127.0.0.1", server.port(), "/", {}}, 2s);
  EXPECT_TRUE(r.success);
  EXPECT_TRUE(r.warning);
  EXPECT_EQ(r.message, "Probe terminated redirects, Response body: moved");

  // A chunked body, as a warning shows it.
  TestHttpServer chunked(Mode::Plain,
                         "HTTP/1.1 301 Moved Permanently\r\nLocation: https://other.test/\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  r = httpProbe({"HTTP", "127.0.0.1", chunked.port(), "/", {}}, 2s);
  EXPECT_TRUE(r.warning);
  EXPECT_EQ(r.message, "Probe terminated redirects, Response body: abcde");

  // A 3xx without a Location is a final answer too.
  TestHttpServer notModified(Mode::Plain,
                             "HTTP/1.1 300 Multiple Choices\r\nContent-Length: 0\r\n\r\n");
  r = httpProbe({"HTTP", "127.0.0.1", notModified.port(), "/", {}}, 2s);
  EXPECT_TRUE(r.success && r.warning);
}

TEST(HttpProbeRedirects, TheTenthRedirectIsNotFollowed) {
  TestHttpServer server(Mode::Plain, "HTTP/1.1 302 Found\r\nLocation: /loop\r\n\r\n");
  ProbeResult r = httpProbe({"HTTP", "127.0.0.1", server.port(), "/", {}}, 2s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "Get \"/loop\": stopped after 10 redirects");
  EXPECT_EQ(server.requests().size(), 10u);
}

TEST(HttpProbeRedirects, HttpsToHttpOnTheSameHostWithoutReferer) {
  TestHttpServer plain(Mode::Plain, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  TestHttpServer tls(Mode::Tls, "HTTP/1.1 308 Permanent Redirect\r\nLocation: http://" +
                                    local(plain.port()) + "/plain\r\n\r\n");
  ProbeResult r = httpProbe({"HTTPS", "127.0.0.1", tls.port(), "/", {}}, 2s);
  EXPECT_TRUE(r.success) << r.message;
  ASSERT_EQ(plain.requests().size(), 1u);
  EXPECT_EQ(requestHeader(plain.requests()[0], "Referer"), "");

  TestHttpServer ftp(Mode::Plain, "HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/x\r\n\r\n");
  r = httpProbe({"HTTP", "127.0.0.1", ftp.port(), "/", {}}, 2s);
  EXPECT_EQ(r.message, "Get \"ftp://127.0.0.1/x\": unsupported protocol scheme \"ftp\"");
}

TEST(HttpProbe, HeadersAsGoWritesThem) {
  TestHttpServer server(Mode::Plain, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ProbeResult r =
      httpProbe({"HTTP",
                 "127.0.0.1",
                 server.port(),
                 "healthz",
                 {{"x-multi", "1"}, {"X-Multi", "2"}, {"Accept", ""}, {"user-agent", "me"}}},
                2s);
  EXPECT_TRUE(r.success) << r.message;
  std::string req = server.requests().at(0);
  EXPECT_EQ(req.rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find("X-Multi: 1\r\nX-Multi: 2\r\n"), std::string::npos) << req;
  EXPECT_EQ(req.find("Accept"), std::string::npos) << req;  // an empty Accept drops it
  EXPECT_EQ(requestHeader(req, "User-Agent"), "me");
  EXPECT_EQ(requestHeader(req, "Connection"), "close");
}

TEST(HttpProbe, BodiesAndInformationalResponses) {
  TestHttpServer informational(Mode::Plain,
                               "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_TRUE(httpProbe({"HTTP", "127.0.0.1", informational.port(), "/", {}}, 2s).success);

  // The head says 10 bytes, the connection ends after 3: the kubelet's errored failure.
  TestHttpServer shortBody(Mode::Plain, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  ProbeResult r = httpProbe({"HTTP", "127.0.0.1", shortBody.port(), "/", {}}, 2s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.errorState, "failure");
  EXPECT_EQ(r.message, "unexpected EOF");

  // Only the first 10 KiB of a body are read.
  TestHttpServer big(Mode::Plain, "HTTP/1.1 200 OK\r\n\r\n" + std::string(20000, 'x'));
  r = httpProbe({"HTTP", "127.0.0.1", big.port(), "/", {}}, 2s);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.message.size(), 10240u);

  TestHttpServer malformed(Mode::Plain, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  r = httpProbe({"HTTP", "127.0.0.1", malformed.port(), "/", {}}, 2s);
  EXPECT_EQ(r.message, "Get \"http://" + local(malformed.port()) +
                           "/\": malformed HTTP response \"SSH-2.0-OpenSSH_9.2\"");
}

TEST(HttpHook, AnyResponseIsDoneWithTheLifecycleAgent) {
  TestHttpServer server(Mode::Plain, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
  ProbeResult r = httpHook({"HTTP", "127.0.0.1", server.port(), "/hook", {}}, 2s);
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_EQ(requestHeader(server.requests().at(0), "User-Agent"), "kube-lifecycle/1.32");
}

TEST(HttpHook, HttpsAnsweredInPlainHttpFallsBackToHttp) {
  TestHttpServer server(Mode::Plain, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ProbeAction hook;
  hook.kind = ActionKind::HttpGet;
  hook.host = "127.0.0.1";
  hook.port = std::to_string(server.port());
  hook.path = "/prestop";
  hook.scheme = "HTTPS";
  hook.headers = {{"Authorization", "Bearer secret"}, {"X-A", "b"}};
  ActionTarget target{nullptr, "", "10.0.0.1", {}, true};
  ProbeResult r = runHook(hook, target, "app", "p_default(uid)", 2s);
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_TRUE(r.warning);
  EXPECT_EQ(r.message, "request to HTTPS lifecycle hook " + local(server.port()) +
                           " got HTTP response, retry with HTTP succeeded");
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);  // the TLS hello, then the GET over HTTP
  EXPECT_EQ(reqs[1].rfind("GET /prestop HTTP/1.1\r\n", 0), 0u) << reqs[1];
  EXPECT_EQ(requestHeader(reqs[1], "Authorization"), "");
  EXPECT_EQ(requestHeader(reqs[1], "X-A"), "b");

  // A TLS server's failure is the hook's: no fallback.
  TestHttpServer tls(Mode::NoSharedCipher, "HTTP/1.1 200 OK\r\n\r\n");
  hook.port = std::to_string(tls.port());
  r = runHook(hook, target, "app", "p_default(uid)", 2s);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message,
            "HTTP lifecycle hook (/prestop) for Container \"app\" in Pod "
            "\"p_default(uid)\" failed - error: Get \"https://" +
                local(tls.port()) +
                "/prestop\": remote error: tls: handshake failure, message: \"\"");
}

TEST(ProbeUrl, LocationsResolveAsBrowsersDo) {
  ProbeUrl base = probeUrl("HTTP", "10.0.0.1", 8080, "/a/b/c?q=1");
  EXPECT_EQ(base.str(), "http://10.0.0.1:8080/a/b/c?q=1");
  auto at = [&](const std::string& location) {
    auto u = resolveLocation(base, location);
    return u ? u->str() : "<invalid>";
  };
  EXPECT_EQ(at("/x"), "http://10.0.0.1:8080/x");
  EXPECT_EQ(at("d"), "http://10.0.0.1:8080/a/b/d");
  EXPECT_EQ(at("../d?z"), "http://10.0.0.1:8080/a/d?z");
  EXPECT_EQ(at("./"), "http://10.0.0.1:8080/a/b/");
  EXPECT_EQ(at("?n=2"), "http://10.0.0.1:8080/a/b/c?n=2");
  EXPECT_EQ(at(""), "http://10.0.0.1:8080/a/b/c?q=1");
  EXPECT_EQ(at("#top"), "http://10.0.0.1:8080/a/b/c?q=1");
  EXPECT_EQ(at("//10.0.0.1:9090/p"), "http://10.0.0.1:9090/p");
  EXPECT_EQ(at("HTTPS://[fd00::1]:8443/p/../q"), "https://[fd00::1]:8443/q");
  EXPECT_EQ(at("http://host.test"), "http://host.test/");
  EXPECT_EQ(at("http://host.test:99999/"), "<invalid>");

  auto u = resolveLocation(base, "https://[fd00::1]/x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "fd00::1");
  EXPECT_EQ(u->port, 443);
  EXPECT_TRUE(isAbsoluteUrl("https://x"));
  EXPECT_FALSE(isAbsoluteUrl("/a:b"));
  EXPECT_FALSE(isAbsoluteUrl("a/b:c"));
}

}  // namespace
}  // namespace cube::agent::probes
