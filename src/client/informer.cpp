#include "client/informer.h"

#include "common/json_util.h"
#include "common/log.h"

namespace cube::client {

namespace bj = boost::json;

Informer::Informer(ApiClientPtr client, Resource resource, std::string namespace_,
                   ListOptions selectors, std::chrono::milliseconds resyncPeriod)
    : client_(std::move(client)),
      resource_(std::move(resource)),
      namespace_(std::move(namespace_)),
      selectors_(std::move(selectors)),
      resyncPeriod_(resyncPeriod) {}

Informer::~Informer() {
  stop();
}

void Informer::addHandlers(InformerHandlers handlers) {
  handlers_.push_back(std::move(handlers));
}

void Informer::start() {
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  stopping_ = true;
  {
    std::lock_guard lock(streamMutex_);
    if (stream_) stream_->close();
  }
  if (thread_.joinable()) thread_.join();
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(syncMutex_);
  return syncChanged_.wait_for(lock, timeout, [this] { return synced_.load(); });
}

std::string Informer::keyOf(const bj::object& obj) {
  const auto* meta = json::getObject(obj, "metadata");
  if (!meta) return "";
  std::string ns = json::getString(*meta, "namespace");
  std::string name = json::getString(*meta, "name");
  return ns.empty() ? name : ns + "/" + name;
}

ObjectPtr Informer::get(const std::string& key) const {
  std::shared_lock lock(cacheMutex_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::list() const {
  std::shared_lock lock(cacheMutex_);
  std::vector<ObjectPtr> out;
  out.reserve(cache_.size());
  for (const auto& [k, v] : cache_) out.push_back(v);
  return out;
}

std::vector<ObjectPtr> Informer::listNamespace(const std::string& ns) const {
  std::shared_lock lock(cacheMutex_);
  std::vector<ObjectPtr> out;
  std::string prefix = ns + "/";
  for (auto it = cache_.lower_bound(prefix); it != cache_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    out.push_back(it->second);
  }
  return out;
}

std::string Informer::relist() {
  ObjectList fresh = client_->list(resource_, namespace_, selectors_);
  std::map<std::string, ObjectPtr> next;
  for (auto& item : fresh.items) {
    std::string key = keyOf(*item);
    next[key] = std::move(item);
  }
  std::map<std::string, ObjectPtr> previous;
  {
    std::unique_lock lock(cacheMutex_);
    previous.swap(cache_);
    cache_ = next;
  }
  // Level-triggered consumers only need to hear about every object; tell them what changed.
  for (const auto& [key, obj] : next) {
    auto it = previous.find(key);
    for (const auto& h : handlers_) {
      if (it == previous.end()) {
        if (h.onAdd) h.onAdd(obj);
      } else if (h.onUpdate) {
        h.onUpdate(it->second, obj);
      }
    }
  }
  for (const auto& [key, obj] : previous) {
    if (next.count(key)) continue;
    for (const auto& h : handlers_) {
      if (h.onDelete) h.onDelete(obj);
    }
  }
  if (!synced_) {
    std::lock_guard lock(syncMutex_);
    synced_ = true;
    syncChanged_.notify_all();
  }
  return fresh.resourceVersion;
}

void Informer::apply(const WatchEvent& event) {
  const ObjectPtr& obj = event.object;
  std::string key = keyOf(*obj);
  ObjectPtr old;
  {
    std::unique_lock lock(cacheMutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) old = it->second;
    if (event.type == "DELETED") {
      if (it != cache_.end()) cache_.erase(it);
    } else {
      cache_[key] = obj;
    }
  }
  for (const auto& h : handlers_) {
    if (event.type == "DELETED") {
      if (h.onDelete) h.onDelete(old ? old : obj);
    } else if (old) {
      if (h.onUpdate) h.onUpdate(old, obj);
    } else if (h.onAdd) {
      h.onAdd(obj);
    }
  }
}

void Informer::run() {
  std::string revision;
  auto nextResync = std::chrono::steady_clock::now() + resyncPeriod_;
  while (!stopping_) {
    try {
      if (revision.empty()) revision = relist();
      WatchOptions options;
      options.labelSelector = selectors_.labelSelector;
      options.fieldSelector = selectors_.fieldSelector;
      options.resourceVersion = revision;
      options.timeoutSeconds =
          resyncPeriod_.count() > 0 ? std::max<int64_t>(1, resyncPeriod_.count() / 1000) : 0;
      auto stream = client_->watch(resource_, namespace_, options);
      {
        std::lock_guard lock(streamMutex_);
        if (stopping_) return;
        stream_ = std::move(stream);
      }
      WatchEvent event;
      while (!stopping_ && stream_->next(event)) {
        if (event.type == "ERROR") {
          // History gone (410 Expired) or another failure: start over from a fresh LIST.
          revision.clear();
          break;
        }
        const auto* meta = json::getObject(*event.object, "metadata");
        std::string rv = meta ? json::getString(*meta, "resourceVersion") : "";
        if (!rv.empty()) revision = rv;
        if (event.type != "BOOKMARK") apply(event);
      }
      {
        std::lock_guard lock(streamMutex_);
        stream_.reset();
      }
      if (resyncPeriod_.count() > 0 && std::chrono::steady_clock::now() >= nextResync) {
        nextResync = std::chrono::steady_clock::now() + resyncPeriod_;
        for (const auto& obj : list()) {
          for (const auto& h : handlers_) {
            if (h.onUpdate) h.onUpdate(obj, obj);
          }
        }
      }
    } catch (const ApiError& e) {
      if (stopping_) return;
      CUBE_LOG(Warn) << "informer " << resource_.plural << ": " << e.message();
      if (e.code() == 410) revision.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

}  // namespace cube::client
