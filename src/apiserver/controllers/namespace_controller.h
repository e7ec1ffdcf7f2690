#pragma once
// NamespaceController: a namespace being deleted (Terminating, spec.finalizers holds
// "kubernetes") has everything in it deleted; once nothing is left, the finalizer is removed and
// the namespace goes.

#include "apiserver/rest/resource_store.h"

namespace cube::apiserver {

class NamespaceController {
 public:
  explicit NamespaceController(ResourceStore& store);
  // One level-triggered pass over every terminating namespace.
  void reconcileAll();
  // Deletes the content of one namespace; finalizes it when empty. Returns true when finalized.
  bool reconcile(const std::string& name);

 private:
  ResourceStore& store_;
};

}  // namespace cube::apiserver
