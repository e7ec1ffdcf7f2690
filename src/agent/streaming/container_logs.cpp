#include "agent/streaming/container_logs.h"

#include "common/api_error.h"
#include "common/json_util.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <thread>

namespace cube::agent::streaming {

namespace crun = runtime::crun;

namespace {

bool boolParam(const http::Request& request, std::string_view name) {
  std::string v = request.param(name);
  if (v.empty() || v == "false" || v == "0") return false;
  if (v == "true" || v == "1") return true;
  throw ApiError::badRequest(std::string(name) + ": invalid value \"" + v + "\"");
}

std::optional<int64_t> intParam(const http::Request& request, std::string_view name,
                                int64_t minimum) {
  bool present = false;
  std::string v = request.param(name, &present);
  if (!present || v.empty()) return std::nullopt;
  try {
    size_t used = 0;
    int64_t n = std::stoll(v, &used);
    if (used == v.size() && n >= minimum) return n;
  } catch (const std::exception&) {
  }
  throw ApiError::badRequest(std::string(name) + ": Invalid value: \"" + v + "\"");
}

// The runtime's current view of one container instance.
bool instanceExited(const LocatedPod& pod, const std::string& id) {
  for (const auto& sandbox : pod.runtime->listSandboxes()) {
    if (sandbox.podUid != pod.uid) continue;
    for (const auto& c : pod.runtime->listContainers(sandbox.id)) {
      if (c.id == id) return c.state == runtime::ContainerState::Exited;
    }
  }
  return true;  // gone
}

}  // namespace

LogRequest parseLogRequest(const http::Request& request, crun::LogClock::time_point now) {
  LogRequest r;
  r.follow = boolParam(request, "follow");
  r.previous = boolParam(request, "previous");
  r.read.timestamps = boolParam(request, "timestamps");
  r.read.tailLines = intParam(request, "tailLines", 0);
  r.read.limitBytes = intParam(request, "limitBytes", 1);
  auto sinceSeconds = intParam(request, "sinceSeconds", 1);
  std::string sinceTime = request.param("sinceTime");
  if (sinceSeconds && !sinceTime.empty()) {
    throw ApiError::badRequest("at most one of sinceTime or sinceSeconds may be specified");
  }
  if (sinceSeconds) r.read.since = now - std::chrono::seconds(*sinceSeconds);
  if (!sinceTime.empty()) {
    auto t = crun::parseLogTime(sinceTime);
    if (!t) throw ApiError::badRequest("sinceTime: invalid value \"" + sinceTime + "\"");
    r.read.since = *t;
  }
  return r;
}

void followLog(const std::string& path, uint64_t offset, const crun::LogReadOptions& read,
               int64_t* bytesLeft, const std::function<bool()>& exited,
               const std::function<bool(std::string_view)>& out) {
  // inotify wakes the follower on a write, and says when the log shim (the last writer) closed
  // the file after the container's end.
  int watch = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (watch >= 0) ::inotify_add_watch(watch, path.c_str(), IN_MODIFY | IN_CLOSE_WRITE);
  crun::LogReadOptions rest = read;
  rest.tailLines.reset();  // tail applies to the first read only
  bool stopped = false;
  auto emit = [&](std::string_view text) {
    if (!out(text)) stopped = true;
    return !stopped;
  };
  bool sawExit = false;
  bool writerClosed = false;
  for (int idle = 0;;) {
    uint64_t next = crun::readContainerLog(path, offset, rest, bytesLeft, emit);
    if (stopped || (bytesLeft && *bytesLeft <= 0)) break;
    if (next != offset) idle = 0;
    offset = next;
    if (sawExit && (writerClosed || idle >= 2)) break;
    if (!sawExit && exited()) {
      sawExit = true;
      continue;  // read once more: the shim copies what was written before the exit
    }
    pollfd p{watch, POLLIN, 0};
    int r = 0;
    if (watch >= 0) {
      r = ::poll(&p, 1, 1000);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (r > 0) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(watch, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n;) {
          auto* ev = reinterpret_cast<inotify_event*>(buf + i);
          if (ev->mask & IN_CLOSE_WRITE) writerClosed = true;
          i += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
      }
    } else if (sawExit) {
      ++idle;  // no close seen (the shim ended before we watched): two quiet seconds end it
    }
    // A client that went away is noticed by the next write; nudge with an empty check.
    if (!out(std::string_view())) break;
  }
  if (watch >= 0) ::close(watch);
}

void serveContainerLogs(const http::Request& request, const LocatedPod& pod,
                        const std::string& container, const http::ResponderPtr& responder) {
  LogRequest req = parseLogRequest(request, crun::LogClock::now());
  auto instance = findContainer(pod, container, req.previous);
  if (!instance) {
    std::string podName = json::getString(*json::getObject(*pod.pod, "metadata"), "name");
    if (req.previous) {
      throw ApiError::badRequest("previous terminated container \"" + container + "\" in pod \"" +
                                 podName + "\" not found");
    }
    throw ApiError::badRequest("container \"" + container + "\" in pod \"" + podName +
                               "\" is waiting to start: ContainerCreating");
  }
  if (instance->logPath.empty()) {
    throw ApiError(400, "BadRequest", "container \"" + container + "\" has no log");
  }
  auto stream = responder->startStream(200, "text/plain");
  std::string path = instance->logPath;
  std::string id = instance->id;
  bool follow = req.follow && !req.previous;
  std::thread([stream, path, id, pod, follow, read = req.read] {
    std::optional<int64_t> left = read.limitBytes;
    int64_t* bytesLeft = left ? &*left : nullptr;
    auto out = [&](std::string_view text) {
      if (stream->closed()) return false;
      return text.empty() || stream->write(std::string(text));
    };
    if (follow) {
      followLog(
          path, 0, read, bytesLeft, [&] { return instanceExited(pod, id); }, out);
    } else {
      crun::readContainerLog(path, 0, read, bytesLeft, out);
    }
    stream->close();
  }).detach();
}

}  // namespace cube::agent::streaming
