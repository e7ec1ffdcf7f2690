#include "apiserver/rest/resource_store.h"

#include "api/validation/validation.h"
#include "apiserver/rest/continue_token.h"
#include "apiserver/rest/object_filter.h"
#include "apiserver/rest/object_meta.h"
#include "apiserver/rest/patcher.h"
#include "apiserver/rest/schema_codec.h"
#include "apiserver/rest/selectable_fields.h"
#include "common/json_util.h"
#include "common/uid.h"

#include <charconv>

namespace cube::apiserver {

namespace bj = boost::json;
using api::ResourceInfo;

namespace {

// The three propagation policies (or none: the kind's default); anything else is 400.
void checkPropagationPolicy(const DeleteOptions& options) {
  const std::string& p = options.propagationPolicy;
  if (!p.empty() && p != "Background" && p != "Foreground" && p != "Orphan") {
    throw ApiError::badRequest("propagationPolicy: Unsupported value: \"" + p +
                               "\": supported values: \"Background\", \"Foreground\", "
                               "\"Orphan\"");
  }
}

constexpr int kMaxConflictRetries = 16;

// Kinds whose strategies maintain metadata.generation (those with observedGeneration).
bool tracksGeneration(const ResourceInfo& info) {
  static const std::vector<std::string> kinds = {"Deployment",
                                                 "ReplicaSet",
                                                 "ReplicationController",
                                                 "DaemonSet",
                                                 "StatefulSet",
                                                 "Job",
                                                 "CronJob",
                                                 "Ingress",
                                                 "NetworkPolicy",
                                                 "PodDisruptionBudget",
                                                 "HorizontalPodAutoscaler"};
  return std::find(kinds.begin(), kinds.end(), info.kind) != kinds.end();
}

std::string conflictMessage() {
  return "the object has been modified; please apply your changes to the latest version and try "
         "again";
}

void checkTypeMeta(const ResourceInfo& info, bj::object& obj) {
  std::string apiVersion = json::getString(obj, "apiVersion");
  std::string kind = json::getString(obj, "kind");
  if (!apiVersion.empty() && apiVersion != info.apiVersion()) {
    throw ApiError::badRequest("the API version in the data (" + apiVersion +
                               ") does not match the expected API version (" + info.apiVersion() +
                               ")");
  }
  if (!kind.empty() && kind != info.kind) {
    throw ApiError::badRequest("the kind in the data (" + kind +
                               ") does not match the expected kind (" + info.kind + ")");
  }
  obj["apiVersion"] = info.apiVersion();
  obj["kind"] = info.kind;
}

// System fields a client can never set on create.
void resetSystemMetadata(bj::object& meta) {
  for (const char* f : {"uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation", "selfLink"}) {
    meta.erase(f);
  }
}

// Fields of metadata the API server owns on update: taken from the stored object.
void keepSystemMetadata(bj::object& meta, const bj::object& oldMeta) {
  for (const char* f : {"uid", "creationTimestamp", "deletionTimestamp",
                        "deletionGracePeriodSeconds", "generation", "namespace", "name"}) {
    auto it = oldMeta.find(f);
    if (it != oldMeta.end()) {
      meta[f] = it->value();
    } else {
      meta.erase(f);
    }
  }
  meta.erase("selfLink");
}

bool isPod(const ResourceInfo& info) {
  return info.group.empty() && info.kind == "Pod";
}
bool isNamespace(const ResourceInfo& info) {
  return info.group.empty() && info.kind == "Namespace";
}

// A uid in a written object is a precondition, as in Kubernetes (the kubelet puts the pod's uid
// in its status patches): a PUT meant for an object that was replaced under the same name fails
// with 409, and a patch that would change the uid is invalid (422, the field is immutable).
std::string preconditionFailedOnUid(const std::string& wanted, const bj::object& current) {
  return "Precondition failed: UID in precondition: " + wanted +
         ", UID in object meta: " + uidOf(current);
}

// A namespace is finalized by the namespace controller through spec.finalizers ("kubernetes").
bool hasSpecFinalizers(const bj::object& ns) {
  const auto* spec = json::getObject(ns, "spec");
  const auto* finalizers = spec ? json::getArray(*spec, "finalizers") : nullptr;
  return finalizers && !finalizers->empty();
}

}  // namespace

Revision parseResourceVersion(const std::string& rv) {
  if (rv.empty()) return 0;
  Revision r = 0;
  auto [p, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), r);
  if (ec != std::errc() || p != rv.data() + rv.size() || r < 0) {
    throw ApiError::badRequest("invalid resource version \"" + rv + "\"");
  }
  return r;
}

ResourceStore::ResourceStore(api::ResourceRegistry& registry, store::StorePtr store,
                             WatchCache& cache, const AdmissionChain& admission, ClockPtr clock)
    : registry_(registry),
      store_(std::move(store)),
      cache_(cache),
      admission_(admission),
      clock_(std::move(clock)) {}

api::ResourceInfoPtr ResourceStore::storageInfo(const ResourceInfo& info) const {
  auto s = registry_.storageOf(info);
  if (!s) throw ApiError::internal("no storage version for " + info.qualifiedPlural());
  return s;
}

std::string ResourceStore::prefix(const ResourceInfo& info, const std::string& ns) const {
  auto s = storageInfo(info);
  std::string p =
      "/registry/" + (s->group.empty() ? std::string("core") : s->group) + "/" + s->plural + "/";
  if (s->namespaced && !ns.empty()) p += ns + "/";
  return p;
}

std::string ResourceStore::key(const ResourceInfo& info, const std::string& ns,
                               const std::string& name) const {
  return prefix(info, ns) + name;
}

bj::object ResourceStore::toVersion(const ResourceInfo& info, const bj::object& stored) const {
  bj::object obj = stored;
  if (info.version != info.storageVersion || info.storageGroup) {
    if (info.conversion.fromStorage) info.conversion.fromStorage(obj);
  }
  obj["apiVersion"] = info.apiVersion();
  obj["kind"] = info.kind;
  return obj;
}

bj::object ResourceStore::toStorage(const ResourceInfo& info, bj::object obj) const {
  auto s = storageInfo(info);
  if (s.get() != &info && info.conversion.toStorage) info.conversion.toStorage(obj);
  obj["apiVersion"] = s->apiVersion();
  obj["kind"] = s->kind;
  return obj;
}

std::map<std::string, std::string> ResourceStore::selectableFields(const ResourceInfo& info,
                                                                   const bj::object& obj) const {
  return fieldsOf(info, obj);
}

ObjectPtr ResourceStore::readCurrent(const std::string& key) {
  store::ReadResult r = store_->get(key);
  if (r.error == store::Error::NotFound) return nullptr;
  if (r.error != store::Error::None) {
    throw ApiError::internal(std::string("store read failed: ") + store::errorName(r.error));
  }
  ObjectPtr obj = WatchCache::decode(r.kv.value, r.kv.modRevision);
  if (!obj) throw ApiError::internal("stored object at " + key + " is not valid JSON");
  return obj;
}

bj::object ResourceStore::prepareWrite(const ResourceInfo& info, bj::object obj,
                                       const WriteOptions& options,
                                       std::vector<std::string>* warnings) {
  checkTypeMeta(info, obj);
  decodeAgainstSchema(info, obj, options.fieldValidation, warnings);
  return toStorage(info, std::move(obj));
}

bj::object ResourceStore::create(const ResourceInfo& info, const std::string& ns, bj::object obj,
                                 const WriteOptions& options, std::vector<std::string>* warnings) {
  auto sinfo = storageInfo(info);
  bj::object stored = prepareWrite(info, std::move(obj), options, warnings);
  auto& meta = metadataOf(stored);
  std::string bodyNs = json::getString(meta, "namespace");
  if (sinfo->namespaced) {
    if (!bodyNs.empty() && bodyNs != ns) {
      throw ApiError::badRequest(
          "the namespace of the provided object does not match the namespace sent on the "
          "request");
    }
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  std::string name = json::getString(meta, "name");
  if (name.empty()) {
    std::string generateName = json::getString(meta, "generateName");
    if (generateName.empty()) {
      throw ApiError::invalid(
          sinfo->group, sinfo->kind, "",
          {{"FieldValueRequired", "Required value: name or generateName is required",
            "metadata.name"}});
    }
    name = generateName + randomSuffix(5);
    meta["name"] = name;
  }
  resetSystemMetadata(meta);
  meta["uid"] = newUid();
  meta["creationTimestamp"] = formatRfc3339(clock_->now());
  if (tracksGeneration(*sinfo)) meta["generation"] = 1;
  // Status is the controllers' and agents' to write; a Node registers with its status.
  if (sinfo->hasSubresource("status") && !(sinfo->group.empty() && sinfo->kind == "Node")) {
    stored["status"] = bj::object();
  }

  applyDefaults(*sinfo, stored);
  AdmissionRequest request;
  request.operation = AdmissionOperation::Create;
  request.resource = sinfo.get();
  request.namespace_ = ns;
  request.name = name;
  request.object = &stored;
  request.dryRun = options.dryRun;
  admission_.admit(request);
  validateObject(*sinfo, stored, nullptr);
  admission_.validate(request);

  if (options.dryRun) return toVersion(info, stored);
  store::WriteResult w = store_->create(key(info, ns, name), json::serialize(stored));
  if (w.error == store::Error::AlreadyExists) {
    throw ApiError::alreadyExists(sinfo->group, sinfo->plural, name);
  }
  if (w.error != store::Error::None) {
    throw ApiError::internal(std::string("store write failed: ") + store::errorName(w.error));
  }
  metadataOf(stored)["resourceVersion"] = std::to_string(w.revision);
  return toVersion(info, stored);
}

bj::object ResourceStore::get(const ResourceInfo& info, const std::string& ns,
                              const std::string& name) {
  ObjectPtr obj = readCurrent(key(info, ns, name));
  if (!obj) {
    auto s = storageInfo(info);
    throw ApiError::notFound(info.group, info.plural, name);
  }
  return toVersion(info, *obj);
}

ListResult ResourceStore::list(const ResourceInfo& info, const std::string& ns,
                               const ListOptions& options) {
  auto sinfo = storageInfo(info);
  ObjectFilter filter(options.labelSelector, options.fieldSelector, selectableFieldNames(*sinfo));
  // resourceVersion "0" may be served from whatever the cache holds; anything else must include
  // every write acknowledged before the request.
  if (options.resourceVersion != "0") {
    if (!cache_.sync()) throw ApiError::timeout("Too large resource version");
  }
  std::string pfx = prefix(info, ns);
  std::string startAfter;
  if (!options.continueToken.empty()) {
    ContinueToken token = decodeContinueToken(options.continueToken);
    startAfter = pfx + token.startAfter;
  }
  ListResult result;
  std::string lastKey;
  bool more = false;
  int64_t remaining = 0;
  result.revision = cache_.list(pfx, startAfter, [&](const std::string& k, const ObjectPtr& obj) {
    if (!filter.empty() && !filter.matches(*obj, fieldsOf(*sinfo, *obj))) return true;
    if (options.limit > 0 && static_cast<int64_t>(result.items.size()) >= options.limit) {
      more = true;
      ++remaining;
      return true;
    }
    result.items.push_back(obj);
    lastKey = k;
    return true;
  });
  if (more) {
    result.continueToken = encodeContinueToken({result.revision, lastKey.substr(pfx.size())});
    result.remainingItemCount = remaining;
  }
  bool convert = info.version != sinfo->version || info.storageGroup.has_value();
  if (convert) {
    for (auto& item : result.items) {
      item = std::make_shared<bj::object>(toVersion(info, *item));
    }
  }
  return result;
}

bj::object ResourceStore::updateStored(const ResourceInfo& info, const std::string& ns,
                                       const std::string& name, bj::object updated,
                                       const bj::object& current, Revision currentRevision,
                                       const std::string& subresource, const WriteOptions& options,
                                       bool* conflict) {
  auto sinfo = storageInfo(info);
  *conflict = false;
  auto& meta = metadataOf(updated);
  const auto& oldMeta = metadataOf(current);
  if (subresource == "status") {
    // A status write changes only status: everything else comes from the stored object.
    bj::object merged = current;
    auto it = updated.find("status");
    if (it != updated.end()) {
      merged["status"] = it->value();
    } else {
      merged.erase("status");
    }
    updated = std::move(merged);
  } else {
    keepSystemMetadata(meta, oldMeta);
    // Writes to the main resource keep the stored status (subresource writes such as a binding
    // set what they own themselves).
    if (subresource.empty() && sinfo->hasSubresource("status") &&
        !(sinfo->group.empty() && sinfo->kind == "Node")) {
      auto it = current.find("status");
      if (it != current.end()) {
        updated["status"] = it->value();
      } else {
        updated.erase("status");
      }
    }
  }
  auto& newMeta = metadataOf(updated);
  newMeta["resourceVersion"] = std::to_string(currentRevision);
  if (tracksGeneration(*sinfo)) {
    int64_t generation = json::getInt(oldMeta, "generation", 1);
    if (specChanged(updated, current)) ++generation;
    newMeta["generation"] = generation;
  }

  applyDefaults(*sinfo, updated);
  AdmissionRequest request;
  request.operation = AdmissionOperation::Update;
  request.resource = sinfo.get();
  request.subresource = subresource;
  request.namespace_ = ns;
  request.name = name;
  request.object = &updated;
  request.oldObject = &current;
  request.dryRun = options.dryRun;
  admission_.admit(request);
  // A binding changes only spec.nodeName, which the pod's update validation forbids to clients;
  // the binding subresource has checked its own preconditions.
  if (subresource != "binding") validateObject(*sinfo, updated, &current);
  admission_.validate(request);

  // An object that is terminating goes once its last finalizer is removed.
  bool finalized = isTerminating(updated) && !hasFinalizers(updated) &&
                   json::getInt(metadataOf(updated), "deletionGracePeriodSeconds", 0) == 0 &&
                   !(isNamespace(*sinfo) && hasSpecFinalizers(updated));
  if (sameIgnoringResourceVersion(updated, current) && !finalized) {
    return toVersion(info, current);
  }
  if (options.dryRun) return toVersion(info, updated);
  std::string k = key(info, ns, name);
  if (finalized) {
    store::WriteResult w = store_->remove(k, currentRevision);
    if (w.error == store::Error::Conflict) {
      *conflict = true;
      return {};
    }
    if (w.error != store::Error::None && w.error != store::Error::NotFound) {
      throw ApiError::internal(std::string("store delete failed: ") + store::errorName(w.error));
    }
    metadataOf(updated)["resourceVersion"] = std::to_string(w.revision);
    return toVersion(info, updated);
  }
  newMeta.erase("resourceVersion");
  store::WriteResult w = store_->update(k, json::serialize(updated), currentRevision);
  if (w.error == store::Error::Conflict) {
    *conflict = true;
    return {};
  }
  if (w.error == store::Error::NotFound) throw ApiError::notFound(info.group, info.plural, name);
  if (w.error != store::Error::None) {
    throw ApiError::internal(std::string("store write failed: ") + store::errorName(w.error));
  }
  metadataOf(updated)["resourceVersion"] = std::to_string(w.revision);
  return toVersion(info, updated);
}

bj::object ResourceStore::update(const ResourceInfo& info, const std::string& ns,
                                 const std::string& name, bj::object obj,
                                 const std::string& subresource, const WriteOptions& options,
                                 std::vector<std::string>* warnings) {
  auto sinfo = storageInfo(info);
  std::string bodyName = json::getString(metadataOf(obj), "name");
  if (!bodyName.empty() && bodyName != name) {
    throw ApiError::badRequest("the name of the object (" + bodyName +
                               ") does not match the name on the URL (" + name + ")");
  }
  std::string bodyNs = json::getString(metadataOf(obj), "namespace");
  if (sinfo->namespaced && !bodyNs.empty() && bodyNs != ns) {
    throw ApiError::badRequest(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  std::string wantedRv = json::getString(metadataOf(obj), "resourceVersion");
  Revision wanted = parseResourceVersion(wantedRv);
  std::string wantedUid = json::getString(metadataOf(obj), "uid");
  bj::object stored = prepareWrite(info, std::move(obj), options, warnings);
  std::string k = key(info, ns, name);
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    ObjectPtr current = readCurrent(k);
    if (!current) throw ApiError::notFound(info.group, info.plural, name);
    Revision currentRevision = parseResourceVersion(resourceVersionOf(*current));
    if (wanted != 0 && wanted != currentRevision) {
      throw ApiError::conflict(sinfo->group, sinfo->plural, name, conflictMessage());
    }
    if (!wantedUid.empty() && wantedUid != uidOf(*current)) {
      throw ApiError::conflict(sinfo->group, sinfo->plural, name,
                               preconditionFailedOnUid(wantedUid, *current));
    }
    bool conflict = false;
    bj::object result = updateStored(info, ns, name, stored, *current, currentRevision, subresource,
                                     options, &conflict);
    if (!conflict) return result;
    if (wanted != 0) {
      throw ApiError::conflict(sinfo->group, sinfo->plural, name, conflictMessage());
    }
  }
  throw ApiError::conflict(sinfo->group, sinfo->plural, name, conflictMessage());
}

bj::object ResourceStore::patch(const ResourceInfo& info, const std::string& ns,
                                const std::string& name, PatchType type, const std::string& body,
                                const std::string& subresource, const WriteOptions& options,
                                std::vector<std::string>* warnings) {
  auto sinfo = storageInfo(info);
  if (type == PatchType::Apply) {
    throw ApiError::unsupportedMediaType(
        "server-side apply (application/apply-patch+yaml) is not supported yet; use client-side "
        "apply (kubectl apply without --server-side)");
  }
  std::string k = key(info, ns, name);
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    ObjectPtr current = readCurrent(k);
    if (!current) throw ApiError::notFound(info.group, info.plural, name);
    Revision currentRevision = parseResourceVersion(resourceVersionOf(*current));
    bj::object original = toVersion(info, *current);
    bj::object patched = applyPatch(info, registry_.types(), type, original, body);
    std::string patchedRv = json::getString(metadataOf(patched), "resourceVersion");
    if (!patchedRv.empty() && patchedRv != std::to_string(currentRevision)) {
      throw ApiError::conflict(sinfo->group, sinfo->plural, name, conflictMessage());
    }
    if (std::string uid = uidOf(patched); uid != uidOf(*current)) {
      namespace v = api::validation;
      throw ApiError::invalid(
          sinfo->group, sinfo->kind, name,
          {v::invalidPrinted("metadata.uid", v::goQuote(uid), "field is immutable")});
    }
    bj::object stored = prepareWrite(info, std::move(patched), options, warnings);
    bool conflict = false;
    bj::object result = updateStored(info, ns, name, std::move(stored), *current, currentRevision,
                                     subresource, options, &conflict);
    if (!conflict) return result;
  }
  throw ApiError::conflict(sinfo->group, sinfo->plural, name, conflictMessage());
}

bj::object ResourceStore::guaranteedUpdate(const ResourceInfo& info, const std::string& ns,
                                           const std::string& name,
                                           const std::function<void(bj::object&)>& mutate,
                                           const std::string& subresource,
                                           const WriteOptions& options) {
  auto sinfo = storageInfo(info);
  std::string k = key(info, ns, name);
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    ObjectPtr current = readCurrent(k);
    if (!current) throw ApiError::notFound(info.group, info.plural, name);
    Revision currentRevision = parseResourceVersion(resourceVersionOf(*current));
    bj::object updated = *current;
    mutate(updated);
    bool conflict = false;
    bj::object result = updateStored(*sinfo, ns, name, std::move(updated), *current,
                                     currentRevision, subresource, options, &conflict);
    if (!conflict) return info.version == sinfo->version ? result : toVersion(info, result);
  }
  throw ApiError::conflict(sinfo->group, sinfo->plural, name, conflictMessage());
}

DeleteResult ResourceStore::remove(const ResourceInfo& info, const std::string& ns,
                                   const std::string& name, const DeleteOptions& options) {
  checkPropagationPolicy(options);
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    DeleteResult r = deleteStored(info, ns, name, options);
    if (!r.object.empty()) return r;
  }
  auto sinfo = storageInfo(info);
  throw ApiError::conflict(sinfo->group, sinfo->plural, name, conflictMessage());
}

// One attempt; an empty result object means a write conflict (retry).
DeleteResult ResourceStore::deleteStored(const ResourceInfo& info, const std::string& ns,
                                         const std::string& name, const DeleteOptions& options) {
  auto sinfo = storageInfo(info);
  std::string k = key(info, ns, name);
  ObjectPtr current = readCurrent(k);
  if (!current) throw ApiError::notFound(info.group, info.plural, name);
  Revision currentRevision = parseResourceVersion(resourceVersionOf(*current));
  if (!options.preconditionUid.empty() && options.preconditionUid != uidOf(*current)) {
    throw ApiError::conflict(sinfo->group, sinfo->plural, name,
                             preconditionFailedOnUid(options.preconditionUid, *current));
  }
  if (!options.preconditionResourceVersion.empty() &&
      options.preconditionResourceVersion != resourceVersionOf(*current)) {
    throw ApiError::conflict(
        sinfo->group, sinfo->plural, name,
        "Precondition failed: ResourceVersion in precondition: " +
            options.preconditionResourceVersion +
            ", ResourceVersion in object meta: " + resourceVersionOf(*current));
  }
  AdmissionRequest request;
  request.operation = AdmissionOperation::Delete;
  request.resource = sinfo.get();
  request.namespace_ = ns;
  request.name = name;
  request.oldObject = current.get();
  request.dryRun = options.dryRun;
  admission_.validate(request);

  bj::object updated = *current;
  auto& meta = metadataOf(updated);
  auto now = clock_->now();
  bool wasTerminating = isTerminating(*current);

  // Propagation policy becomes a finalizer the garbage collector acts on.
  if (options.propagationPolicy == "Orphan") {
    addFinalizer(updated, "orphan");
    removeFinalizer(updated, "foregroundDeletion");
  } else if (options.propagationPolicy == "Foreground") {
    addFinalizer(updated, "foregroundDeletion");
    removeFinalizer(updated, "orphan");
  } else if (options.propagationPolicy == "Background") {
    removeFinalizer(updated, "orphan");
    removeFinalizer(updated, "foregroundDeletion");
  }

  // Graceful termination: a pod bound to a node stays until its node confirms or the grace ends.
  int64_t grace = 0;
  if (isPod(*sinfo)) {
    const auto* spec = json::getObject(updated, "spec");
    const auto* status = json::getObject(updated, "status");
    std::string phase = status ? json::getString(*status, "phase") : "";
    bool bound = spec && !json::getString(*spec, "nodeName").empty();
    grace = options.gracePeriodSeconds
                ? *options.gracePeriodSeconds
                : (spec ? json::getInt(*spec, "terminationGracePeriodSeconds", 30) : 30);
    if (!bound || phase == "Succeeded" || phase == "Failed") grace = 0;
    if (grace < 0) grace = 0;
    if (wasTerminating) {
      // A second delete may only shorten the remaining grace.
      int64_t oldGrace = json::getInt(meta, "deletionGracePeriodSeconds", 0);
      if (grace >= oldGrace && !(options.gracePeriodSeconds && *options.gracePeriodSeconds == 0)) {
        grace = oldGrace;
      }
    }
  }
  bool namespaceFinalizing = isNamespace(*sinfo) && hasSpecFinalizers(updated);

  bool keep = hasFinalizers(updated) || grace > 0 || namespaceFinalizing;
  if (keep) {
    if (!wasTerminating || grace != json::getInt(meta, "deletionGracePeriodSeconds", 0)) {
      meta["deletionTimestamp"] = formatRfc3339(now + std::chrono::seconds(grace));
      meta["deletionGracePeriodSeconds"] = grace;
    }
    if (namespaceFinalizing) {
      json::ensureObject(updated, "status")["phase"] = "Terminating";
    }
    if (sameIgnoringResourceVersion(updated, *current)) {
      return {toVersion(info, *current), false};
    }
    if (options.dryRun) return {toVersion(info, updated), false};
    meta.erase("resourceVersion");
    store::WriteResult w = store_->update(k, json::serialize(updated), currentRevision);
    if (w.error == store::Error::Conflict) return {};
    if (w.error == store::Error::NotFound) throw ApiError::notFound(info.group, info.plural, name);
    if (w.error != store::Error::None) {
      throw ApiError::internal(std::string("store write failed: ") + store::errorName(w.error));
    }
    meta["resourceVersion"] = std::to_string(w.revision);
    return {toVersion(info, updated), false};
  }
  if (options.dryRun) return {toVersion(info, *current), true};
  store::WriteResult w = store_->remove(k, currentRevision);
  if (w.error == store::Error::Conflict) return {};
  if (w.error == store::Error::NotFound) throw ApiError::notFound(info.group, info.plural, name);
  if (w.error != store::Error::None) {
    throw ApiError::internal(std::string("store delete failed: ") + store::errorName(w.error));
  }
  bj::object deleted = *current;
  metadataOf(deleted)["resourceVersion"] = std::to_string(w.revision);
  return {toVersion(info, deleted), true};
}

std::vector<DeleteResult> ResourceStore::removeCollection(const ResourceInfo& info,
                                                          const std::string& ns,
                                                          const ListOptions& listOptions,
                                                          const DeleteOptions& options) {
  checkPropagationPolicy(options);
  ListResult items = list(info, ns, listOptions);
  std::vector<DeleteResult> results;
  for (const auto& item : items.items) {
    try {
      results.push_back(remove(info, namespaceOf(*item), nameOf(*item), options));
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;  // deleted meanwhile: fine
    }
  }
  return results;
}

}  // namespace cube::apiserver
