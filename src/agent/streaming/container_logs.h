#pragma once
// GET /containerLogs/<ns>/<pod>/<container>?follow=&previous=&tailLines=&sinceSeconds=&
// sinceTime=&timestamps=&limitBytes= — the kubelet's log endpoint, which the API server's
// pods/log proxies to. Text, chunked; with follow it keeps sending what the container writes
// and ends after the container has exited and its log shim has finished the file.

#include "agent/streaming/pod_locator.h"
#include "http/http_types.h"
#include "runtime/crun/container_log.h"

namespace cube::agent::streaming {

struct LogRequest {
  runtime::crun::LogReadOptions read;
  bool follow = false;
  bool previous = false;
};

// The query of a pods/log or containerLogs request; throws ApiError(400) on a bad value.
LogRequest parseLogRequest(const http::Request& request, runtime::crun::LogClock::time_point now);

// Answers on the responder (a thread of its own when following).
void serveContainerLogs(const http::Request& request, const LocatedPod& pod,
                        const std::string& container, const http::ResponderPtr& responder);

// Follows `path` from `offset` into `out` until `exited()` says the container ended and its
// writer closed the file, or `out` returns false. Used by logs -f and by attach.
void followLog(const std::string& path, uint64_t offset, const runtime::crun::LogReadOptions& read,
               int64_t* bytesLeft, const std::function<bool()>& exited,
               const std::function<bool(std::string_view)>& out);

}  // namespace cube::agent::streaming
