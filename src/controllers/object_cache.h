#pragma once
// ObjectCache: the read side of a controller. Controllers never read the API server while
// reconciling; they read what an informer has cached. The interface lets tests seed a cache
// directly (MemoryCache) instead of running an informer against a server.

#include "client/informer.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cube::controllers {

using client::ObjectPtr;

class ObjectCache {
 public:
  virtual ~ObjectCache() = default;
  // "namespace/name" (or "name"); nullptr when absent.
  virtual ObjectPtr get(const std::string& key) const = 0;
  virtual std::vector<ObjectPtr> listNamespace(const std::string& ns) const = 0;
  virtual std::vector<ObjectPtr> list() const = 0;
};
using ObjectCachePtr = std::shared_ptr<ObjectCache>;

// Reads a running informer's cache.
class InformerCache : public ObjectCache {
 public:
  explicit InformerCache(std::shared_ptr<client::Informer> informer)
      : informer_(std::move(informer)) {}
  ObjectPtr get(const std::string& key) const override { return informer_->get(key); }
  std::vector<ObjectPtr> listNamespace(const std::string& ns) const override {
    return informer_->listNamespace(ns);
  }
  std::vector<ObjectPtr> list() const override { return informer_->list(); }

 private:
  std::shared_ptr<client::Informer> informer_;
};

// A cache that holds what it is given: for tests, and for anything that wants an
// informer-shaped view of objects it already has. Thread-safe.
class MemoryCache : public ObjectCache {
 public:
  void put(const boost::json::object& obj);
  void remove(const std::string& key);
  void clear();

  ObjectPtr get(const std::string& key) const override;
  std::vector<ObjectPtr> listNamespace(const std::string& ns) const override;
  std::vector<ObjectPtr> list() const override;

 private:
  mutable std::mutex mutex_;  // guards objects_
  std::map<std::string, ObjectPtr> objects_;
};
using MemoryCachePtr = std::shared_ptr<MemoryCache>;

}  // namespace cube::controllers
