#pragma once
// Questions about a pod object that several parts of the node agent ask (the worker, its probes
// and hooks, the downward API, volumes): one answer for each.

#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace cube::agent {

// The container (or init container) of the pod with that name; null when there is none.
const boost::json::object* findContainerSpec(const boost::json::object& pod,
                                             const std::string& name);

// Whether `name` is one of the pod's init containers (events name them spec.initContainers{x}).
bool isInitContainer(const boost::json::object& pod, const std::string& name);

// spec.terminationGracePeriodSeconds (30 when absent, never below 0).
std::chrono::seconds podGrace(const boost::json::object& pod);

// How the kubelet names a pod in its messages: name_namespace(uid).
std::string podDescription(const boost::json::object& pod);

}  // namespace cube::agent
