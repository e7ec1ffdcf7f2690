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

}  // namespace cube::apiserver
