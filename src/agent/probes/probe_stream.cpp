#include "agent/probes/probe_stream.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>

namespace cube::agent::probes {

using runtime::images::UniqueFd;

namespace {

// Waits until `fd` is ready for `events` or the deadline passes; false when it passed.
bool waitFor(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0 || (r < 0 && errno != EINTR)) return true;  // the call that follows says which
  }
}

std::string lowerFirst(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

class PlainStream : public ProbeStream {
 public:
  PlainStream(UniqueFd fd, Deadline deadline) : fd_(std::move(fd)), deadline_(deadline) {}

  IoResult write(std::string_view data) override {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!waitFor(fd_.get(), POLLOUT, deadline_)) return {IoStatus::TimedOut, ""};
      } else {
        return {IoStatus::Failed, "write: " + lowerFirst(std::strerror(errno))};
      }
    }
    return {};
  }

  IoResult read(std::string& out, size_t max) override {
    for (;;) {
      char buf[4096];
      ssize_t n = ::recv(fd_.get(), buf, std::min(max, sizeof buf), 0);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        return {};
      }
      if (n == 0) return {IoStatus::Eof, ""};
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return {IoStatus::Failed, "read: " + lowerFirst(std::strerror(errno))};
      }
      if (!waitFor(fd_.get(), POLLIN, deadline_)) return {IoStatus::TimedOut, ""};
    }
  }

 private:
  UniqueFd fd_;
  Deadline deadline_;
};

// crypto/tls's names of the TLS alerts, for "remote error: tls: <name>".
std::string alertName(int alert) {
  static const std::map<int, const char*> kNames = {
      {0, "close notify"},
      {10, "unexpected message"},
      {20, "bad record MAC"},
      {21, "decryption failed"},
      {22, "record overflow"},
      {30, "decompression failure"},
      {40, "handshake failure"},
      {42, "bad certificate"},
      {43, "unsupported certificate"},
      {44, "revoked certificate"},
      {45, "expired certificate"},
      {46, "unknown certificate"},
      {47, "illegal parameter"},
      {48, "unknown certificate authority"},
      {49, "access denied"},
      {50, "error decoding message"},
      {51, "error decrypting message"},
      {60, "export restriction"},
      {70, "protocol version not supported"},
      {71, "insufficient security level"},
      {80, "internal error"},
      {86, "inappropriate fallback"},
      {90, "user canceled"},
      {100, "no renegotiation"},
      {109, "missing extension"},
      {110, "unsupported extension"},
      {111, "certificate unobtainable"},
      {112, "unrecognized name"},
      {113, "bad certificate status response"},
      {114, "bad certificate hash value"},
      {115, "unknown PSK identity"},
      {116, "certificate required"},
      {120, "no application protocol"},
  };
  auto it = kNames.find(alert);
  return it != kNames.end() ? std::string("tls: ") + it->second
                            : "tls: alert(" + std::to_string(alert) + ")";
}

// One context for every probe: settings only, no certificates and no session cache.
SSL_CTX* clientContext() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (!c) return c;
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    // HTTP over TLS ends at the connection's end; servers that skip close_notify are common.
    SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
    return c;
  }();
  return ctx;
}

class TlsStream : public ProbeStream {
 public:
  TlsStream(UniqueFd fd, Deadline deadline) : fd_(std::move(fd)), deadline_(deadline) {}
  ~TlsStream() override {
    if (ssl_) SSL_free(ssl_);  // frees the BIO too
  }

  // The handshake; an error text (empty: done), with `timedOut` set when the deadline ended it.
  std::string handshake(const std::string& host, bool* timedOut) {
    SSL_CTX* ctx = clientContext();
    if (!ctx) return "tls: no TLS client context";
    ssl_ = SSL_new(ctx);
    BIO* bio = ssl_ ? BIO_new_socket(fd_.get(), BIO_NOCLOSE) : nullptr;
    if (!bio) return "tls: out of memory";
    // The first bytes from the server tell a plain HTTP server from a broken TLS one.
    BIO_set_callback_arg(bio, reinterpret_cast<char*>(this));
    BIO_set_callback_ex(bio, &TlsStream::onBioRead);
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_app_data(ssl_, this);
    SSL_set_info_callback(ssl_, &TlsStream::onInfo);
    in6_addr addr;
    bool literal = ::inet_pton(AF_INET, host.c_str(), &addr) == 1 ||
                   ::inet_pton(AF_INET6, host.c_str(), &addr) == 1;
    if (!literal) SSL_set_tlsext_host_name(ssl_, host.c_str());
    SSL_set_connect_state(ssl_);
    IoResult r = drive([this] { return SSL_do_handshake(ssl_); });
    if (r.status == IoStatus::Ok) return "";
    *timedOut = r.status == IoStatus::TimedOut;
    return r.status == IoStatus::Eof ? "EOF" : r.error;
  }

  IoResult write(std::string_view data) override {
    size_t sent = 0;
    while (sent < data.size()) {
      size_t n = 0;
      IoResult r =
          drive([&] { return SSL_write_ex(ssl_, data.data() + sent, data.size() - sent, &n); });
      if (r.status != IoStatus::Ok) return r;
      sent += n;
    }
    return {};
  }

  IoResult read(std::string& out, size_t max) override {
    char buf[4096];
    size_t n = 0;
    IoResult r = drive([&] { return SSL_read_ex(ssl_, buf, std::min(max, sizeof buf), &n); });
    if (r.status == IoStatus::Ok) out.append(buf, n);
    return r;
  }

 private:
  // Runs one OpenSSL call until it completes, waiting on the socket as it asks.
  template <typename Call>
  IoResult drive(Call call) {
    for (;;) {
      ERR_clear_error();
      errno = 0;
      int rc = call();
      if (rc > 0) return {};
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        if (!waitFor(fd_.get(), err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline_)) {
          return {IoStatus::TimedOut, ""};
        }
        continue;
      }
      return failure(err);
    }
  }

  IoResult failure(int sslError) {
    if (alert_ > 0) return {IoStatus::Failed, "remote error: " + alertName(alert_)};
    if (alert_ == 0 || sslError == SSL_ERROR_ZERO_RETURN) return {IoStatus::Eof, ""};
    if (!firstBytes_.empty() && firstBytes_[0] != 21 && firstBytes_[0] != 22) {
      // Not a TLS alert nor handshake record: not a TLS server.
      if (firstBytes_.rfind("HTTP/", 0) == 0) {
        return {IoStatus::Failed, "http: server gave HTTP response to HTTPS client"};
      }
      return {IoStatus::Failed, "tls: first record does not look like a TLS handshake"};
    }
    if (sslError == SSL_ERROR_SYSCALL) {
      if (errno == 0) return {IoStatus::Eof, ""};
      return {IoStatus::Failed, "read: " + lowerFirst(std::strerror(errno))};
    }
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return {IoStatus::Eof, ""};
    const char* reason = ERR_reason_error_string(e);
    return {IoStatus::Failed, std::string("tls: ") + (reason ? reason : "handshake failed")};
  }

  static long onBioRead(BIO* bio, int oper, const char* data, size_t, int, long, int ret,
                        size_t* processed) {
    if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && data) {
      auto* self = reinterpret_cast<TlsStream*>(BIO_get_callback_arg(bio));
      size_t want = 5 - std::min<size_t>(5, self->firstBytes_.size());
      self->firstBytes_.append(data, std::min(want, *processed));
    }
    return ret;
  }

  static void onInfo(const SSL* ssl, int where, int value) {
    if (!(where & SSL_CB_READ_ALERT)) return;
    auto* self = static_cast<TlsStream*>(SSL_get_app_data(ssl));
    self->alert_ = value & 0xff;  // the description; the level is in the byte above
  }

  UniqueFd fd_;
  Deadline deadline_;
  SSL* ssl_ = nullptr;
  std::string firstBytes_;  // the first record header's bytes, up to 5
  int alert_ = -1;          // the alert the server sent, if any
};

}  // namespace

std::unique_ptr<ProbeStream> ProbeStream::open(const std::string& host, int port, bool tls,
                                               Deadline deadline, std::string* error,
                                               bool* timedOut) {
  *timedOut = false;
  UniqueFd fd = dialTcp(host, port, deadline, error);
  if (!fd) return nullptr;
  if (!tls) return std::make_unique<PlainStream>(std::move(fd), deadline);
  auto stream = std::make_unique<TlsStream>(std::move(fd), deadline);
  *error = stream->handshake(host, timedOut);
  if (!error->empty()) return nullptr;
  return stream;
}

}  // namespace cube::agent::probes
