#pragma once
// The fields each kind can be selected on with `--field-selector`, as Kubernetes' per-kind
// GetAttrs functions define them.

#include "api/resource.h"

#include <boost/json/object.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cube::apiserver {

std::vector<std::string> selectableFieldNames(const api::ResourceInfo& storageInfo);
std::map<std::string, std::string> fieldsOf(const api::ResourceInfo& storageInfo,
                                            const boost::json::object& obj);

// Just what label and field selectors read of `obj` (metadata.name, namespace and labels, and
// the kind's selectable fields), for which fieldsOf() and label matching give the same answers as
// for `obj`: what the watch history keeps of an object's previous version.
boost::json::object selectionView(const api::ResourceInfo& storageInfo,
                                  const boost::json::object& obj);

}  // namespace cube::apiserver
