#pragma once
// GarbageCollector: deletes objects whose owners are gone, and carries out the two deletion
// finalizers that `propagationPolicy` puts on an owner.
//
// - Background: an object all of whose ownerReferences point to objects that no longer exist
//   (compared by uid: a new object under the old name is not the owner) is deleted. An object
//   with some owners left only loses the references to the missing ones. Absence seen in a cache
//   is confirmed with a live GET first, because a dependent can be seen before its owner.
// - `orphan` finalizer on a terminating owner: its dependents lose their reference to it, then
//   the finalizer is removed (the API server then removes the owner).
// - `foregroundDeletion` finalizer: dependents are deleted (those with blockOwnerDeletion in the
//   foreground themselves, the rest in the background); once no dependent that blocks the owner
//   remains, the finalizer is removed.
//
// Objects are known through the shared informers of a configurable list of resources; owners of
// other resources are looked up with a GET. Queue keys are "<resource index>|<namespace/name>".
// Level-triggered: every reconcile reads the current caches, and a resync revisits everything.

#include "client/fake_clock.h"
#include "client/work_queue.h"
#include "controllers/controller.h"
#include "controllers/controller_ref.h"
#include "controllers/garbagecollector/owner_index.h"
#include "controllers/object_cache.h"
#include "controllers/queue_workers.h"

#include <memory>
#include <string>
#include <vector>

namespace cube::controllers::garbagecollector {

// One resource the collector watches: its objects can be dependents, and owners found in its
// cache need no GET.
struct GcResource {
  client::Resource resource;
  std::string kind;
};

struct GarbageCollectorOptions {
  // "group/plural" ("" group = core) of the watched resources; defaultResources() when empty.
  std::vector<std::string> resources;
  static std::vector<std::string> defaultResources();
};

class GarbageCollector : public Controller {
 public:
  struct Watched {
    GcResource resource;
    ObjectCachePtr cache;
  };
  struct Deps {
    client::ApiClientPtr client;
    std::vector<Watched> watched;
    client::ClockPtr clock;
  };

  // Production wiring: one shared informer per configured resource, handlers added here.
  GarbageCollector(const ControllerContext& context, GarbageCollectorOptions options = {});
  // Tests: caches and client injected; feed events through observe*/forget or call reconcile().
  explicit GarbageCollector(Deps deps);
  ~GarbageCollector() override;

  std::string name() const override { return "garbage-collector"; }
  void start(int workers) override;
  void stop() override;

  // Collects or finalizes the object behind a queue key. Throws when it must be retried.
  void reconcile(const std::string& id);

  // Informer handlers of watched resource `index`.
  void onAdd(size_t index, const ObjectPtr& obj);
  void onUpdate(size_t index, const ObjectPtr& old, const ObjectPtr& now);
  void onDelete(size_t index, const ObjectPtr& obj);

  // The queue key of `obj` in watched resource `index`.
  static std::string idOf(size_t index, const boost::json::object& obj);
  client::WorkQueue& queue() { return *queue_; }

 private:
  enum class OwnerState { Present, Absent, WaitingForDependents, Unknown };

  // What becomes of a dependent, from the state of its owners.
  struct Verdict {
    enum Action { Keep, DropReferences, Delete } action = Keep;
    std::vector<std::string> dangling;  // uids of owners that are gone
    bool ownerWaiting = false;          // an owner waits for its dependents (foreground)
  };

  OwnerState ownerState(const boost::json::object& dependent, const OwnerReference& ref);
  Verdict judge(const boost::json::object& obj);
  // Judges the cached object, and acts on the API server's current version of it.
  void collect(size_t index, const boost::json::object& cached);
  void orphanDependents(const boost::json::object& owner);
  // True when no dependent that blocks the owner is left.
  bool deleteDependents(const boost::json::object& owner);
  void removeFinalizer(size_t index, const boost::json::object& obj, const std::string& finalizer);
  // Dependents of `owner` in the caches, with the index of their resource.
  std::vector<std::pair<size_t, ObjectPtr>> dependentsOf(const boost::json::object& owner) const;
  // A copy of `obj` ready to be sent back with update().
  boost::json::object writable(size_t index, const boost::json::object& obj) const;
  void enqueueRelated(const boost::json::object& obj);

  Deps deps_;
  OwnerIndex index_;
  std::unique_ptr<client::WorkQueue> queue_;
  std::unique_ptr<QueueWorkers> workers_;
};

}  // namespace cube::controllers::garbagecollector
