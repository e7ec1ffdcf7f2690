#include "controllers/replicaset/replica_kind.h"

#include "common/json_util.h"

namespace cube::controllers::replicaset {

namespace bj = boost::json;

ReplicaKind ReplicaKind::replicaSet() {
  return {{"apps", "v1", "replicasets", true},
          "apps/v1",
          "ReplicaSet",
          "replicaset-controller",
          [](const bj::object& owner) {
            const auto* spec = cube::json::getObject(owner, "spec");
            const bj::value* selector = spec ? spec->if_contains("selector") : nullptr;
            // No selector selects nothing: a ReplicaSet never claims a whole namespace by accident.
            return selector ? json::LabelSelector::fromLabelSelector(*selector)
                            : json::LabelSelector::nothing();
          }};
}

ReplicaKind ReplicaKind::replicationController() {
  return {{"", "v1", "replicationcontrollers", true},
          "v1",
          "ReplicationController",
          "replication-controller",
          [](const bj::object& owner) {
            const auto* spec = cube::json::getObject(owner, "spec");
            const auto* selector = spec ? cube::json::getObject(*spec, "selector") : nullptr;
            // The API server defaults an absent selector to the template labels; an empty one
            // left here must not match every pod of the namespace.
            if (!selector || selector->empty()) return json::LabelSelector::nothing();
            return json::LabelSelector::fromLabelSelector(bj::object{{"matchLabels", *selector}});
          }};
}

}  // namespace cube::controllers::replicaset
