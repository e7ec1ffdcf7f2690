#pragma once
// What the Deployment controller computes from its objects, kept free of I/O so it can be tested
// directly: the pod-template hash that names a ReplicaSet, template equality that ignores that
// hash (how a rollback finds its old ReplicaSet), revisions, the rolling-update fenceposts and the
// annotations a Deployment puts on its ReplicaSets.

#include "client/informer.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cube::controllers::deployment {

using client::ObjectPtr;

inline constexpr const char* kPodTemplateHashLabel = "pod-template-hash";
inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr const char* kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr const char* kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr const char* kChangeCauseAnnotation = "kubernetes.io/change-cause";
inline constexpr const char* kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";

// A short, label-safe hash of the pod template (and the collision count, so a collision can be
// escaped by bumping it). Keys are hashed in sorted order, so the same template always gives the
// same hash whatever order its JSON fields arrived in.
std::string computeTemplateHash(const boost::json::object& podTemplate, int64_t collisionCount);

// The two pod templates are equal once the pod-template-hash label is removed from both.
bool equalIgnoreHash(const boost::json::object& a, const boost::json::object& b);

// deployment.kubernetes.io/revision (0 when absent or not a number).
int64_t revisionOf(const boost::json::object& obj);
std::string annotationOf(const boost::json::object& obj, const std::string& key);

int64_t specReplicas(const boost::json::object& obj);  // spec.replicas (default 1)
int64_t statusInt(const boost::json::object& obj, const std::string& field);
bool isRecreate(const boost::json::object& deployment);
bool isPaused(const boost::json::object& deployment);

// An int-or-percent against `total`: percentages round up (surge) or down (unavailable).
int64_t resolveIntOrPercent(const boost::json::value* v, int64_t total, bool roundUp);

// {maxSurge, maxUnavailable} for a rolling update; both 0 would deadlock, so unavailable is then 1.
// Recreate: {0, 0}.
std::pair<int64_t, int64_t> resolveFenceposts(const boost::json::object& deployment);
int64_t maxSurge(const boost::json::object& deployment);
int64_t maxUnavailable(const boost::json::object& deployment);

// Sums of spec.replicas / status.<field> over ReplicaSets.
int64_t sumSpecReplicas(const std::vector<ObjectPtr>& replicaSets);
int64_t sumStatus(const std::vector<ObjectPtr>& replicaSets, const std::string& field);

// Oldest first (creation time, then name): scale-down order and cleanup order.
void sortByCreation(std::vector<ObjectPtr>& replicaSets);

// The annotations the Deployment's own annotations give its new ReplicaSet (everything but the
// controller-owned revision/replica annotations and kubectl's last-applied configuration).
bool isCopiableAnnotation(const std::string& key);

}  // namespace cube::controllers::deployment
