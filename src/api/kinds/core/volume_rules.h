#pragma once
// Rules shared by PersistentVolume and PersistentVolumeClaim: access modes, volume mode and
// storage class name.

#include "api/validation/validation.h"

namespace cube::api::kinds::core {

// Access modes: at least one (with `emptyMessage` as the Required detail) and each one of
// ReadOnlyMany, ReadWriteMany, ReadWriteOnce, ReadWriteOncePod; ReadWriteOncePod alone.
void validateAccessModes(const boost::json::object& spec, std::string_view path,
                         std::string_view emptyMessage, validation::Causes& out);

// `<path>.volumeMode`, when set: Block or Filesystem.
void validateVolumeMode(const boost::json::object& spec, std::string_view path,
                        validation::Causes& out);
// `<path>.storageClassName`, when set and not empty: a DNS subdomain.
void validateStorageClassName(const boost::json::object& spec, std::string_view path,
                              validation::Causes& out);

}  // namespace cube::api::kinds::core
