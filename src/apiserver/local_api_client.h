#pragma once
// LocalApiClient: the ApiClient of components that run inside the API server's process (the
// scheduler and the controller manager in `cube server`). Every call goes to the same
// ResourceStore, admission and watch cache as an HTTP request would, with the same semantics and
// errors — but nothing is encoded or parsed, and objects are handed out as the watch cache's own
// immutable objects, so an informer's cache costs a pointer per object instead of a copy
// (ARCHITECTURE.md: in-process transport, HTTP semantics).
//
// Watches are fed by the watch cache's dispatcher into a per-watch queue (pointers only); a
// consumer that falls 100,000 events behind gets an ERROR (410) and relists, as a slow HTTP
// watcher is cut off. Idle watches that allow bookmarks get one every `bookmarkInterval`.

#include "apiserver/rest/resource_store.h"
#include "client/api_client.h"

#include <chrono>

namespace cube::apiserver {

class LocalApiClient : public client::ApiClient {
 public:
  explicit LocalApiClient(ResourceStore& store,
                          std::chrono::milliseconds bookmarkInterval = std::chrono::seconds(30));

  boost::json::object get(const client::Resource& r, const std::string& ns,
                          const std::string& name) override;
  client::ObjectList list(const client::Resource& r, const std::string& ns,
                          const client::ListOptions& options = {}) override;
  boost::json::object create(const client::Resource& r, const std::string& ns,
                             const boost::json::object& obj, const std::string& subresource = "",
                             const std::string& name = "") override;
  boost::json::object update(const client::Resource& r, const std::string& ns,
                             const std::string& name, const boost::json::object& obj,
                             const std::string& subresource = "") override;
  boost::json::object patch(const client::Resource& r, const std::string& ns,
                            const std::string& name, client::PatchKind kind,
                            const std::string& body, const std::string& subresource = "") override;
  void remove(const client::Resource& r, const std::string& ns, const std::string& name,
              const client::DeleteOptions& options = {}) override;
  std::unique_ptr<client::WatchStream> watch(const client::Resource& r, const std::string& ns,
                                             const client::WatchOptions& options) override;

  static constexpr size_t kMaxQueuedEvents = 100000;

 private:
  // The served resource, 404 as the HTTP server answers for an unknown one; with a subresource,
  // 404 unless the resource has it.
  api::ResourceInfoPtr resolve(const client::Resource& r, const std::string& ns,
                               const std::string& subresource = "") const;

  ResourceStore& store_;
  std::chrono::milliseconds bookmarkInterval_;
};

}  // namespace cube::apiserver
