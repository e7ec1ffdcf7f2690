#include "controllers/garbagecollector/owner_index.h"

#include "common/json_util.h"

namespace cube::controllers::garbagecollector {

namespace bj = boost::json;

void OwnerIndex::update(const std::string& id, const bj::object& obj) {
  std::vector<std::string> uids;
  if (const auto* meta = json::getObject(obj, "metadata")) {
    if (const auto* refs = json::getArray(*meta, "ownerReferences")) {
      for (const auto& ref : *refs) {
        if (ref.is_object()) uids.push_back(json::getString(ref.get_object(), "uid"));
      }
    }
  }
  std::lock_guard lock(mutex_);
  unsafeRemove(id);
  if (uids.empty()) return;
  for (const auto& uid : uids) dependents_[uid].insert(id);
  owners_[id] = std::move(uids);
}

void OwnerIndex::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  unsafeRemove(id);
}

void OwnerIndex::unsafeRemove(const std::string& id) {
  auto it = owners_.find(id);
  if (it == owners_.end()) return;
  for (const auto& uid : it->second) {
    auto d = dependents_.find(uid);
    if (d == dependents_.end()) continue;
    d->second.erase(id);
    if (d->second.empty()) dependents_.erase(d);
  }
  owners_.erase(it);
}

std::vector<std::string> OwnerIndex::dependentsOf(const std::string& ownerUid) const {
  std::lock_guard lock(mutex_);
  auto it = dependents_.find(ownerUid);
  if (it == dependents_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace cube::controllers::garbagecollector
