#pragma once
// Condition timestamps shared by the node's and the pods' status: lastTransitionTime moves only
// when a condition's status changes, as the kubelet reports it.

#include <boost/json/array.hpp>

#include <string>

namespace cube::agent {

// The lastTransitionTime to report for condition `type` with `status`: the one in `old` (the
// conditions last reported; may be null) when that condition already had this status, else `now`.
std::string transitionTime(const boost::json::array* old, const std::string& type,
                           const std::string& status, const std::string& now);

}  // namespace cube::agent
