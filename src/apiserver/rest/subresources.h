#pragma once
// The subresources that are more than a read or write of the object itself — pods/binding,
// pods/eviction, namespaces/finalize, */scale — with Kubernetes' semantics. The HTTP handler and
// the in-process client both call these, so both behave alike.

#include "apiserver/rest/resource_store.h"

#include <boost/json/object.hpp>

#include <functional>
#include <string>

namespace cube::apiserver {

// Assigns `pod` to the node named by the Binding's target.name and marks it PodScheduled.
// Conflict when the pod is already bound or being deleted; Invalid without a target name.
void bindPod(ResourceStore& store, const api::ResourceInfo& pods, const std::string& ns,
             const std::string& pod, const boost::json::object& binding,
             const WriteOptions& options);

// Deletes the pod as an Eviction asks (its deleteOptions.gracePeriodSeconds).
void evictPod(ResourceStore& store, const api::ResourceInfo& pods, const std::string& ns,
              const std::string& pod, const boost::json::object& eviction);

// Replaces spec.finalizers of a cluster-scoped object (a Namespace) with the body's.
boost::json::object finalizeObject(ResourceStore& store, const api::ResourceInfo& resource,
                                   const std::string& name, const boost::json::object& body,
                                   const WriteOptions& options);

// The autoscaling/v1 Scale of a scalable object (Deployment, ReplicaSet, StatefulSet, RC).
boost::json::object scaleOf(const boost::json::object& obj);

// Sets spec.replicas from the Scale `wanted` makes of the current one (an update body or a patch
// of it), with the Scale's resourceVersion as precondition. Returns the new Scale.
boost::json::object updateScale(
    ResourceStore& store, const api::ResourceInfo& resource, const std::string& ns,
    const std::string& name,
    const std::function<boost::json::object(const boost::json::object& scale)>& wanted,
    const WriteOptions& options);

// The Status a successful binding or eviction answers with (201 Created).
boost::json::object createdStatus();

}  // namespace cube::apiserver
