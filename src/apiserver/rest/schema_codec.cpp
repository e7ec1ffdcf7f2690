#include "apiserver/rest/schema_codec.h"

#include "api/schema/schema_defaults.h"
#include "api/schema/schema_validator.h"
#include "api/schema/type_registry.h"
#include "apiserver/rest/object_meta.h"
#include "common/json_util.h"

#include <algorithm>
#include <variant>

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

const api::Type* typeOf(const api::ResourceInfo& info) {
  return api::TypeRegistry::builtin().find(info.typeName);
}

// Splits "spec.containers[0].foo" into steps and erases the last one from `obj`.
void eraseField(bj::value& root, const std::string& path) {
  std::vector<std::variant<std::string, size_t>> steps;
  size_t i = 0;
  std::string current;
  while (i < path.size()) {
    char c = path[i];
    if (c == '.') {
      if (!current.empty()) steps.emplace_back(current);
      current.clear();
      ++i;
    } else if (c == '[') {
      if (!current.empty()) steps.emplace_back(current);
      current.clear();
      size_t close = path.find(']', i);
      if (close == std::string::npos) return;
      steps.emplace_back(static_cast<size_t>(std::stoul(path.substr(i + 1, close - i - 1))));
      i = close + 1;
    } else {
      current += c;
      ++i;
    }
  }
  if (!current.empty()) steps.emplace_back(current);
  bj::value* node = &root;
  for (size_t s = 0; s + 1 < steps.size(); ++s) {
    if (auto* key = std::get_if<std::string>(&steps[s])) {
      if (!node->is_object()) return;
      auto it = node->get_object().find(*key);
      if (it == node->get_object().end()) return;
      node = &it->value();
    } else {
      size_t idx = std::get<size_t>(steps[s]);
      if (!node->is_array() || idx >= node->get_array().size()) return;
      node = &node->get_array()[idx];
    }
  }
  if (steps.empty()) return;
  if (auto* key = std::get_if<std::string>(&steps.back())) {
    if (node->is_object()) node->get_object().erase(*key);
  }
}

}  // namespace

void decodeAgainstSchema(const api::ResourceInfo& info, bj::object& obj,
                         const std::string& fieldValidation, std::vector<std::string>* warnings) {
  const api::Type* type = typeOf(info);
  if (!type) return;
  api::SchemaCheckOptions options;
  options.checkRequired = false;  // required fields are validation (422), checked later
  bj::value v(std::move(obj));
  api::SchemaCheck check = api::checkAgainstSchema(*type, v, options);
  // Wrong JSON types (and malformed quantities, times) are decoding errors: 400, as Kubernetes'
  // decoder reports them. Required and enum errors are validation's (422), later.
  std::erase_if(check.errors, [](const StatusCause& c) { return c.reason != "FieldValueInvalid"; });
  if (!check.errors.empty()) {
    std::string message = info.kind + " in version \"" + info.version +
                          "\" cannot be handled as a " + info.kind + ": ";
    for (size_t i = 0; i < check.errors.size(); ++i) {
      if (i) message += ", ";
      const auto& e = check.errors[i];
      message += e.field.empty() ? e.message : e.field + ": " + e.message;
    }
    throw ApiError::badRequest(message);
  }
  if (!check.unknownFields.empty()) {
    std::vector<std::string> messages;
    for (const auto& f : check.unknownFields) messages.push_back("unknown field \"" + f + "\"");
    if (fieldValidation == "Strict") {
      std::string message = "strict decoding error: ";
      for (size_t i = 0; i < messages.size(); ++i) message += (i ? ", " : "") + messages[i];
      throw ApiError::badRequest(message);
    }
    if (fieldValidation == "Warn" && warnings) {
      for (auto& m : messages) warnings->push_back(std::move(m));
    }
    // Fields the schema does not know are never stored. Erase deepest-first so indices hold.
    for (auto it = check.unknownFields.rbegin(); it != check.unknownFields.rend(); ++it) {
      eraseField(v, *it);
    }
  }
  obj = std::move(v.get_object());
}

void applyDefaults(const api::ResourceInfo& info, bj::object& obj) {
  if (const api::Type* type = typeOf(info)) {
    bj::value v(std::move(obj));
    api::applySchemaDefaults(*type, v);
    obj = std::move(v.get_object());
  }
  if (info.strategy.applyDefaults) info.strategy.applyDefaults(obj);
  if (info.strategy.normalize) info.strategy.normalize(obj);
}

void validateObject(const api::ResourceInfo& info, const bj::object& obj, const bj::object* old) {
  // The kind's validation words errors as Kubernetes does; the schema's required/enum checks
  // only add causes for fields the kind's validation did not already report.
  std::vector<StatusCause> causes;
  if (info.strategy.validate) causes = info.strategy.validate(obj, old);
  if (const api::Type* type = typeOf(info)) {
    api::SchemaCheck check = api::checkAgainstSchema(*type, bj::value(obj));
    for (auto& e : check.errors) {
      // Status belongs to controllers; Go's zero values stand in for its "required" fields.
      if (e.field == "status" || e.field.rfind("status.", 0) == 0) continue;
      bool reported = std::any_of(causes.begin(), causes.end(),
                                  [&](const StatusCause& c) { return c.field == e.field; });
      if (!reported) causes.push_back(std::move(e));
    }
  }
  if (!causes.empty()) {
    throw ApiError::invalid(info.group, info.kind, nameOf(obj), std::move(causes));
  }
}

}  // namespace cube::apiserver
