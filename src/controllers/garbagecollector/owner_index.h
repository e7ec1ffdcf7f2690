#pragma once
// OwnerIndex: which cached objects name which owner uid, so that the garbage collector can find
// the dependents of an object the moment it disappears without scanning every cache. It only
// routes events to keys; reconcile() decides from the caches (and the API), never from the index.
// Thread-safe: informer threads of different resources update it concurrently.

#include <boost/json/object.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace cube::controllers::garbagecollector {

class OwnerIndex {
 public:
  // Records (or replaces) what `id` references; an object without ownerReferences is forgotten.
  void update(const std::string& id, const boost::json::object& obj);
  void remove(const std::string& id);
  // Ids of the objects whose ownerReferences name `ownerUid`.
  std::vector<std::string> dependentsOf(const std::string& ownerUid) const;

 private:
  void unsafeRemove(const std::string& id);

  mutable std::mutex mutex_;                                 // guards both maps
  std::map<std::string, std::set<std::string>> dependents_;  // owner uid -> dependent ids
  std::map<std::string, std::vector<std::string>> owners_;   // dependent id -> owner uids
};

}  // namespace cube::controllers::garbagecollector
