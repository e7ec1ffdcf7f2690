#include "apiserver/controllers/namespace_controller.h"

#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"
#include "common/log.h"

namespace cube::apiserver {

namespace bj = boost::json;

NamespaceController::NamespaceController(ResourceStore& store) : store_(store) {}

void NamespaceController::reconcileAll() {
  auto namespaces = store_.registry().find("", "v1", "namespaces");
  ListResult list = store_.list(*namespaces, "", {});
  for (const auto& ns : list.items) {
    if (!isTerminating(*ns)) continue;
    try {
      reconcile(nameOf(*ns));
    } catch (const ApiError& e) {
      if (e.code() != 404) CUBE_LOG(Warn) << "namespace " << nameOf(*ns) << ": " << e.message();
    }
  }
}

bool NamespaceController::reconcile(const std::string& name) {
  auto namespaces = store_.registry().find("", "v1", "namespaces");
  bj::object ns = store_.get(*namespaces, "", name);
  if (!isTerminating(ns)) return false;
  bool remaining = false;
  // Every namespaced storage resource, once (other served versions share the storage).
  for (const auto& r : store_.registry().all()) {
    if (!r->namespaced || r->version != r->storageVersion || r->storageGroup) continue;
    if (std::find(r->verbs.begin(), r->verbs.end(), "list") == r->verbs.end()) continue;
    ListResult items = store_.list(*r, name, {});
    for (const auto& item : items.items) {
      remaining = true;
      if (isTerminating(*item)) continue;
      try {
        DeleteOptions options;
        options.propagationPolicy = "Background";
        store_.remove(*r, name, nameOf(*item), options);
      } catch (const ApiError& e) {
        if (e.code() != 404) throw;
      }
    }
  }
  if (remaining) return false;
  store_.guaranteedUpdate(*namespaces, "", name, [](bj::object& obj) {
    auto& spec = json::ensureObject(obj, "spec");
    if (auto* list = spec.if_contains("finalizers"); list && list->is_array()) {
      json::removeIf(list->get_array(), [](const bj::value& f) {
        return f.is_string() && f.get_string() == "kubernetes";
      });
      if (list->get_array().empty()) spec.erase("finalizers");
    }
  });
  return true;
}

}  // namespace cube::apiserver
