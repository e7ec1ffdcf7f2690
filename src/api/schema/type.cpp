#include "api/schema/type.h"

namespace cube::api {

const Field* Type::field(std::string_view fieldName) const {
  // Objects have a few dozen fields at most; a linear scan beats building an index per type.
  for (const Field& f : fields) {
    if (f.name == fieldName) return &f;
  }
  return nullptr;
}

bool Type::isScalar() const {
  switch (kind) {
    case TypeKind::Object:
    case TypeKind::Map:
    case TypeKind::Array:
    case TypeKind::Any:
      return false;
    default:
      return true;
  }
}

}  // namespace cube::api
