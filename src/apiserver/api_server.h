#pragma once
// ApiServer: the Kubernetes API over HTTP on top of a Store — watch cache, generic REST storage,
// admission, discovery, OpenAPI — plus the control loops that belong to the API itself (namespace
// finalization, event TTL, compaction) and the bootstrap objects.

#include "apiserver/admission/default_toleration_seconds.h"
#include "apiserver/admission/service_allocation.h"
#include "store/store.h"

#include <cstdint>
#include <memory>
#include <string>

namespace cube::apiserver {

class ResourceStore;

struct ApiServerOptions {
  std::string bindAddress = "127.0.0.1";
  uint16_t port = 6443;  // 0 = any free port
  int workerThreads = 32;
  ServiceRanges serviceRanges;
  // Seconds new pods tolerate the not-ready/unreachable NoExecute taints
  // (DefaultTolerationSeconds).
  DefaultTolerationSecondsOptions defaultTolerations;
  // Revisions older than this are compacted away (watches from before get 410 Gone).
  std::chrono::seconds compactionInterval = std::chrono::minutes(5);
  // Events are deleted this long after they were last written (kube-apiserver's --event-ttl).
  std::chrono::seconds eventTtl = std::chrono::hours(1);
};

class ApiServer {
 public:
  virtual ~ApiServer() = default;
  // Loads the store, creates bootstrap objects, starts serving. Throws on failure.
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual uint16_t port() const = 0;
  // In-process access with HTTP semantics (controllers running in this process).
  virtual ResourceStore& resources() = 0;
};

std::unique_ptr<ApiServer> makeApiServer(ApiServerOptions options, store::StorePtr store);

}  // namespace cube::apiserver
