#pragma once
// A ReplicaSet's (or ReplicationController's) status, computed from the pods it owns:
// replicas (active pods), fullyLabeledReplicas (pods carrying all the template's labels, not just
// the selector's), readyReplicas, availableReplicas (ready for minReadySeconds),
// observedGeneration, and the ReplicaFailure condition while creates or deletes fail.

#include "client/informer.h"
#include "common/clock.h"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cube::controllers::replicaset {

struct ReplicaStatus {
  int64_t replicas = 0;
  int64_t fullyLabeledReplicas = 0;
  int64_t readyReplicas = 0;
  int64_t availableReplicas = 0;
  int64_t observedGeneration = 0;
  boost::json::array conditions;

  // Reads status (absent fields are 0, as Go's omitempty writes them).
  static ReplicaStatus of(const boost::json::object& owner);
  // `previous`: the stored status, whose unknown fields are kept.
  boost::json::object toJson(const boost::json::object& previous) const;
  bool operator==(const ReplicaStatus& other) const;
};

// The status `owner` should have given the pods it claimed (`pods`: active ones). `manageError`:
// why the last create/delete round failed, if it did; `failedCreate`: whether it was creating.
ReplicaStatus calculateStatus(const boost::json::object& owner,
                              const std::vector<client::ObjectPtr>& pods,
                              const std::optional<std::string>& manageError, bool failedCreate,
                              TimePoint now);

int64_t specReplicas(const boost::json::object& owner);  // spec.replicas, default 1
int64_t minReadySeconds(const boost::json::object& owner);
int64_t generationOf(const boost::json::object& owner);

}  // namespace cube::controllers::replicaset
