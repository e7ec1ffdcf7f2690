#pragma once
// ApiClient: the one client of the Kubernetes API that every cube component uses (controllers,
// scheduler, node agent, benchmarks). Objects are JSON; failures are ApiError rebuilt from the
// server's Status, so callers handle NotFound/Conflict/AlreadyExists as the server meant them.
// The HTTP implementation is in http_api_client.h; tests use fakes of this interface.

#include "common/api_error.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cube::client {

// Which resource: "" group = core. `namespaced` decides the path shape.
struct Resource {
  std::string group;
  std::string version;
  std::string plural;
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1/namespaces/ns/pods" (ns "" = all namespaces or cluster-scoped).
  std::string collectionPath(const std::string& ns) const;
  std::string itemPath(const std::string& ns, const std::string& name) const;
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t limit = 0;
  std::string continueToken;
  std::string resourceVersion;
};

// Objects handed out by the client are immutable and shared: an in-process client gives the API
// server's own cached objects, so a component's cache costs pointers, not copies.
using ObjectPtr = std::shared_ptr<const boost::json::object>;

struct ObjectList {
  std::vector<ObjectPtr> items;
  std::string resourceVersion;
  std::string continueToken;
};

struct DeleteOptions {
  std::optional<int64_t> gracePeriodSeconds;
  std::string propagationPolicy;  // Background, Foreground, Orphan or ""
  std::string preconditionUid;
  std::string preconditionResourceVersion;
};

enum class PatchKind { Json, Merge, StrategicMerge };

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  ObjectPtr object;  // never null
};

// A running watch. next() blocks until an event arrives or the stream ends (false). close() may
// be called from any thread and makes a blocked next() return false.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  virtual bool next(WatchEvent& event) = 0;
  virtual void close() = 0;
};

struct WatchOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;
  bool allowBookmarks = true;
  int64_t timeoutSeconds = 0;  // 0: the server's default
};

class ApiClient {
 public:
  virtual ~ApiClient() = default;

  virtual boost::json::object get(const Resource& r, const std::string& ns,
                                  const std::string& name) = 0;
  virtual ObjectList list(const Resource& r, const std::string& ns,
                          const ListOptions& options = {}) = 0;
  // `subresource`: "" or e.g. "binding", "status", "scale".
  virtual boost::json::object create(const Resource& r, const std::string& ns,
                                     const boost::json::object& obj,
                                     const std::string& subresource = "",
                                     const std::string& name = "") = 0;
  virtual boost::json::object update(const Resource& r, const std::string& ns,
                                     const std::string& name, const boost::json::object& obj,
                                     const std::string& subresource = "") = 0;
  virtual boost::json::object patch(const Resource& r, const std::string& ns,
                                    const std::string& name, PatchKind kind,
                                    const std::string& body,
                                    const std::string& subresource = "") = 0;
  virtual void remove(const Resource& r, const std::string& ns, const std::string& name,
                      const DeleteOptions& options = {}) = 0;
  virtual std::unique_ptr<WatchStream> watch(const Resource& r, const std::string& ns,
                                             const WatchOptions& options) = 0;
};

using ApiClientPtr = std::shared_ptr<ApiClient>;

}  // namespace cube::client
