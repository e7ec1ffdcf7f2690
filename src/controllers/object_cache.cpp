#include "controllers/object_cache.h"

namespace cube::controllers {

void MemoryCache::put(const boost::json::object& obj) {
  auto ptr = std::make_shared<const boost::json::object>(obj);
  std::lock_guard lock(mutex_);
  objects_[client::Informer::keyOf(obj)] = std::move(ptr);
}

void MemoryCache::remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  objects_.erase(key);
}

void MemoryCache::clear() {
  std::lock_guard lock(mutex_);
  objects_.clear();
}

ObjectPtr MemoryCache::get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> MemoryCache::listNamespace(const std::string& ns) const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> out;
  std::string prefix = ns + "/";
  for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->second);
  }
  return out;
}

std::vector<ObjectPtr> MemoryCache::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.push_back(obj);
  return out;
}

}  // namespace cube::controllers
