#pragma once
// ControllerRevisions: the template history of a DaemonSet or StatefulSet. Each distinct pod
// template is stored once as a ControllerRevision named "<owner>-<hash>" (owned by the workload,
// labelled with `controller-revision-hash`), numbered in the order it became current, so
// `kubectl rollout history` lists it and pods can say which template they were made from.

#include "client/api_client.h"
#include "controllers/controller_ref.h"
#include "controllers/object_cache.h"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace cube::controllers::history {

inline constexpr const char* kRevisionHashLabel = "controller-revision-hash";
extern const client::Resource kControllerRevisions;

// A short, label-safe hash of a pod template (FNV-1a over its JSON, encoded with Kubernetes'
// consonant-and-digit alphabet so it never spells words or looks like a number).
std::string templateHash(const boost::json::object& podTemplate);

// What a ControllerRevision stores: a patch that replaces the owner's spec.template.
boost::json::object revisionData(const boost::json::object& podTemplate);
// The template a revision stored (nullptr when the data has none).
const boost::json::object* templateOf(const boost::json::object& revision);
int64_t revisionNumber(const boost::json::object& revision);

// The revisions in `cache` controlled by `owner`, oldest revision number first.
std::vector<client::ObjectPtr> ownedRevisions(const ObjectCache& cache,
                                              const boost::json::object& owner);

// Makes the owner's current template the newest revision: creates "<owner>-<hash>" if missing,
// or renumbers it when an older template becomes current again (a rollback). Returns the
// revision object as written or found. Throws ApiError.
boost::json::object ensureCurrentRevision(client::ApiClient& client,
                                          const std::vector<client::ObjectPtr>& revisions,
                                          const boost::json::object& owner,
                                          const OwnerReference& controllerRef,
                                          const boost::json::object& podTemplate);

// Deletes the oldest revisions beyond `limit`, never one in `live` (hashes in use). Best effort.
void truncateHistory(client::ApiClient& client, const std::vector<client::ObjectPtr>& revisions,
                     const std::vector<std::string>& live, int64_t limit);

}  // namespace cube::controllers::history
