#pragma once
// ResourceStore: the one generic REST storage behind every resource (the "registry" of
// Kubernetes' apiserver). It is driven by ResourceInfo entries and their strategy hooks; objects
// come in and go out in the version the caller asked for and are stored in the storage version.
// HTTP handlers and in-process controllers both call it, with the same semantics.

#include "api/resource_registry.h"
#include "apiserver/admission/admission.h"
#include "apiserver/watch_cache.h"
#include "common/clock.h"
#include "store/store.h"

#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cube::apiserver {

struct WriteOptions {
  bool dryRun = false;
  std::string fieldValidation = "Warn";  // Strict, Warn or Ignore
  std::string fieldManager;
};

struct DeleteOptions {
  bool dryRun = false;
  std::optional<int64_t> gracePeriodSeconds;
  std::string propagationPolicy;  // Background, Foreground, Orphan, or "" for the kind's default
  std::string preconditionUid;
  std::string preconditionResourceVersion;
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t limit = 0;
  std::string continueToken;
  std::string resourceVersion;
};

struct ListResult {
  std::vector<ObjectPtr> items;
  Revision revision = 0;
  std::string continueToken;
  int64_t remainingItemCount = -1;  // -1: unknown / not paged
};

struct DeleteResult {
  boost::json::object object;  // the object as deleted, or as it now is while it terminates
  bool deleted = false;        // false: still present (finalizers or graceful termination)
};

enum class PatchType { Json, Merge, StrategicMerge, Apply };

class ResourceStore {
 public:
  ResourceStore(api::ResourceRegistry& registry, store::StorePtr store, WatchCache& cache,
                const AdmissionChain& admission, ClockPtr clock);

  // Objects are in `info`'s version. `ns` is "" for cluster-scoped resources. Warnings (unknown
  // fields under fieldValidation=Warn, ...) are appended to `warnings` when given.
  boost::json::object create(const api::ResourceInfo& info, const std::string& ns,
                             boost::json::object obj, const WriteOptions& options,
                             std::vector<std::string>* warnings = nullptr);
  boost::json::object get(const api::ResourceInfo& info, const std::string& ns,
                          const std::string& name);
  ListResult list(const api::ResourceInfo& info, const std::string& ns, const ListOptions& options);
  // `subresource` is "" or "status".
  boost::json::object update(const api::ResourceInfo& info, const std::string& ns,
                             const std::string& name, boost::json::object obj,
                             const std::string& subresource, const WriteOptions& options,
                             std::vector<std::string>* warnings = nullptr);
  boost::json::object patch(const api::ResourceInfo& info, const std::string& ns,
                            const std::string& name, PatchType type, const std::string& body,
                            const std::string& subresource, const WriteOptions& options,
                            std::vector<std::string>* warnings = nullptr);
  DeleteResult remove(const api::ResourceInfo& info, const std::string& ns, const std::string& name,
                      const DeleteOptions& options);
  std::vector<DeleteResult> removeCollection(const api::ResourceInfo& info, const std::string& ns,
                                             const ListOptions& listOptions,
                                             const DeleteOptions& options);

  // Read-modify-write of the stored object with retries on conflict: `mutate` gets the current
  // object (storage version) and changes it in place; used by subresources (binding, scale,
  // finalize) and in-process controllers. Throws NotFound when absent.
  boost::json::object guaranteedUpdate(const api::ResourceInfo& info, const std::string& ns,
                                       const std::string& name,
                                       const std::function<void(boost::json::object&)>& mutate,
                                       const std::string& subresource = "",
                                       const WriteOptions& options = {});

  // Storage key of an object, and the key prefix of a resource (in a namespace or all).
  std::string key(const api::ResourceInfo& info, const std::string& ns,
                  const std::string& name) const;
  std::string prefix(const api::ResourceInfo& info, const std::string& ns) const;

  // Converts a stored (storage-version) object to `info`'s version, and back.
  boost::json::object toVersion(const api::ResourceInfo& info,
                                const boost::json::object& stored) const;
  boost::json::object toStorage(const api::ResourceInfo& info, boost::json::object obj) const;

  // The fields a field selector may name for a kind, with their values for one object.
  std::map<std::string, std::string> selectableFields(const api::ResourceInfo& info,
                                                      const boost::json::object& obj) const;

  api::ResourceRegistry& registry() { return registry_; }
  WatchCache& cache() { return cache_; }
  const ClockPtr& clock() const { return clock_; }

 private:
  api::ResourceInfoPtr storageInfo(const api::ResourceInfo& info) const;
  boost::json::object prepareWrite(const api::ResourceInfo& info, boost::json::object obj,
                                   const WriteOptions& options, std::vector<std::string>* warnings);
  boost::json::object updateStored(const api::ResourceInfo& info, const std::string& ns,
                                   const std::string& name, boost::json::object updated,
                                   const boost::json::object& current, Revision currentRevision,
                                   const std::string& subresource, const WriteOptions& options,
                                   bool* conflict);
  ObjectPtr readCurrent(const std::string& key);
  DeleteResult deleteStored(const api::ResourceInfo& info, const std::string& ns,
                            const std::string& name, const DeleteOptions& options);

  api::ResourceRegistry& registry_;
  store::StorePtr store_;
  WatchCache& cache_;
  const AdmissionChain& admission_;
  ClockPtr clock_;
};

// metadata.resourceVersion as a store revision; 0 when absent; throws BadRequest when malformed.
Revision parseResourceVersion(const std::string& rv);

}  // namespace cube::apiserver
