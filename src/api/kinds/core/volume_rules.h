#pragma once
// Rules shared by PersistentVolume and PersistentVolumeClaim: access modes.

#include "api/validation/validation.h"

namespace cube::api::kinds::core {

// Access modes: at least one (with `emptyMessage` as the Required detail) and each one of
// ReadOnlyMany, ReadWriteMany, ReadWriteOnce, ReadWriteOncePod; ReadWriteOncePod alone.
void validateAccessModes(const boost::json::object& spec, std::string_view path,
                         std::string_view emptyMessage, validation::Causes& out);

}  // namespace cube::api::kinds::core
