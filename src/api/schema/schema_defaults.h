#pragma once
// Defaulting from the schema: every field with `default=` that is absent (or null) in an object
// that is present gets its default, at any depth (through arrays and maps). Kind-specific
// defaulting (KindStrategy::applyDefaults) runs after this.

#include "api/schema/type.h"

#include <boost/json/value.hpp>

namespace cube::api {

// Sets schema defaults in `value` (an instance of `type`) in place. Values of the wrong JSON type
// are left alone: validation reports them. A default that is itself an object is defaulted too,
// so `default={}` on a struct field fills that struct's own defaults.
void applySchemaDefaults(const Type& type, boost::json::value& value);

}  // namespace cube::api
