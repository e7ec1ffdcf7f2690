// GarbageCollector: construction, informer handlers and reconcile(). The semantics are described
// in garbage_collector.h.

#include "controllers/garbagecollector/garbage_collector.h"

#include "api/resource_registry.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"

#include <algorithm>
#include <stdexcept>

namespace cube::controllers::garbagecollector {

namespace bj = boost::json;

namespace {

const char* const kOrphan = "orphan";
const char* const kForeground = "foregroundDeletion";

std::vector<OwnerReference> ownerRefsOf(const bj::object& obj) {
  std::vector<OwnerReference> out;
  const auto* meta = json::getObject(obj, "metadata");
  const auto* refs = meta ? json::getArray(*meta, "ownerReferences") : nullptr;
  if (!refs) return out;
  for (const auto& v : *refs) {
    if (!v.is_object()) continue;
    const auto& r = v.get_object();
    out.push_back({json::getString(r, "apiVersion"), json::getString(r, "kind"),
                   json::getString(r, "name"), json::getString(r, "uid"),
                   json::getBool(r, "controller"), json::getBool(r, "blockOwnerDeletion")});
  }
  return out;
}

bool hasFinalizer(const bj::object& obj, const std::string& finalizer) {
  const auto* meta = json::getObject(obj, "metadata");
  const auto* list = meta ? json::getArray(*meta, "finalizers") : nullptr;
  if (!list) return false;
  return std::any_of(list->begin(), list->end(), [&](const bj::value& v) {
    return v.is_string() && v.get_string() == finalizer;
  });
}

// Finalizers this collector acts on, on an object being deleted.
bool awaitsCollector(const bj::object& obj) {
  return isBeingDeleted(obj) && (hasFinalizer(obj, kOrphan) || hasFinalizer(obj, kForeground));
}

// Drops the ownerReferences with these uids; the key goes when none is left.
void dropOwnerRefs(bj::object& obj, const std::vector<std::string>& uids) {
  auto& meta = json::ensureObject(obj, "metadata");
  auto* refs = meta.if_contains("ownerReferences");
  if (!refs || !refs->is_array()) return;
  json::removeIf(refs->get_array(), [&](const bj::value& ref) {
    return ref.is_object() && std::find(uids.begin(), uids.end(),
                                        json::getString(ref.get_object(), "uid")) != uids.end();
  });
  if (refs->get_array().empty()) meta.erase("ownerReferences");
}

std::pair<std::string, std::string> splitApiVersion(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  if (slash == std::string::npos) return {"", apiVersion};
  return {apiVersion.substr(0, slash), apiVersion.substr(slash + 1)};
}

std::string keyIn(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

void ignoreNotFound(const std::function<void()>& write) {
  try {
    write();
  } catch (const ApiError& e) {
    if (e.code() != 404) throw;
  }
}

// "apps/replicasets" or "pods" (core) -> the storage version of that resource.
GcResource resolveResource(const std::string& spec) {
  auto slash = spec.find('/');
  std::string group = slash == std::string::npos ? "" : spec.substr(0, slash);
  std::string plural = slash == std::string::npos ? spec : spec.substr(slash + 1);
  for (const auto& r : api::ResourceRegistry::builtin().all()) {
    if (r->group == group && r->plural == plural && r->version == r->storageVersion &&
        !r->storageGroup) {
      return {client::Resource{r->group, r->version, r->plural, r->namespaced}, r->kind};
    }
  }
  throw std::invalid_argument("garbage collector: unknown resource " + spec);
}

}  // namespace

std::vector<std::string> GarbageCollectorOptions::defaultResources() {
  return {"pods",
          "replicationcontrollers",
          "apps/replicasets",
          "apps/deployments",
          "apps/daemonsets",
          "apps/statefulsets",
          "apps/controllerrevisions",
          "batch/jobs",
          "batch/cronjobs",
          "discovery.k8s.io/endpointslices"};
}

GarbageCollector::GarbageCollector(const ControllerContext& context,
                                   GarbageCollectorOptions options)
    : GarbageCollector(Deps{context.client, {}, context.clock}) {
  if (options.resources.empty()) options.resources = GarbageCollectorOptions::defaultResources();
  for (const auto& spec : options.resources) {
    GcResource resource = resolveResource(spec);
    auto informer = context.informers->informerFor(resource.resource);
    size_t index = deps_.watched.size();
    deps_.watched.push_back({resource, std::make_shared<InformerCache>(informer)});
    informer->addHandlers(
        {[this, index](const ObjectPtr& o) { onAdd(index, o); },
         [this, index](const ObjectPtr& a, const ObjectPtr& b) { onUpdate(index, a, b); },
         [this, index](const ObjectPtr& o) { onDelete(index, o); }});
  }
}

GarbageCollector::GarbageCollector(Deps deps)
    : deps_(std::move(deps)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>("garbage-collector", *queue_,
                                              [this](const std::string& id) { reconcile(id); })) {}

GarbageCollector::~GarbageCollector() {
  stop();
}

void GarbageCollector::start(int workers) {
  workers_->start(workers);
}

void GarbageCollector::stop() {
  workers_->stop();
}

std::string GarbageCollector::idOf(size_t index, const bj::object& obj) {
  return std::to_string(index) + "|" + client::Informer::keyOf(obj);
}

// --- handlers: route events to keys ---

void GarbageCollector::onAdd(size_t index, const ObjectPtr& obj) {
  std::string id = idOf(index, *obj);
  index_.update(id, *obj);
  if (!ownerRefsOf(*obj).empty() || awaitsCollector(*obj)) queue_->add(id);
}

void GarbageCollector::onUpdate(size_t index, const ObjectPtr& old, const ObjectPtr& now) {
  onAdd(index, now);
  // A dependent that started terminating or dropped a reference may be what a foreground
  // deletion of its owner waits for.
  if (old != now && (isBeingDeleted(*now) || ownerRefsOf(*old).size() != ownerRefsOf(*now).size()))
    enqueueRelated(*old);
}

void GarbageCollector::onDelete(size_t index, const ObjectPtr& obj) {
  index_.remove(idOf(index, *obj));
  enqueueRelated(*obj);
}

void GarbageCollector::enqueueRelated(const bj::object& obj) {
  // Its dependents may now be garbage...
  for (const auto& id : index_.dependentsOf(uidOf(obj))) queue_->add(id);
  // ...and owners being deleted in the foreground may have been waiting for it.
  std::string ns = namespaceOf(obj);
  for (const auto& ref : ownerRefsOf(obj)) {
    auto [group, version] = splitApiVersion(ref.apiVersion);
    for (size_t i = 0; i < deps_.watched.size(); ++i) {
      const auto& r = deps_.watched[i].resource;
      if (r.kind != ref.kind || r.resource.group != group) continue;
      queue_->add(std::to_string(i) + "|" + keyIn(r.resource.namespaced ? ns : "", ref.name));
    }
  }
}

// --- reconcile ---

void GarbageCollector::reconcile(const std::string& id) {
  auto bar = id.find('|');
  if (bar == std::string::npos) return;
  size_t index = std::stoul(id.substr(0, bar));
  if (index >= deps_.watched.size()) return;
  ObjectPtr obj = deps_.watched[index].cache->get(id.substr(bar + 1));
  if (!obj) return;

  if (isBeingDeleted(*obj)) {
    // Only the finalizers are ours to act on; the deletion itself is under way.
    if (hasFinalizer(*obj, kOrphan)) {
      orphanDependents(*obj);
      removeFinalizer(index, *obj, kOrphan);
    } else if (hasFinalizer(*obj, kForeground)) {
      if (deleteDependents(*obj)) removeFinalizer(index, *obj, kForeground);
    }
    return;
  }
  collect(index, *obj);
}

GarbageCollector::OwnerState GarbageCollector::ownerState(const bj::object& dependent,
                                                          const OwnerReference& ref) {
  auto [group, version] = splitApiVersion(ref.apiVersion);
  auto info = api::ResourceRegistry::builtin().findKind(group, version, ref.kind);
  if (!info) {
    // Not a kind we can look up (a custom resource, a typo): never delete on a guess.
    CUBE_LOG(Debug) << "garbage collector: unknown owner kind " << ref.apiVersion << " "
                    << ref.kind;
    return OwnerState::Unknown;
  }
  std::string ns = info->namespaced ? namespaceOf(dependent) : "";
  // A cluster-scoped object cannot be owned by a namespaced one: the reference can never resolve.
  if (info->namespaced && ns.empty()) return OwnerState::Absent;
  auto stateOf = [&](const bj::object& owner) {
    if (uidOf(owner) != ref.uid) return OwnerState::Absent;
    return isBeingDeleted(owner) && hasFinalizer(owner, kForeground)
               ? OwnerState::WaitingForDependents
               : OwnerState::Present;
  };
  for (const auto& w : deps_.watched) {
    if (w.resource.resource.group != info->group || w.resource.resource.plural != info->plural)
      continue;
    ObjectPtr cached = w.cache->get(keyIn(ns, ref.name));
    if (cached && uidOf(*cached) == ref.uid) return stateOf(*cached);
    break;
  }
  // The cache may not have the owner yet (a dependent can be seen before its owner): only the
  // API server can say it is gone.
  try {
    return stateOf(deps_.client->get(
        client::Resource{info->group, info->version, info->plural, info->namespaced}, ns,
        ref.name));
  } catch (const ApiError& e) {
    if (e.code() == 404) return OwnerState::Absent;
    throw;
  }
}

GarbageCollector::Verdict GarbageCollector::judge(const bj::object& obj) {
  Verdict verdict;
  bool solid = false;
  for (const auto& ref : ownerRefsOf(obj)) {
    switch (ownerState(obj, ref)) {
      case OwnerState::Absent:
        verdict.dangling.push_back(ref.uid);
        break;
      case OwnerState::WaitingForDependents:
        verdict.ownerWaiting = true;
        break;
      case OwnerState::Present:
      case OwnerState::Unknown:
        solid = true;
        break;
    }
  }
  if (solid) {
    // Still owned: only the references that can never resolve go.
    verdict.action = verdict.dangling.empty() ? Verdict::Keep : Verdict::DropReferences;
  } else {
    verdict.action =
        verdict.ownerWaiting || !verdict.dangling.empty() ? Verdict::Delete : Verdict::Keep;
  }
  return verdict;
}

void GarbageCollector::collect(size_t index, const bj::object& cached) {
  if (judge(cached).action == Verdict::Keep) return;
  // The cache may lag behind a change that already released the object (an owner deleted with
  // --cascade=orphan drops its references just before it goes): act on what the API server holds
  // now, as the kubernetes collector does, and never on an older version of it.
  const auto& resource = deps_.watched[index].resource.resource;
  bj::object live;
  try {
    live = deps_.client->get(resource, namespaceOf(cached), nameOf(cached));
  } catch (const ApiError& e) {
    if (e.code() == 404) return;
    throw;
  }
  if (uidOf(live) != uidOf(cached)) return;  // another object by that name: its own events come
  Verdict verdict = judge(live);
  if (verdict.action == Verdict::Keep) return;
  if (verdict.action == Verdict::DropReferences) {
    bj::object copy = writable(index, live);
    dropOwnerRefs(copy, verdict.dangling);
    ignoreNotFound([&] { deps_.client->update(resource, namespaceOf(live), nameOf(live), copy); });
    return;
  }
  client::DeleteOptions options;
  options.preconditionUid = uidOf(live);  // never the object that reuses the name
  options.preconditionResourceVersion = resourceVersionOf(live);  // nor a changed one: a retry
  // An owner waiting for its dependents waits for theirs too.
  options.propagationPolicy = verdict.ownerWaiting ? "Foreground" : "Background";
  CUBE_LOG(Info) << "garbage collector: deleting " << resource.plural << " "
                 << client::Informer::keyOf(live) << ": its owners are gone";
  ignoreNotFound([&] { deps_.client->remove(resource, namespaceOf(live), nameOf(live), options); });
}

std::vector<std::pair<size_t, ObjectPtr>> GarbageCollector::dependentsOf(
    const bj::object& owner) const {
  std::string uid = uidOf(owner), ns = namespaceOf(owner);
  std::vector<std::pair<size_t, ObjectPtr>> out;
  for (size_t i = 0; i < deps_.watched.size(); ++i) {
    // A namespaced owner's dependents share its namespace; a cluster-scoped one's are anywhere.
    auto objects =
        ns.empty() ? deps_.watched[i].cache->list() : deps_.watched[i].cache->listNamespace(ns);
    for (auto& obj : objects) {
      auto refs = ownerRefsOf(*obj);
      if (std::any_of(refs.begin(), refs.end(), [&](const auto& r) { return r.uid == uid; }))
        out.emplace_back(i, std::move(obj));
    }
  }
  return out;
}

void GarbageCollector::orphanDependents(const bj::object& owner) {
  std::string uid = uidOf(owner);
  for (const auto& [i, dep] : dependentsOf(owner)) {
    bj::object copy = writable(i, *dep);
    dropOwnerRefs(copy, {uid});
    ignoreNotFound([&] {
      deps_.client->update(deps_.watched[i].resource.resource, namespaceOf(*dep), nameOf(*dep),
                           copy);
    });
  }
}

bool GarbageCollector::deleteDependents(const bj::object& owner) {
  std::string uid = uidOf(owner);
  bool blocked = false;
  for (const auto& [i, dep] : dependentsOf(owner)) {
    auto refs = ownerRefsOf(*dep);
    auto ours = std::find_if(refs.begin(), refs.end(), [&](const auto& r) { return r.uid == uid; });
    bool blocks = ours->blockOwnerDeletion;
    const auto& resource = deps_.watched[i].resource.resource;
    if (isBeingDeleted(*dep)) {
      blocked = blocked || blocks;
      continue;
    }
    if (refs.size() > 1) {
      // Other owners keep it alive; it only stops pointing at the owner that is going.
      bj::object copy = writable(i, *dep);
      dropOwnerRefs(copy, {uid});
      ignoreNotFound(
          [&] { deps_.client->update(resource, namespaceOf(*dep), nameOf(*dep), copy); });
      continue;
    }
    client::DeleteOptions options;
    options.preconditionUid = uidOf(*dep);
    options.propagationPolicy = blocks ? "Foreground" : "Background";
    ignoreNotFound(
        [&] { deps_.client->remove(resource, namespaceOf(*dep), nameOf(*dep), options); });
    blocked = blocked || blocks;
  }
  return !blocked;
}

void GarbageCollector::removeFinalizer(size_t index, const bj::object& obj,
                                       const std::string& finalizer) {
  bj::object copy = writable(index, obj);
  auto& meta = json::ensureObject(copy, "metadata");
  if (auto* list = meta.if_contains("finalizers"); list && list->is_array()) {
    json::removeIf(list->get_array(), [&](const bj::value& v) {
      return v.is_string() && v.get_string() == finalizer;
    });
  }
  ignoreNotFound([&] {
    deps_.client->update(deps_.watched[index].resource.resource, namespaceOf(obj), nameOf(obj),
                         copy);
  });
}

bj::object GarbageCollector::writable(size_t index, const bj::object& obj) const {
  bj::object copy = obj;  // cached objects are shared and immutable
  copy["apiVersion"] = deps_.watched[index].resource.resource.apiVersion();
  copy["kind"] = deps_.watched[index].resource.kind;
  return copy;
}

}  // namespace cube::controllers::garbagecollector
