#pragma once
// DeletionFinalizers: acts on the two finalizers that delete options add. `orphan`: the object's
// dependents lose their ownerReference to it, then the finalizer goes. `foregroundDeletion`: the
// dependents are deleted first; once none is left, the finalizer goes. Either way the object is
// then removed (its last finalizer gone). This is the part of the garbage collector the API's
// delete semantics cannot do without; the garbage collector proper (deleting dependents of
// objects that are already gone) belongs to the controller manager.

#include "apiserver/rest/resource_store.h"

namespace cube::apiserver {

class DeletionFinalizers {
 public:
  explicit DeletionFinalizers(ResourceStore& store);
  // One level-triggered pass over every terminating object holding either finalizer.
  void reconcileAll();

 private:
  struct Ref {
    api::ResourceInfoPtr resource;
    std::string namespace_, name, uid;
  };
  std::vector<Ref> dependentsOf(const std::string& ownerUid, const std::string& ownerNamespace);
  void reconcile(const Ref& owner, bool orphan);

  ResourceStore& store_;
};

}  // namespace cube::apiserver
