#include "controllers/replicaset/replica_kind.h"

#include "common/json_util.h"
#include "controllers/controller_ref_manager.h"

namespace cube::controllers::replicaset {

namespace bj = boost::json;

ReplicaKind ReplicaKind::replicaSet() {
  return {{"apps", "v1", "replicasets", true},
          "apps/v1",
          "ReplicaSet",
          "replicaset-controller",
          specSelector};
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
