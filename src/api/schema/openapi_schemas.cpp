#include "api/schema/openapi_schemas.h"

#include <boost/json/parse.hpp>

namespace cube::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
constexpr std::string_view kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
constexpr std::string_view kTime = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
constexpr std::string_view kMicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";

json::object schemaRef(std::string_view name) {
  return {{"$ref", std::string(OpenApiSchemas::kRefPrefix) + std::string(name)}};
}

json::object typed(std::string_view type, std::string_view format = "") {
  json::object o{{"type", type}};
  if (!format.empty()) o["format"] = format;
  return o;
}

json::object gvkObject(const GroupVersionKind& gvk) {
  return {{"group", gvk.group}, {"kind", gvk.kind}, {"version", gvk.version}};
}

// Enum values are written as strings in the DSL; integer fields get numbers back.
json::array enumArray(const Field& f) {
  json::array out;
  bool numeric = f.type != nullptr && f.type->kind == TypeKind::Integer;
  for (const auto& v : f.enumValues) {
    if (numeric) {
      boost::system::error_code ec;
      json::value parsed = json::parse(v, ec);
      if (!ec && parsed.is_number()) {
        out.push_back(parsed);
        continue;
      }
    }
    out.push_back(json::value(v));
  }
  return out;
}

}  // namespace

void OpenApiSchemas::addType(const Type& type) {
  if (type.kind != TypeKind::Object || !visited_.insert(&type).second) return;
  // Reserve the name before recursing so that self-referencing types terminate.
  schemas_[type.name];
  schemas_[type.name] = objectSchema(type);
}

void OpenApiSchemas::addKind(const Type& type, const std::string& name,
                             const GroupVersionKind& gvk) {
  if (name == type.name) {
    addType(type);
  } else if (!schemas_.count(name)) {
    schemas_[name];
    schemas_[name] = objectSchema(type);
  }
  addGvk(name, gvk);
}

void OpenApiSchemas::addList(const Type* listType, const std::string& name,
                             const std::string& itemName, const std::string& itemKind,
                             const GroupVersionKind& gvk) {
  if (listType != nullptr) {
    addKind(*listType, name, gvk);
    return;
  }
  if (!schemas_.count(name)) {
    std::string listMeta = std::string(kMeta) + "ListMeta";
    if (const Type* t = types_.find(listMeta)) {
      addType(*t);
    } else {
      addOpaque(listMeta, "Metadata of a list response.", nullptr);
    }
    json::object props;
    props["apiVersion"] =
        json::object{{"description", "API version of this list."}, {"type", "string"}};
    props["items"] = json::object{{"description", "The " + itemKind + " objects."},
                                  {"type", "array"},
                                  {"items", schemaRef(itemName)}};
    props["kind"] =
        json::object{{"description", "Kind of this list, " + gvk.kind + "."}, {"type", "string"}};
    json::object meta{{"allOf", json::array{schemaRef(listMeta)}},
                      {"default", json::object()},
                      {"description", "Standard list metadata."}};
    props["metadata"] = std::move(meta);
    schemas_[name] = json::object{{"description", "A list of " + itemKind + " objects."},
                                  {"type", "object"},
                                  {"properties", std::move(props)},
                                  {"required", json::array{"items"}}};
  }
  addGvk(name, gvk);
}

void OpenApiSchemas::addOpaque(const std::string& name, const std::string& description,
                               const GroupVersionKind* gvk) {
  if (!schemas_.count(name)) {
    schemas_[name] = json::object{{"description", description},
                                  {"type", "object"},
                                  {"x-kubernetes-preserve-unknown-fields", true}};
  }
  if (gvk != nullptr) addGvk(name, *gvk);
}

void OpenApiSchemas::addGvk(const std::string& name, const GroupVersionKind& gvk) {
  json::array& list = gvks_[name];
  json::value entry = gvkObject(gvk);
  for (const auto& existing : list) {
    if (existing == entry) return;
  }
  list.push_back(std::move(entry));
}

json::object OpenApiSchemas::objectSchema(const Type& type) {
  json::object schema;
  if (!type.description.empty()) schema["description"] = type.description;
  schema["type"] = "object";
  json::object props;
  json::array required;
  for (const Field& f : type.fields) {
    props[f.name] = propertySchema(f);
    if (f.required) required.push_back(json::value(f.name));
  }
  if (!props.empty()) schema["properties"] = std::move(props);
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

json::object OpenApiSchemas::valueSchema(const Type& type) {
  switch (type.kind) {
    case TypeKind::Object:
      addType(type);
      return schemaRef(type.name);
    case TypeKind::Array: {
      json::object o{{"type", "array"}};
      o["items"] = type.elem ? valueSchema(*type.elem) : json::object();
      return o;
    }
    case TypeKind::Map: {
      json::object o{{"type", "object"}};
      o["additionalProperties"] = type.elem ? valueSchema(*type.elem) : json::object();
      return o;
    }
    case TypeKind::String:
      return typed("string", type.format);
    case TypeKind::Integer:
      return typed("integer", type.format.empty() ? "int64" : type.format);
    case TypeKind::Number:
      return typed("number", "double");
    case TypeKind::Boolean:
      return typed("boolean");
    case TypeKind::IntOrString:
      if (!schemas_.count(std::string(kIntOrString))) {
        schemas_[std::string(kIntOrString)] = json::object{
            {"description", "An integer or a string, e.g. a port number or name, or a percentage."},
            {"format", "int-or-string"},
            {"oneOf", json::array{typed("integer"), typed("string")}},
            {"x-kubernetes-int-or-string", true}};
      }
      return schemaRef(kIntOrString);
    case TypeKind::Quantity:
      if (!schemas_.count(std::string(kQuantity))) {
        schemas_[std::string(kQuantity)] = json::object{
            {"description",
             "A fixed-point amount such as 500m (half a CPU), 128Mi or 1G, written as a string "
             "(a plain number is accepted too)."},
            {"oneOf", json::array{typed("string"), typed("number")}}};
      }
      return schemaRef(kQuantity);
    case TypeKind::Time:
      if (!schemas_.count(std::string(kTime))) {
        schemas_[std::string(kTime)] =
            json::object{{"description", "A point in time, as an RFC 3339 string in UTC."},
                         {"type", "string"},
                         {"format", "date-time"}};
      }
      return schemaRef(kTime);
    case TypeKind::MicroTime:
      if (!schemas_.count(std::string(kMicroTime))) {
        schemas_[std::string(kMicroTime)] = json::object{
            {"description", "A point in time with microsecond precision, as an RFC 3339 string."},
            {"type", "string"},
            {"format", "date-time"}};
      }
      return schemaRef(kMicroTime);
    case TypeKind::Bytes:
      return typed("string", "byte");
    case TypeKind::Any:
      return {{"x-kubernetes-preserve-unknown-fields", true}};
  }
  return {};
}

json::object OpenApiSchemas::propertySchema(const Field& f) {
  json::object value = f.type ? valueSchema(*f.type) : json::object();
  json::object prop;
  bool isRef = value.contains("$ref");
  bool decorated = !f.description.empty() || f.defaultValue.has_value();
  if (isRef && decorated) {
    // A $ref cannot have siblings in OpenAPI 3.0, so Kubernetes wraps it in allOf.
    prop["allOf"] = json::array{std::move(value)};
  } else {
    prop = std::move(value);
  }
  if (f.defaultValue) prop["default"] = *f.defaultValue;
  if (!f.description.empty()) prop["description"] = f.description;
  if (!f.enumValues.empty()) prop["enum"] = enumArray(f);
  if (!f.listMapKeys.empty()) {
    json::array keys;
    for (const auto& k : f.listMapKeys) keys.push_back(json::value(k));
    prop["x-kubernetes-list-map-keys"] = std::move(keys);
  }
  if (!f.listType.empty()) prop["x-kubernetes-list-type"] = f.listType;
  if (!f.patchMergeKey.empty()) prop["x-kubernetes-patch-merge-key"] = f.patchMergeKey;
  if (!f.patchStrategy.empty()) prop["x-kubernetes-patch-strategy"] = f.patchStrategy;
  return prop;
}

json::object OpenApiSchemas::render() const {
  json::object out;
  out.reserve(schemas_.size());
  for (const auto& [name, schema] : schemas_) {
    json::object s = schema;
    auto it = gvks_.find(name);
    if (it != gvks_.end()) s["x-kubernetes-group-version-kind"] = it->second;
    out[name] = std::move(s);
  }
  return out;
}

}  // namespace cube::api
