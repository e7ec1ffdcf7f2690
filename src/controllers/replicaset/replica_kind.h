#pragma once
// ReplicaKind: what differs between a ReplicaSet (apps/v1, matchLabels + matchExpressions) and a
// ReplicationController (core/v1, a plain map selector). Everything else — claiming, scaling,
// status, events — is one mechanism, parameterised by this description.

#include "client/api_client.h"
#include "json/selector/label_selector.h"

#include <boost/json/object.hpp>

#include <functional>
#include <string>

namespace cube::controllers::replicaset {

struct ReplicaKind {
  client::Resource resource;  // the owner's resource
  std::string apiVersion;     // in controller references and events
  std::string kind;           // "ReplicaSet" or "ReplicationController"
  std::string component;      // source.component of its events; also the controller's name
  // The owner's spec.selector as a selector. Throws ApiError(400) when it cannot be parsed.
  std::function<json::LabelSelector(const boost::json::object& owner)> selectorOf;

  static ReplicaKind replicaSet();
  static ReplicaKind replicationController();
};

}  // namespace cube::controllers::replicaset
