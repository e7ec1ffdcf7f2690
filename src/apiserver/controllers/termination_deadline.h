#pragma once
// TerminationDeadline: a pod whose graceful termination period has run out without its node
// confirming (the node agent deletes it with grace 0 once its containers have stopped) is removed,
// so a pod never outlives its deletion deadline.

#include "apiserver/rest/resource_store.h"

namespace cube::apiserver {

class TerminationDeadline {
 public:
  explicit TerminationDeadline(ResourceStore& store);
  void reconcileAll();

 private:
  ResourceStore& store_;
};

}  // namespace cube::apiserver
