#include "http/http_server.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

#include <fcntl.h>

#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace cube::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string Request::param(std::string_view name, bool* present) const {
  for (const auto& [k, v] : query) {
    if (k == name) {
      if (present) *present = true;
      return v;
    }
  }
  if (present) *present = false;
  return "";
}

bool Request::hasParam(std::string_view name) const {
  bool present = false;
  param(name, &present);
  return present;
}

namespace {

class Session;

// The response side of one request. Holds the session alive until it answers.
class SessionResponder : public Responder {
 public:
  explicit SessionResponder(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~SessionResponder() override;
  void respond(Response response) override;
  StreamPtr startStream(int status, const std::string& contentType) override;
  HijackedConnection hijack() override;

 private:
  std::shared_ptr<Session> session_;
  std::atomic<bool> answered_{false};
};

class ChunkStream;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, asio::thread_pool& workers, const Handler& handler,
          size_t maxStreamBuffer)
      : socket_(std::move(socket)),
        strand_(asio::make_strand(socket_.get_executor())),
        workers_(workers),
        handler_(handler),
        maxStreamBuffer_(maxStreamBuffer) {}

  void start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->readRequest(); });
  }

  void readRequest() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBodyBytes);
    parser_->header_limit(64 * 1024);
    bhttp::async_read(
        socket_, buffer_, *parser_,
        asio::bind_executor(strand_, [self = shared_from_this()](beast::error_code ec, size_t) {
          self->onRead(ec);
        }));
  }

  void onRead(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      ApiError err = ApiError::tooLarge("Request entity too large: limit is 3145728");
      Response r;
      r.status = 413;
      r.body = json::serialize(err.toStatus());
      keepAlive_ = false;
      writeResponse(std::move(r));
      return;
    }
    if (ec) {
      closeSocket();
      return;
    }
    auto& msg = parser_->get();
    keepAlive_ = msg.keep_alive();
    Request req;
    req.method = std::string(msg.method_string());
    std::string_view target = msg.target();
    auto url = boost::urls::parse_origin_form(target);
    if (!url) {
      Response r;
      r.status = 400;
      r.body = json::serialize(ApiError::badRequest("malformed request target").toStatus());
      writeResponse(std::move(r));
      return;
    }
    req.path = std::string(url->path());
    for (auto param : url->params()) req.query.emplace_back(param.key, param.value);
    req.contentType = std::string(msg[bhttp::field::content_type]);
    req.accept = std::string(msg[bhttp::field::accept]);
    req.userAgent = std::string(msg[bhttp::field::user_agent]);
    req.target = std::string(target);
    for (const auto& field : msg) {
      req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    auto responder = std::make_shared<SessionResponder>(shared_from_this());
    asio::post(workers_, [this, self = shared_from_this(), req = std::move(req), responder] {
      try {
        handler_(req, responder);
      } catch (const ApiError& e) {
        Response r;
        r.status = e.code();
        r.body = json::serialize(e.toStatus());
        responder->respond(std::move(r));
      } catch (const std::exception& e) {
        CUBE_LOG(Error) << "handler failed: " << req.method << " " << req.path << ": " << e.what();
        Response r;
        r.status = 500;
        r.body = json::serialize(ApiError::internal(e.what()).toStatus());
        responder->respond(std::move(r));
      }
    });
  }

  // Called from any thread.
  void respond(Response response) {
    asio::post(strand_, [self = shared_from_this(), r = std::move(response)]() mutable {
      self->writeResponse(std::move(r));
    });
  }

  void writeResponse(Response r) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(bhttp::field::content_type, r.contentType);
    res->set(bhttp::field::cache_control, "no-cache, private");
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keepAlive_);
    res->body() = std::move(r.body);
    res->prepare_payload();
    bhttp::async_write(socket_, *res,
                       asio::bind_executor(
                           strand_, [self = shared_from_this(), res](beast::error_code ec, size_t) {
                             if (ec) {
                               self->closeSocket();
                               return;
                             }
                             if (!self->keepAlive_) {
                               self->lingerAndClose();
                               return;
                             }
                             self->readRequest();
                           }));
  }

  StreamPtr startStream(int status, const std::string& contentType);

  // Releases the socket to the caller (a worker thread) once the strand has let go of it.
  HijackedConnection hijack() {
    std::promise<HijackedConnection> promise;
    auto future = promise.get_future();
    asio::post(strand_, [this, self = shared_from_this(), &promise] {
      HijackedConnection c;
      auto data = buffer_.data();
      c.buffered.assign(static_cast<const char*>(data.data()), data.size());
      buffer_.consume(buffer_.size());
      beast::error_code ec;
      c.fd = socket_.release(ec);
      if (ec) c.fd = -1;
      promise.set_value(std::move(c));
    });
    HijackedConnection c = future.get();
    if (c.fd < 0) throw std::runtime_error("hijack: the connection is gone");
    int flags = ::fcntl(c.fd, F_GETFL);
    if (flags >= 0) ::fcntl(c.fd, F_SETFL, flags & ~O_NONBLOCK);
    return c;
  }

  // After an early answer (413 while the client is still sending), the rest of the request is
  // read and dropped before closing, so the client gets to read the answer instead of a reset.
  void lingerAndClose() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    drainBuffer_.resize(64 * 1024);
    drain();
  }

  void drain() {
    if (drained_ > 16 * kMaxRequestBodyBytes) {
      closeSocket();
      return;
    }
    socket_.async_read_some(
        asio::buffer(drainBuffer_),
        asio::bind_executor(strand_, [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->drained_ += n;
          if (ec) {
            self->closeSocket();
          } else {
            self->drain();
          }
        }));
  }

  void closeSocket() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  asio::strand<tcp::socket::executor_type> strand_;
  asio::thread_pool& workers_;
  const Handler& handler_;
  size_t maxStreamBuffer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bool keepAlive_ = true;
  std::vector<char> drainBuffer_;
  size_t drained_ = 0;
};

// Chunked transfer of a watch. All socket work happens on the session's strand; write() only
// queues under a mutex and posts.
class ChunkStream : public Stream, public std::enable_shared_from_this<ChunkStream> {
 public:
  ChunkStream(std::shared_ptr<Session> session, size_t maxBuffered)
      : session_(std::move(session)), maxBuffered_(maxBuffered) {}

  void begin(int status, const std::string& contentType) {
    auto self = shared_from_this();
    asio::post(session_->strand_, [self, status, contentType] {
      auto header = std::make_shared<bhttp::response<bhttp::empty_body>>();
      header->version(11);
      header->result(static_cast<unsigned>(status));
      header->set(bhttp::field::content_type, contentType);
      header->set(bhttp::field::cache_control, "no-cache, private");
      header->chunked(true);
      auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*header);
      bhttp::async_write_header(
          self->session_->socket_, *serializer,
          asio::bind_executor(self->session_->strand_,
                              [self, header, serializer](beast::error_code ec, size_t) {
                                if (ec) {
                                  self->finish();
                                  return;
                                }
                                self->headerSent_ = true;
                                self->watchForDisconnect();
                                self->pump();
                              }));
    });
  }

  bool write(std::string chunk) override {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || closing_) return false;
      if (buffered_ + chunk.size() > maxBuffered_) {
        CUBE_LOG(Warn) << "closing a watch stream whose client is too slow";
        closing_ = true;
        abort_ = true;
      } else {
        buffered_ += chunk.size();
        queue_.push_back(std::move(chunk));
      }
    }
    asio::post(session_->strand_, [self = shared_from_this()] { self->pump(); });
    return !abort_;
  }

  void close() override {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || closing_) return;
      closing_ = true;
    }
    asio::post(session_->strand_, [self = shared_from_this()] { self->pump(); });
  }

  bool closed() const override {
    std::lock_guard lock(mutex_);
    return closed_ || closing_;
  }

  void onClosed(std::function<void()> callback) override {
    bool runNow = false;
    {
      std::lock_guard lock(mutex_);
      if (closed_) {
        runNow = true;
      } else {
        onClosed_ = std::move(callback);
      }
    }
    if (runNow && callback) callback();
  }

 private:
  // Runs on the strand: writes the next queued chunk, or the final chunk when closing.
  void pump() {
    if (!headerSent_ || writing_ || finished_) return;
    std::string next;
    bool last = false;
    bool abort = false;
    {
      std::lock_guard lock(mutex_);
      if (abort_) {
        abort = true;
      } else if (!queue_.empty()) {
        next = std::move(queue_.front());
        queue_.pop_front();
        buffered_ -= next.size();
      } else if (closing_) {
        last = true;
      } else {
        return;
      }
    }
    if (abort) {
      finish();
      return;
    }
    writing_ = true;
    auto self = shared_from_this();
    if (last) {
      auto chunk = std::make_shared<bhttp::chunk_last<>>();
      asio::async_write(
          session_->socket_, *chunk,
          asio::bind_executor(session_->strand_, [self, chunk](beast::error_code, size_t) {
            self->writing_ = false;
            self->finish();
          }));
      return;
    }
    auto data = std::make_shared<std::string>(std::move(next));
    auto body = std::make_shared<bhttp::chunk_body<asio::const_buffer>>(
        bhttp::make_chunk(asio::const_buffer(data->data(), data->size())));
    asio::async_write(
        session_->socket_, *body,
        asio::bind_executor(session_->strand_, [self, data, body](beast::error_code ec, size_t) {
          self->writing_ = false;
          if (ec) {
            self->finish();
            return;
          }
          self->pump();
        }));
  }

  // A watch client sends nothing after its request; a completed read means it went away.
  void watchForDisconnect() {
    auto self = shared_from_this();
    session_->socket_.async_read_some(
        asio::buffer(readBuf_),
        asio::bind_executor(session_->strand_, [self](beast::error_code ec, size_t) {
          if (ec) {
            self->finish();
          } else {
            self->watchForDisconnect();
          }
        }));
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    std::function<void()> callback;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      queue_.clear();
      callback = std::move(onClosed_);
    }
    session_->closeSocket();
    if (callback) callback();
  }

  std::shared_ptr<Session> session_;
  size_t maxBuffered_;
  mutable std::mutex mutex_;  // guards queue_, buffered_, closing_, closed_, abort_, onClosed_
  std::deque<std::string> queue_;
  size_t buffered_ = 0;
  bool closing_ = false;
  bool closed_ = false;
  std::atomic<bool> abort_{false};
  std::function<void()> onClosed_;
  // Strand-only state.
  bool headerSent_ = false;
  bool writing_ = false;
  bool finished_ = false;
  char readBuf_[256];
};

StreamPtr Session::startStream(int status, const std::string& contentType) {
  auto stream = std::make_shared<ChunkStream>(shared_from_this(), maxStreamBuffer_);
  stream->begin(status, contentType);
  return stream;
}

SessionResponder::~SessionResponder() {
  if (!answered_) {
    Response r;
    r.status = 500;
    r.body = json::serialize(ApiError::internal("handler did not answer").toStatus());
    session_->respond(std::move(r));
  }
}

void SessionResponder::respond(Response response) {
  if (answered_.exchange(true)) return;
  session_->respond(std::move(response));
}

StreamPtr SessionResponder::startStream(int status, const std::string& contentType) {
  answered_ = true;
  return session_->startStream(status, contentType);
}

HijackedConnection SessionResponder::hijack() {
  if (answered_.exchange(true)) throw std::logic_error("hijack after an answer");
  return session_->hijack();
}

class HttpServerImpl : public HttpServer {
 public:
  HttpServerImpl(ServerOptions options, Handler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        workers_(static_cast<size_t>(options_.workerThreads)),
        acceptor_(io_) {}

  ~HttpServerImpl() override { stop(); }

  void start() override {
    tcp::endpoint endpoint(asio::ip::make_address(options_.bindAddress), options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    accept();
    for (int i = 0; i < options_.ioThreads; ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
  }

  uint16_t port() const override { return port_; }

  void stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(io_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    workers_.join();
  }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (ec != asio::error::operation_aborted) accept();
        return;
      }
      s.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(s), workers_, handler_, options_.maxStreamBufferBytes)
          ->start();
      accept();
    });
  }

  ServerOptions options_;
  Handler handler_;
  asio::io_context io_;
  asio::thread_pool workers_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace

std::unique_ptr<HttpServer> makeHttpServer(ServerOptions options, Handler handler) {
  return std::make_unique<HttpServerImpl>(std::move(options), std::move(handler));
}

}  // namespace cube::http
