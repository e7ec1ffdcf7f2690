#include "api/schema/schema_defaults.h"

namespace cube::api {

namespace json = boost::json;

void applySchemaDefaults(const Type& type, json::value& value) {
  switch (type.kind) {
    case TypeKind::Object: {
      json::object* obj = value.if_object();
      if (obj == nullptr) return;
      for (const Field& f : type.fields) {
        if (f.type == nullptr) continue;
        auto it = obj->find(f.name);
        if (f.defaultValue && (it == obj->end() || it->value().is_null())) {
          (*obj)[f.name] = *f.defaultValue;
          it = obj->find(f.name);
        }
        if (it != obj->end() && !f.type->isScalar()) applySchemaDefaults(*f.type, it->value());
      }
      return;
    }
    case TypeKind::Array:
      if (json::array* arr = value.if_array(); arr != nullptr && type.elem != nullptr) {
        if (type.elem->isScalar()) return;
        for (json::value& item : *arr) applySchemaDefaults(*type.elem, item);
      }
      return;
    case TypeKind::Map:
      if (json::object* obj = value.if_object(); obj != nullptr && type.elem != nullptr) {
        if (type.elem->isScalar()) return;
        for (auto& kv : *obj) applySchemaDefaults(*type.elem, kv.value());
      }
      return;
    default:
      return;  // scalars and `any` have no fields to default
  }
}

}  // namespace cube::api
