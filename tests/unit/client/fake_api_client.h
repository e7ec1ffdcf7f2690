#pragma once
// FakeApiClient: an in-memory ApiClient for unit tests of controllers, the scheduler, leader
// election and informers. It keeps the semantics callers depend on: one global revision as
// resourceVersion, Conflict on an update or delete with a stale resourceVersion, AlreadyExists,
// NotFound, watches that replay from a resourceVersion, and it records every request. A test can
// fail requests on purpose with setReactor(). Thread-safe.
//
// Simplifications: merge and strategic-merge patches are both applied as JSON merge patches
// (RFC 7386); JSON patch is refused; label selectors support `k=v`, `k==v`, `k!=v`, `k`, `!k`;
// field selectors support `path=value` / `path!=value` on dotted paths; no watch history limit.

#include "client/api_client.h"
#include "items_of.h"

#include <boost/json.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace cube::client::testing {

struct FakeAction {
  std::string verb;      // get, list, create, update, patch, delete, watch
  std::string resource;  // plural, with ".group" unless core: "leases.coordination.k8s.io"
  std::string ns;
  std::string name;
  std::string subresource;
};

class FakeApiClient : public ApiClient {
 public:
  // Called before each request with the lock released; may throw (e.g. an ApiError) to fail it.
  using Reactor = std::function<void(const FakeAction&)>;

  FakeApiClient() : state_(std::make_shared<State>()) {}

  void setReactor(Reactor reactor) {
    std::lock_guard lock(state_->mutex);
    reactor_ = std::move(reactor);
  }
  std::vector<FakeAction> actions() const {
    std::lock_guard lock(state_->mutex);
    return actions_;
  }
  void clearActions() {
    std::lock_guard lock(state_->mutex);
    actions_.clear();
  }
  // The stored object, or nullopt.
  std::optional<boost::json::object> stored(const Resource& r, const std::string& ns,
                                            const std::string& name) const {
    std::lock_guard lock(state_->mutex);
    auto it = state_->objects.find(keyOf(r, ns, name));
    if (it == state_->objects.end()) return std::nullopt;
    return it->second;
  }
  int64_t revision() const {
    std::lock_guard lock(state_->mutex);
    return state_->revision;
  }

  boost::json::object get(const Resource& r, const std::string& ns,
                          const std::string& name) override {
    react({"get", resourceName(r), ns, name, ""});
    std::lock_guard lock(state_->mutex);
    auto it = state_->objects.find(keyOf(r, ns, name));
    if (it == state_->objects.end()) throw ApiError::notFound(r.group, r.plural, name);
    return it->second;
  }

  ObjectList list(const Resource& r, const std::string& ns,
                  const ListOptions& options = {}) override {
    react({"list", resourceName(r), ns, "", ""});
    std::lock_guard lock(state_->mutex);
    ObjectList out;
    for (const auto& [key, obj] : state_->objects) {
      if (inScope(key, r, ns) && matches(obj, options.labelSelector, options.fieldSelector)) {
        out.items.push_back(std::make_shared<const boost::json::object>(obj));
      }
    }
    out.resourceVersion = std::to_string(state_->revision);
    return out;
  }

  boost::json::object create(const Resource& r, const std::string& ns,
                             const boost::json::object& obj, const std::string& subresource = "",
                             const std::string& name = "") override {
    std::string objName = name.empty() ? metaString(obj, "name") : name;
    react({"create", resourceName(r), ns, objName, subresource});
    std::lock_guard lock(state_->mutex);
    if (subresource == "binding") return unsafeBind(r, ns, objName, obj);
    if (!subresource.empty()) throw ApiError::notFound(r.group, r.plural + "/" + subresource, name);
    boost::json::object created = obj;
    boost::json::object& meta = metadataOf(created);
    if (objName.empty()) {
      const std::string prefix = metaString(obj, "generateName");
      if (prefix.empty()) throw ApiError::badRequest("name or generateName is required");
      objName = prefix + std::to_string(++state_->generated);
    }
    const std::string key = keyOf(r, ns, objName);
    if (state_->objects.contains(key)) throw ApiError::alreadyExists(r.group, r.plural, objName);
    meta["name"] = objName;
    if (r.namespaced) meta["namespace"] = ns;
    meta["uid"] = "uid-" + std::to_string(++state_->generated);
    unsafeStore(key, r, ns, std::move(created), "ADDED");
    return state_->objects[key];
  }

  boost::json::object update(const Resource& r, const std::string& ns, const std::string& name,
                             const boost::json::object& obj,
                             const std::string& subresource = "") override {
    react({"update", resourceName(r), ns, name, subresource});
    std::lock_guard lock(state_->mutex);
    const std::string key = keyOf(r, ns, name);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) throw ApiError::notFound(r.group, r.plural, name);
    const std::string sent = metaString(obj, "resourceVersion");
    if (!sent.empty() && sent != metaString(it->second, "resourceVersion")) {
      throw ApiError::conflict(r.group, r.plural, name,
                               "the object has been modified; please apply your changes to the "
                               "latest version and try again");
    }
    boost::json::object next = it->second;
    if (subresource == "status") {
      if (const auto* status = obj.if_contains("status")) next["status"] = *status;
    } else {
      boost::json::object meta = metadataOf(next);  // keep server-owned fields
      next = obj;
      boost::json::object& newMeta = metadataOf(next);
      for (const char* f : {"uid", "name", "namespace", "creationTimestamp"}) {
        if (meta.contains(f)) newMeta[f] = meta[f];
      }
    }
    unsafeStore(key, r, ns, std::move(next), "MODIFIED");
    return state_->objects[key];
  }

  boost::json::object patch(const Resource& r, const std::string& ns, const std::string& name,
                            PatchKind kind, const std::string& body,
                            const std::string& subresource = "") override {
    react({"patch", resourceName(r), ns, name, subresource});
    if (kind == PatchKind::Json) throw ApiError::badRequest("fake: JSON patch is not supported");
    std::lock_guard lock(state_->mutex);
    const std::string key = keyOf(r, ns, name);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) throw ApiError::notFound(r.group, r.plural, name);
    boost::json::value patched = it->second;
    mergePatch(patched, boost::json::parse(body));
    if (!patched.is_object()) throw ApiError::badRequest("patch result is not an object");
    // As the API server: a patch cannot change the uid (the kubelet's status patches carry it).
    if (metaString(patched.get_object(), "uid") != metaString(it->second, "uid")) {
      throw ApiError(422, "Invalid", "metadata.uid: field is immutable");
    }
    unsafeStore(key, r, ns, std::move(patched.get_object()), "MODIFIED");
    return state_->objects[key];
  }

  void remove(const Resource& r, const std::string& ns, const std::string& name,
              const DeleteOptions& options = {}) override {
    react({"delete", resourceName(r), ns, name, ""});
    std::lock_guard lock(state_->mutex);
    const std::string key = keyOf(r, ns, name);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) throw ApiError::notFound(r.group, r.plural, name);
    if ((!options.preconditionUid.empty() &&
         options.preconditionUid != metaString(it->second, "uid")) ||
        (!options.preconditionResourceVersion.empty() &&
         options.preconditionResourceVersion != metaString(it->second, "resourceVersion"))) {
      throw ApiError::conflict(r.group, r.plural, name, "precondition failed");
    }
    boost::json::object gone = std::move(it->second);
    state_->objects.erase(it);
    ++state_->revision;
    metadataOf(gone)["resourceVersion"] = std::to_string(state_->revision);
    state_->events.push_back(
        {state_->revision,
         prefixOf(r),
         ns,
         {"DELETED", std::make_shared<const boost::json::object>(std::move(gone))}});
    state_->changed.notify_all();
  }

  std::unique_ptr<WatchStream> watch(const Resource& r, const std::string& ns,
                                     const WatchOptions& options) override {
    react({"watch", resourceName(r), ns, "", ""});
    std::lock_guard lock(state_->mutex);
    auto stream = std::make_unique<Stream>(state_, r, ns, options);
    int64_t from = options.resourceVersion.empty() ? 0 : std::stoll(options.resourceVersion);
    if (from == 0) {
      // As the API server does for resourceVersion "" or "0": the current state as ADDED first.
      for (const auto& [key, obj] : state_->objects) {
        if (inScope(key, r, ns) && matches(obj, options.labelSelector, options.fieldSelector)) {
          stream->pending.push_back({"ADDED", std::make_shared<const boost::json::object>(obj)});
        }
      }
      from = state_->revision;
    }
    stream->after = from;
    return stream;
  }

  // --- helpers, public so tests can reuse them ---

  static std::string resourceName(const Resource& r) {
    return r.group.empty() ? r.plural : r.plural + "." + r.group;
  }
  static boost::json::object& metadataOf(boost::json::object& obj) {
    boost::json::value& meta = obj["metadata"];
    if (!meta.is_object()) meta = boost::json::object();
    return meta.get_object();
  }
  static std::string metaString(const boost::json::object& obj, const char* field) {
    const auto* meta = obj.if_contains("metadata");
    if (!meta || !meta->is_object()) return "";
    const auto* v = meta->get_object().if_contains(field);
    return v && v->is_string() ? std::string(v->get_string()) : "";
  }

 private:
  struct Event {
    int64_t revision;
    std::string prefix;
    std::string ns;
    WatchEvent event;
  };
  // Shared with open watch streams, which may outlive the client.
  struct State {
    mutable std::mutex mutex;  // guards everything here and the client's reactor_ and actions_
    std::condition_variable changed;                     // a new event, or a stream closed
    std::map<std::string, boost::json::object> objects;  // keyOf() -> object
    std::vector<Event> events;
    int64_t revision = 0;
    int64_t generated = 0;  // names for generateName and uids
  };

  class Stream : public WatchStream {
   public:
    Stream(std::shared_ptr<State> state, const Resource& r, std::string ns, WatchOptions options)
        : state_(std::move(state)),
          prefix_(prefixOf(r)),
          ns_(std::move(ns)),
          options_(std::move(options)) {}
    bool next(WatchEvent& event) override {
      std::unique_lock lock(state_->mutex);
      while (true) {
        if (closed_) return false;
        if (!pending.empty()) {
          event = std::move(pending.front());
          pending.pop_front();
          return true;
        }
        for (const Event& e : state_->events) {
          if (e.revision <= after) continue;
          after = e.revision;
          if (e.prefix != prefix_ || (!ns_.empty() && e.ns != ns_)) continue;
          if (!matches(*e.event.object, options_.labelSelector, options_.fieldSelector)) continue;
          event = e.event;
          return true;
        }
        state_->changed.wait(lock);
      }
    }
    void close() override {
      std::lock_guard lock(state_->mutex);
      closed_ = true;
      state_->changed.notify_all();
    }

    std::deque<WatchEvent> pending;  // initial ADDED events; guarded by state_->mutex
    int64_t after = 0;               // last revision delivered; guarded by state_->mutex

   private:
    std::shared_ptr<State> state_;
    const std::string prefix_;
    const std::string ns_;
    const WatchOptions options_;
    bool closed_ = false;  // guarded by state_->mutex
  };

  static std::string prefixOf(const Resource& r) { return r.group + "/" + r.plural + "/"; }
  static std::string keyOf(const Resource& r, const std::string& ns, const std::string& name) {
    return prefixOf(r) + (r.namespaced ? ns : "") + "/" + name;
  }
  static bool inScope(const std::string& key, const Resource& r, const std::string& ns) {
    const std::string prefix = prefixOf(r);
    if (key.compare(0, prefix.size(), prefix) != 0) return false;
    return ns.empty() || !r.namespaced || key.compare(prefix.size(), ns.size() + 1, ns + "/") == 0;
  }

  void react(const FakeAction& action) {
    Reactor reactor;
    {
      std::lock_guard lock(state_->mutex);
      actions_.push_back(action);
      reactor = reactor_;
    }
    if (reactor) reactor(action);
  }

  // Stores `obj` at `key` with the next revision and records the event. state_->mutex held.
  void unsafeStore(const std::string& key, const Resource& r, const std::string& ns,
                   boost::json::object obj, const char* type) {
    ++state_->revision;
    metadataOf(obj)["resourceVersion"] = std::to_string(state_->revision);
    state_->events.push_back({state_->revision,
                              prefixOf(r),
                              r.namespaced ? ns : "",
                              {type, std::make_shared<const boost::json::object>(obj)}});
    state_->objects[key] = std::move(obj);
    state_->changed.notify_all();
  }

  // pods/binding: sets spec.nodeName of the pod. state_->mutex held.
  boost::json::object unsafeBind(const Resource& r, const std::string& ns, const std::string& name,
                                 const boost::json::object& binding) {
    const std::string key = keyOf(r, ns, name);
    auto it = state_->objects.find(key);
    if (it == state_->objects.end()) throw ApiError::notFound(r.group, r.plural, name);
    const auto* target = binding.if_contains("target");
    const auto* node =
        target && target->is_object() ? target->get_object().if_contains("name") : nullptr;
    if (!node || !node->is_string()) throw ApiError::badRequest("binding without target.name");
    boost::json::object pod = it->second;
    boost::json::value& spec = pod["spec"];
    if (!spec.is_object()) spec = boost::json::object();
    if (const auto* current = spec.get_object().if_contains("nodeName");
        current && current->is_string() && !current->get_string().empty()) {
      throw ApiError::conflict(r.group, r.plural, name, "pod is already assigned to a node");
    }
    spec.get_object()["nodeName"] = *node;
    unsafeStore(key, r, ns, std::move(pod), "MODIFIED");
    return binding;
  }

  static void mergePatch(boost::json::value& target, const boost::json::value& patch) {
    if (!patch.is_object()) {
      target = patch;
      return;
    }
    if (!target.is_object()) target = boost::json::object();
    for (const auto& [k, v] : patch.get_object()) {
      if (v.is_null()) {
        target.get_object().erase(k);
      } else {
        mergePatch(target.get_object()[k], v);
      }
    }
  }

  static const boost::json::value* pathValue(const boost::json::object& obj,
                                             const std::string& path) {
    const boost::json::object* current = &obj;
    const boost::json::value* v = nullptr;
    std::stringstream parts(path);
    std::string part;
    while (std::getline(parts, part, '.')) {
      if (!current) return nullptr;
      v = current->if_contains(part);
      if (!v) return nullptr;
      current = v->is_object() ? &v->get_object() : nullptr;
    }
    return v;
  }

  // Comma-separated requirements; `labels` says whether keys are label names or field paths.
  static bool matchesSelector(const boost::json::object& obj, const std::string& selector,
                              bool labels) {
    std::stringstream reqs(selector);
    std::string req;
    while (std::getline(reqs, req, ',')) {
      if (req.empty()) continue;
      bool negate = false;
      std::string key, value;
      bool hasValue = true;
      if (auto p = req.find("!="); p != std::string::npos) {
        key = req.substr(0, p), value = req.substr(p + 2), negate = true;
      } else if (auto q = req.find("=="); q != std::string::npos) {
        key = req.substr(0, q), value = req.substr(q + 2);
      } else if (auto e = req.find('='); e != std::string::npos) {
        key = req.substr(0, e), value = req.substr(e + 1);
      } else {
        hasValue = false;
        negate = req[0] == '!';
        key = negate ? req.substr(1) : req;
      }
      const boost::json::value* v = nullptr;
      if (labels) {
        v = pathValue(obj, "metadata.labels");
        v = v && v->is_object() ? v->get_object().if_contains(key) : nullptr;
      } else {
        v = pathValue(obj, key);
      }
      std::string actual;
      if (v && v->is_string())
        actual = std::string(v->get_string());
      else if (v && !v->is_null())
        actual = boost::json::serialize(*v);
      const bool present = v != nullptr;
      const bool ok = hasValue ? (actual == value) != negate : present != negate;
      if (!ok) return false;
    }
    return true;
  }

  static bool matches(const boost::json::object& obj, const std::string& labelSelector,
                      const std::string& fieldSelector) {
    return matchesSelector(obj, labelSelector, true) && matchesSelector(obj, fieldSelector, false);
  }

  std::shared_ptr<State> state_;
  Reactor reactor_;                  // guarded by state_->mutex
  std::vector<FakeAction> actions_;  // guarded by state_->mutex
};

}  // namespace cube::client::testing
