#include "apiserver/controllers/deletion_finalizers.h"

#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"
#include "common/log.h"

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

// The storage resource (one per kind) of every stored key: "/registry/<group>/<plural>/...".
api::ResourceInfoPtr resourceOfKey(api::ResourceRegistry& registry, const std::string& key) {
  size_t groupStart = std::string("/registry/").size();
  size_t groupEnd = key.find('/', groupStart);
  size_t pluralEnd = key.find('/', groupEnd + 1);
  if (groupEnd == std::string::npos || pluralEnd == std::string::npos) return nullptr;
  std::string group = key.substr(groupStart, groupEnd - groupStart);
  if (group == "core") group.clear();
  std::string plural = key.substr(groupEnd + 1, pluralEnd - groupEnd - 1);
  for (const auto& r : registry.all()) {
    if (r->group == group && r->plural == plural && r->version == r->storageVersion &&
        !r->storageGroup) {
      return r;
    }
  }
  return nullptr;
}

bool ownedBy(const bj::object& obj, const std::string& ownerUid) {
  const auto* refs = json::getArray(metadataOf(obj), "ownerReferences");
  if (!refs) return false;
  for (const auto& ref : *refs) {
    if (ref.is_object() && json::getString(ref.get_object(), "uid") == ownerUid) return true;
  }
  return false;
}

}  // namespace

DeletionFinalizers::DeletionFinalizers(ResourceStore& store) : store_(store) {}

void DeletionFinalizers::reconcileAll() {
  std::vector<std::pair<Ref, bool>> owners;
  store_.cache().list("/registry/", "", [&](const std::string& key, const ObjectPtr& obj) {
    if (!isTerminating(*obj)) return true;
    bool orphan = hasFinalizer(*obj, "orphan");
    if (!orphan && !hasFinalizer(*obj, "foregroundDeletion")) return true;
    if (auto resource = resourceOfKey(store_.registry(), key)) {
      owners.push_back({{resource, namespaceOf(*obj), nameOf(*obj), uidOf(*obj)}, orphan});
    }
    return true;
  });
  for (const auto& [owner, orphan] : owners) {
    try {
      reconcile(owner, orphan);
    } catch (const ApiError& e) {
      if (e.code() != 404 && e.code() != 409) {
        CUBE_LOG(Warn) << "finalizing " << owner.resource->plural << " " << owner.name << ": "
                       << e.message();
      }
    }
  }
}

std::vector<DeletionFinalizers::Ref> DeletionFinalizers::dependentsOf(
    const std::string& ownerUid, const std::string& ownerNamespace) {
  // Dependents live in the owner's namespace, or anywhere when the owner is cluster-scoped.
  std::vector<Ref> out;
  store_.cache().list("/registry/", "", [&](const std::string& key, const ObjectPtr& obj) {
    if (!ownedBy(*obj, ownerUid)) return true;
    if (!ownerNamespace.empty() && namespaceOf(*obj) != ownerNamespace) return true;
    if (auto resource = resourceOfKey(store_.registry(), key)) {
      out.push_back({resource, namespaceOf(*obj), nameOf(*obj), uidOf(*obj)});
    }
    return true;
  });
  return out;
}

void DeletionFinalizers::reconcile(const Ref& owner, bool orphan) {
  store_.cache().sync();
  std::vector<Ref> dependents = dependentsOf(owner.uid, owner.namespace_);
  if (orphan) {
    for (const auto& d : dependents) {
      store_.guaranteedUpdate(*d.resource, d.namespace_, d.name, [&](bj::object& obj) {
        auto& meta = metadataOf(obj);
        if (auto* refs = meta.if_contains("ownerReferences"); refs && refs->is_array()) {
          json::removeIf(refs->get_array(), [&](const bj::value& ref) {
            return ref.is_object() && json::getString(ref.get_object(), "uid") == owner.uid;
          });
          if (refs->get_array().empty()) meta.erase("ownerReferences");
        }
      });
    }
  } else {
    bool waiting = false;
    for (const auto& d : dependents) {
      waiting = true;
      DeleteOptions options;
      options.propagationPolicy = "Foreground";
      try {
        store_.remove(*d.resource, d.namespace_, d.name, options);
      } catch (const ApiError& e) {
        if (e.code() != 404) throw;
      }
    }
    if (waiting) return;  // the next pass finds fewer dependents, until none is left
  }
  const char* finalizer = orphan ? "orphan" : "foregroundDeletion";
  store_.guaranteedUpdate(*owner.resource, owner.namespace_, owner.name, [&](bj::object& obj) {
    if (uidOf(obj) == owner.uid) removeFinalizer(obj, finalizer);
  });
}

}  // namespace cube::apiserver
