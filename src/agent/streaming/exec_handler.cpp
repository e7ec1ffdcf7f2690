#include "agent/streaming/exec_handler.h"

#include "agent/streaming/websocket.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "http/socket_io.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <optional>
#include <thread>
#include <utility>

namespace cube::agent::streaming {

namespace bj = boost::json;

namespace {

constexpr uint8_t kStdin = 0, kStdout = 1, kStderr = 2, kError = 3, kResize = 4, kClose = 255;

bool flag(const http::Request& request, std::string_view name) {
  std::string v = request.param(name);
  return v == "true" || v == "1";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// Writes all of `data` to a pipe or terminal; false once its reader is gone.
bool writeFd(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// kubectl's resize message: {"Width":W,"Height":H}.
std::optional<std::pair<uint16_t, uint16_t>> parseTerminalSize(std::string_view data) {
  try {
    auto size = bj::parse(data).as_object();
    return std::make_pair(static_cast<uint16_t>(size.at("Width").to_number<int64_t>()),
                          static_cast<uint16_t>(size.at("Height").to_number<int64_t>()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Copies `fd` into channel `channel` until end of file (EIO from a terminal's master).
void pump(int fd, uint8_t channel, bool forward, WebSocket& ws) {
  char buf[32 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    if (forward) ws.writeChannel(channel, std::string_view(buf, static_cast<size_t>(n)));
  }
}

void runExec(std::shared_ptr<WebSocket> ws, std::unique_ptr<runtime::Runtime::ExecProcess> proc,
             bool stdoutWanted, bool stderrWanted, bool v5) {
  std::atomic<bool> finishing{false};
  // Input: stdin, resizes and (v5) the close of stdin; a client gone kills the command.
  std::thread input([&] {
    bool stdinOpen = proc->stdinFd() >= 0;
    while (auto m = ws->readMessage()) {
      if (m->payload.empty()) continue;
      auto channel = static_cast<uint8_t>(m->payload[0]);
      std::string_view data(m->payload);
      data.remove_prefix(1);
      if (channel == kStdin && stdinOpen) {
        if (!writeFd(proc->stdinFd(), data)) {
          // The command closed its input; later data has nowhere to go.
          stdinOpen = false;
        }
      } else if (channel == kResize) {
        if (auto size = parseTerminalSize(data)) proc->resize(size->first, size->second);
      } else if (channel == kClose && v5 && !data.empty() &&
                 static_cast<uint8_t>(data[0]) == kStdin && stdinOpen) {
        proc->closeStdin();
        stdinOpen = false;
      }
    }
    if (!finishing) proc->kill();
  });
  std::thread err;
  if (proc->stderrFd() >= 0) {
    err = std::thread([&] { pump(proc->stderrFd(), kStderr, stderrWanted, *ws); });
  }
  pump(proc->stdoutFd(), kStdout, stdoutWanted, *ws);
  if (err.joinable()) err.join();
  int code = proc->wait();
  finishing = true;
  ws->writeChannel(kError, execExitStatus(code));
  ws->close();
  ws->abort();
  input.join();
}

// Attach: the container's own streams through its runtime's session (the shim's socket, for
// crun). Ends when the container's output ends, or the session's stdin does (without
// stdinOnce), or the client goes away; the status is Success either way, as the kubelet's.
void runAttach(std::shared_ptr<WebSocket> ws,
               std::unique_ptr<runtime::Runtime::AttachSession> session, bool v5) {
  std::atomic<bool> finishing{false};
  std::thread input([&] {
    while (auto m = ws->readMessage()) {
      if (m->payload.empty()) continue;
      auto channel = static_cast<uint8_t>(m->payload[0]);
      std::string_view data(m->payload);
      data.remove_prefix(1);
      if (channel == kStdin) {
        session->writeStdin(data);
      } else if (channel == kResize) {
        if (auto size = parseTerminalSize(data)) session->resize(size->first, size->second);
      } else if (channel == kClose && v5 && !data.empty() &&
                 static_cast<uint8_t>(data[0]) == kStdin) {
        session->closeStdin();
      }
    }
    // The client went away: so does the session (and, with stdinOnce, the container's stdin).
    if (!finishing) session->shutdown();
  });
  uint8_t stream = 0;
  std::string data;
  while (session->read(&stream, &data)) {
    if (!ws->writeChannel(stream == 2 ? kStderr : kStdout, data)) break;
  }
  finishing = true;
  session->shutdown();  // an input blocked on a full stdin returns
  ws->writeChannel(kError, execExitStatus(0));
  ws->close();
  ws->abort();
  input.join();
}

// The spec of container `name` (containers, initContainers or ephemeralContainers); nullptr
// when the pod has none by that name.
const bj::object* containerSpec(const bj::object& pod, const std::string& name) {
  const auto* spec = json::getObject(pod, "spec");
  if (!spec) return nullptr;
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    const auto* items = json::getArray(*spec, list);
    if (!items) continue;
    for (const auto& c : *items) {
      if (c.is_object() && json::getString(c.get_object(), "name") == name) {
        return &c.get_object();
      }
    }
  }
  return nullptr;
}

}  // namespace

std::string execExitStatus(int exitCode) {
  bj::object status{{"metadata", bj::object{}}};
  if (exitCode == 0) {
    status["status"] = "Success";
  } else {
    status["status"] = "Failure";
    status["message"] =
        "command terminated with non-zero exit code: exit status " + std::to_string(exitCode);
    status["reason"] = "NonZeroExitCode";
    status["details"] = bj::object{
        {"causes",
         bj::array{bj::object{{"reason", "ExitCode"}, {"message", std::to_string(exitCode)}}}}};
  }
  return json::serialize(status);
}

void serveExec(const http::Request& request, const LocatedPod& pod, const std::string& container,
               bool attach, const http::ResponderPtr& responder) {
  // A container that does not run gets the kubelet's plain-text answer before any protocol talk:
  // kubectl then falls back from WebSocket to SPDY, meets it again and prints it as the kubelet's
  // ("error: unable to upgrade connection: container not found ("c")").
  auto instance = findContainer(pod, container, false);
  if (!instance || instance->state != runtime::ContainerState::Running) {
    http::Response notFound;
    notFound.status = 500;
    notFound.contentType = "text/plain; charset=utf-8";
    notFound.body = "container not found (\"" + container + "\")";
    responder->respond(std::move(notFound));
    return;
  }
  if (!iequals(request.header("Upgrade"), "websocket")) {
    throw ApiError::badRequest(
        "Upgrade request required: this node serves exec and attach over WebSocket "
        "(v5.channel.k8s.io)");
  }
  std::string protocol = chooseSubprotocol(request.header("Sec-WebSocket-Protocol"),
                                           {"v5.channel.k8s.io", "v4.channel.k8s.io"});
  if (protocol.empty()) {
    throw ApiError::badRequest("unsupported WebSocket subprotocols \"" +
                               request.header("Sec-WebSocket-Protocol") +
                               "\": v5.channel.k8s.io or v4.channel.k8s.io");
  }
  std::string key = request.header("Sec-WebSocket-Key");
  if (key.empty()) throw ApiError::badRequest("missing Sec-WebSocket-Key");
  runtime::Runtime::ExecOptions options;
  for (const auto& [k, v] : request.query) {
    if (k == "command") options.command.push_back(v);
  }
  options.stdin = flag(request, "stdin");
  options.tty = flag(request, "tty");
  // Attach: whether there is a terminal is the container's (the kubelet takes it from the spec),
  // and input without `stdin: true` goes nowhere (no error, as with the kubelet).
  bool attachStdin = false;
  if (attach) {
    const bj::object* spec = pod.pod ? containerSpec(*pod.pod, container) : nullptr;
    options.tty = spec && json::getBool(*spec, "tty");
    attachStdin = options.stdin && spec && json::getBool(*spec, "stdin");
  }
  bool stdoutWanted = flag(request, "stdout");
  bool stderrWanted = flag(request, "stderr") && !options.tty;
  if (!attach && options.command.empty()) {
    throw ApiError::badRequest("you must specify at least 1 command");
  }
  if (!options.stdin && !stdoutWanted && !stderrWanted) {
    throw ApiError::badRequest("you must specify at least one of stdin, stdout, stderr");
  }
  std::unique_ptr<runtime::Runtime::AttachSession> session;
  if (attach) {
    try {
      session = pod.runtime->attach(instance->id, {attachStdin, stdoutWanted, stderrWanted});
    } catch (const runtime::RuntimeError& e) {
      throw ApiError::internal(e.what());
    }
  }
  std::unique_ptr<runtime::Runtime::ExecProcess> proc;
  // With a terminal the command starts after the upgrade, once kubectl sent the terminal's size
  // (its first message): a command that asks for the size at once then gets the real one.
  if (!attach && !options.tty) {
    try {
      proc = pod.runtime->startExec(instance->id, options);
    } catch (const runtime::RuntimeError& e) {
      throw ApiError::internal(e.what());
    }
  }
  http::HijackedConnection conn = responder->hijack();
  std::string answer =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      websocketAccept(key) + "\r\nSec-WebSocket-Protocol: " + protocol + "\r\n\r\n";
  if (!http::writeAll(conn.fd, answer)) {
    ::close(conn.fd);
    if (proc) proc->kill();
    return;  // a session ends with its object
  }
  auto ws = std::make_shared<WebSocket>(conn.fd, std::move(conn.buffered));
  bool v5 = protocol == "v5.channel.k8s.io";
  if (attach) {
    std::thread(runAttach, ws, std::move(session), v5).detach();
    return;
  }
  std::thread([ws, p = std::move(proc), stdoutWanted, stderrWanted, v5, options,
               runtime = pod.runtime, id = instance->id]() mutable {
    if (!p) {
      bool timedOut = false;
      auto first = ws->readMessage(1000, &timedOut);
      if (first && first->payload.size() > 1 &&
          static_cast<uint8_t>(first->payload[0]) == kResize) {
        try {
          auto size = bj::parse(std::string_view(first->payload).substr(1)).as_object();
          options.width = static_cast<uint16_t>(size.at("Width").to_number<int64_t>());
          options.height = static_cast<uint16_t>(size.at("Height").to_number<int64_t>());
        } catch (const std::exception&) {
        }
      }
      if (!first && !timedOut) return;  // the client went away
      try {
        p = runtime->startExec(id, options);
      } catch (const std::exception& e) {
        bj::object status{{"metadata", bj::object{}},
                          {"status", "Failure"},
                          {"message", e.what()},
                          {"reason", "InternalError"}};
        ws->writeChannel(kError, json::serialize(status));
        ws->close();
        return;
      }
      // Input that came with the size (rare) is not lost: there is none before the command runs
      // in kubectl's order (size first), so nothing else was read.
    }
    runExec(ws, std::move(p), stdoutWanted, stderrWanted, v5);
  }).detach();
}

}  // namespace cube::agent::streaming
