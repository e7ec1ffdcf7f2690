#pragma once
// A loopback HTTP or HTTPS server for the prober's tests: it answers each connection, one at a
// time, with what `respond` makes of the request head, and keeps every request head it read.
// HTTPS uses a self-signed EC certificate made when the server starts (nothing on disk). The
// NoSharedCipher mode is a TLS server no client can agree with (TLS 1.2 only, RSA key exchange
// ciphers with an EC key): its handshakes end with a handshake_failure alert.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cube::agent::testing {

class TestHttpServer {
 public:
  enum class Mode { Plain, Tls, NoSharedCipher };
  using Responder = std::function<std::string(const std::string& request)>;

  TestHttpServer(Mode mode, Responder respond) : mode_(mode), respond_(std::move(respond)) {
    if (mode_ != Mode::Plain) makeContext();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  // A server that answers every request with `reply`.
  TestHttpServer(Mode mode, const std::string& reply)
      : TestHttpServer(mode, [reply](const std::string&) { return reply; }) {}

  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    if (ctx_) SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void makeContext() {
    ctx_ = SSL_CTX_new(TLS_server_method());
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("cube-probe-test"), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    EXPECT_EQ(SSL_CTX_use_certificate(ctx_, cert), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_, key), 1);
    X509_free(cert);
    EVP_PKEY_free(key);
    if (mode_ == Mode::NoSharedCipher) {
      SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
      SSL_CTX_set_cipher_list(ctx_, "ECDHE-RSA-AES128-GCM-SHA256");
    }
  }

  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      handle(c);
      ::close(c);
    }
  }

  void handle(int c) {
    SSL* ssl = nullptr;
    if (ctx_) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        ERR_clear_error();
        return;
      }
    }
    auto recvSome = [&](char* buf, size_t n) -> ssize_t {
      return ssl ? SSL_read(ssl, buf, static_cast<int>(n)) : ::recv(c, buf, n, 0);
    };
    std::string head;
    char buf[4096];
    // Until the head's end; a client that does not speak HTTP (a TLS hello) is answered at once.
    while (head.find("\r\n\r\n") == std::string::npos &&
           (head.empty() || head.rfind("GET ", 0) == 0)) {
      ssize_t n = recvSome(buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(head);
    }
    std::string reply = respond_(head);
    if (ssl) {
      SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
      SSL_shutdown(ssl);
      SSL_free(ssl);
    } else {
      (void)!::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
  }

  Mode mode_;
  Responder respond_;
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;  // guards requests_
  std::vector<std::string> requests_;
  std::thread thread_;
};

// The value of header `name` in a request head ("" when absent), first occurrence.
inline std::string requestHeader(const std::string& head, const std::string& name) {
  auto at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return head.substr(at, head.find("\r\n", at) - at);
}

}  // namespace cube::agent::testing
