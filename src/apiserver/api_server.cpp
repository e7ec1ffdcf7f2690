#include "apiserver/api_server.h"

#include "apiserver/rest/selectable_fields.h"

#include "api/resource_registry.h"
#include "api/schema/openapi.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/bootstrap.h"
#include "apiserver/controllers/event_ttl.h"
#include "apiserver/controllers/namespace_controller.h"
#include "apiserver/controllers/periodic_loop.h"
#include "apiserver/handlers/discovery.h"
#include "apiserver/handlers/encoding.h"
#include "apiserver/handlers/resource_handler.h"
#include "apiserver/handlers/watch_handler.h"
#include "apiserver/request_info.h"
#include "apiserver/rest/resource_store.h"
#include "apiserver/watch_cache.h"
#include "common/json_util.h"
#include "common/log.h"
#include "http/http_server.h"

#include <algorithm>
#include <atomic>

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

constexpr const char* kGitVersion = "v1.32.0-cube";

bj::object versionInfo() {
  return bj::object{{"major", "1"},
                    {"minor", "32"},
                    {"gitVersion", kGitVersion},
                    {"gitCommit", "0000000000000000000000000000000000000000"},
                    {"gitTreeState", "clean"},
                    {"buildDate", "2026-11-21T00:00:00Z"},
                    {"goVersion", "c++20"},
                    {"compiler", "gcc"},
                    {"platform", "linux/amd64"}};
}

http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.contentType = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

ApiError notFoundPath() {
  return ApiError(404, "NotFound", "the server could not find the requested resource");
}

class ApiServerImpl : public ApiServer {
 public:
  ApiServerImpl(ApiServerOptions options, store::StorePtr store)
      : options_(std::move(options)),
        store_(std::move(store)),
        registry_(api::ResourceRegistry::builtin()),
        // Events are read from the store, not held: kube-apiserver's default for them too.
        cache_(store_, 10000, {"/registry/core/events/"}),
        resources_(registry_, store_, cache_, admission_, systemClock()),
        watches_(resources_),
        handler_(registry_, resources_, watches_),
        namespaces_(resources_),
        eventTtl_(resources_, options_.eventTtl) {
    // The watch history keeps of previous versions only what selectors read.
    std::map<std::string, api::ResourceInfoPtr> kinds;  // key prefix -> storage info
    for (const auto& info : registry_.all()) {
      auto storage = registry_.storageOf(*info);
      kinds.emplace(resources_.prefix(*storage, ""), storage);
    }
    cache_.setPreviousView(
        [kinds = std::move(kinds)](const std::string& key, const ObjectPtr& previous) {
          // "/registry/<group>/<plural>/": the first three slashes after the leading one.
          size_t end = key.find('/', key.find('/', std::string("/registry/").size()) + 1);
          auto it = end == std::string::npos ? kinds.end() : kinds.find(key.substr(0, end + 1));
          if (it == kinds.end()) return previous;
          return ObjectPtr(
              std::make_shared<const boost::json::object>(selectionView(*it->second, *previous)));
        });
    auto namespacesInfo = registry_.find("", "v1", "namespaces");
    admission_.add(
        std::make_shared<NamespaceLifecycle>([this, namespacesInfo](const std::string& name) {
          std::string key = resources_.key(*namespacesInfo, "", name);
          ObjectPtr ns = cache_.get(key);
          if (!ns) {
            cache_.sync();
            ns = cache_.get(key);
          }
          return ns;
        }));
    auto servicesInfo = registry_.find("", "v1", "services");
    serviceAllocation_ = std::make_shared<ServiceAllocation>(
        options_.serviceRanges,
        [this, servicesInfo](const std::function<void(const bj::object&)>& visit) {
          cache_.sync();
          cache_.list(resources_.prefix(*servicesInfo, ""), "",
                      [&](const std::string&, const ObjectPtr& svc) {
                        visit(*svc);
                        return true;
                      });
        });
    admission_.add(serviceAllocation_);
    admission_.add(std::make_shared<DefaultTolerationSeconds>(options_.defaultTolerations));
  }

  ~ApiServerImpl() override { stop(); }

  void start() override {
    cache_.start();
    http::ServerOptions httpOptions;
    httpOptions.bindAddress = options_.bindAddress;
    httpOptions.port = options_.port;
    httpOptions.workerThreads = options_.workerThreads;
    http_ = http::makeHttpServer(
        httpOptions, [this](const http::Request& r, const http::ResponderPtr& responder) {
          route(r, responder);
        });
    http_->start();
    ensureBootstrap();
    namespaceLoop_ = std::make_unique<PeriodicLoop>("namespace controller", std::chrono::seconds(1),
                                                    [this] { namespaces_.reconcileAll(); });
    compactLoop_ = std::make_unique<PeriodicLoop>(
        "compaction",
        std::chrono::duration_cast<std::chrono::milliseconds>(options_.compactionInterval),
        [this] { compact(); });
    // The bootstrap objects are kept, not just created: `kubectl delete all --all` removes the
    // kubernetes service, and it comes back as in Kubernetes.
    bootstrapLoop_ = std::make_unique<PeriodicLoop>("bootstrap", std::chrono::seconds(10),
                                                    [this] { ensureBootstrap(); });
    // A tenth of the TTL between passes (at most a minute): an Event outlives its TTL by little.
    eventTtlLoop_ = std::make_unique<PeriodicLoop>(
        "event TTL",
        std::clamp<std::chrono::milliseconds>(options_.eventTtl / 10, std::chrono::seconds(1),
                                              std::chrono::minutes(1)),
        [this] { eventTtl_.reconcileAll(); });
    bootstrapLoop_->start();
    eventTtlLoop_->start();
    namespaceLoop_->start();
    compactLoop_->start();
    ready_ = true;
  }

  void stop() override {
    if (stopped_.exchange(true)) return;
    ready_ = false;
    if (bootstrapLoop_) bootstrapLoop_->stop();
    if (namespaceLoop_) namespaceLoop_->stop();
    if (compactLoop_) compactLoop_->stop();
    if (eventTtlLoop_) eventTtlLoop_->stop();
    // Watch streams belong to HTTP connections: end them while the connections still run.
    watches_.shutdown();
    if (http_) http_->stop();
    cache_.stop();
  }

  uint16_t port() const override { return http_ ? http_->port() : 0; }
  ResourceStore& resources() override { return resources_; }

 private:
  void ensureBootstrap() {
    std::string ip = options_.bindAddress == "0.0.0.0" ? "127.0.0.1" : options_.bindAddress;
    ensureBootstrapObjects(resources_,
                           ServiceAllocation::formatIp(options_.serviceRanges.cidrBase + 1), ip,
                           http_->port());
  }

  // Compacts to the revision seen one interval ago, as Kubernetes does: watchers get a full
  // interval to catch up before their revision goes.
  void compact() {
    store::Revision target = lastSeenRevision_;
    lastSeenRevision_ = store_->currentRevision();
    if (target > store_->compactedRevision()) store_->compact(target);
  }

  void route(const http::Request& request, const http::ResponderPtr& responder) {
    const std::string& path = request.path;
    if (path == "/version" || path == "/version/") {
      responder->respond(jsonResponse(200, json::serialize(versionInfo())));
      return;
    }
    if (path == "/healthz" || path == "/livez" || path == "/readyz" ||
        path.rfind("/healthz/", 0) == 0 || path.rfind("/livez/", 0) == 0 ||
        path.rfind("/readyz/", 0) == 0) {
      bool ok = path.rfind("/readyz", 0) != 0 || ready_;
      responder->respond(text(ok ? 200 : 503, ok ? "ok" : "not ready"));
      return;
    }
    if (path == "/api" || path == "/api/" || path == "/apis" || path == "/apis/") {
      bool legacy = path.rfind("/api/", 0) == 0 || path == "/api";
      Negotiated n = negotiate(request.accept, true);
      bj::object doc;
      if (n.representation == Representation::AggregatedDiscovery ||
          n.representation == Representation::AggregatedDiscoveryBeta1) {
        doc = aggregatedDiscoveryDocument(registry_, legacy, n.tableVersion);
      } else if (legacy) {
        doc = apiVersionsDocument(options_.bindAddress + ":" + std::to_string(port()));
      } else {
        doc = apiGroupListDocument(registry_);
      }
      responder->respond(jsonResponse(200, json::serialize(doc), {}, contentTypeFor(n)));
      return;
    }
    if (path.rfind("/openapi/", 0) == 0) {
      serveOpenApi(request, responder);
      return;
    }
    RequestInfo info = parseRequestInfo(request);
    if (!info.isResourceRequest) {
      serveGroupDiscovery(request, info, responder);
      return;
    }
    handler_.handle(request, info, responder);
  }

  void serveGroupDiscovery(const http::Request& request, const RequestInfo& info,
                           const http::ResponderPtr& responder) {
    // /api/v1, /apis/<group>, /apis/<group>/<version>
    std::string p = request.path;
    while (!p.empty() && p.back() == '/') p.pop_back();
    std::optional<bj::object> doc;
    if (p.rfind("/api/", 0) == 0) {
      doc = apiResourceListDocument(registry_, "", p.substr(5));
    } else if (p.rfind("/apis/", 0) == 0) {
      std::string rest = p.substr(6);
      auto slash = rest.find('/');
      if (slash == std::string::npos) {
        doc = apiGroupDocument(registry_, rest);
      } else {
        doc = apiResourceListDocument(registry_, rest.substr(0, slash), rest.substr(slash + 1));
      }
    }
    if (!doc) throw notFoundPath();
    responder->respond(jsonResponse(200, json::serialize(*doc)));
  }

  void serveOpenApi(const http::Request& request, const http::ResponderPtr& responder) {
    const std::string& p = request.path;
    if (p == "/openapi/v3" || p == "/openapi/v3/") {
      responder->respond(jsonResponse(200, json::serialize(api::openApiV3Index(registry_))));
      return;
    }
    if (p == "/openapi/v2" || p == "/openapi/v2/") {
      serveOpenApiV2(request, responder);
      return;
    }
    std::string rest = p.rfind("/openapi/v3/", 0) == 0 ? p.substr(12) : "";
    std::string group, version;
    if (rest.rfind("api/", 0) == 0) {
      version = rest.substr(4);
    } else if (rest.rfind("apis/", 0) == 0) {
      std::string gv = rest.substr(5);
      auto slash = gv.find('/');
      if (slash != std::string::npos) {
        group = gv.substr(0, slash);
        version = gv.substr(slash + 1);
      }
    }
    if (version.empty()) throw notFoundPath();
    bj::object doc = api::openApiV3Document(registry_, group, version);
    if (doc.empty()) throw notFoundPath();
    http::Response r = jsonResponse(200, json::serialize(doc));
    if (request.hasParam("hash")) {
      r.headers.emplace_back("Cache-Control", "public, immutable");
    }
    responder->respond(std::move(r));
  }

  // cube documents its API in OpenAPI v3 only. kubectl falls back to /openapi/v2 for a kind it
  // cannot find in v3 (a kind the server does not serve); a v2 document without definitions tells
  // it there is nothing to validate against, so it goes on to report the unknown kind, as it does
  // against Kubernetes. kubectl asks for the gnostic protobuf encoding.
  void serveOpenApiV2(const http::Request& request, const http::ResponderPtr& responder) {
    if (request.accept.find("protobuf") != std::string::npos) {
      // Document{swagger: "2.0", info: {title: "cube", version: kGitVersion}}
      std::string title = "cube", version = kGitVersion;
      std::string info;
      info += '\x0a';
      info += static_cast<char>(title.size());
      info += title;
      info += '\x12';
      info += static_cast<char>(version.size());
      info += version;
      std::string doc = std::string(
          "\x0a\x03"
          "2.0",
          5);
      doc += '\x12';
      doc += static_cast<char>(info.size());
      doc += info;
      http::Response r;
      r.contentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
      r.body = std::move(doc);
      responder->respond(std::move(r));
      return;
    }
    bj::object doc{{"swagger", "2.0"},
                   {"info", bj::object{{"title", "cube"}, {"version", kGitVersion}}},
                   {"paths", bj::object()},
                   {"definitions", bj::object()}};
    responder->respond(jsonResponse(200, json::serialize(doc)));
  }

  ApiServerOptions options_;
  store::StorePtr store_;
  api::ResourceRegistry& registry_;
  AdmissionChain admission_;
  WatchCache cache_;
  ResourceStore resources_;
  WatchHandler watches_;
  ResourceHandler handler_;
  NamespaceController namespaces_;
  EventTtl eventTtl_;
  std::shared_ptr<ServiceAllocation> serviceAllocation_;
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<PeriodicLoop> bootstrapLoop_, namespaceLoop_, compactLoop_, eventTtlLoop_;
  store::Revision lastSeenRevision_ = 0;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace

std::unique_ptr<ApiServer> makeApiServer(ApiServerOptions options, store::StorePtr store) {
  return std::make_unique<ApiServerImpl>(std::move(options), std::move(store));
}

}  // namespace cube::apiserver
