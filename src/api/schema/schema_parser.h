#pragma once
// The schema DSL parser (docs/dev/schema-dsl.md): turns one file's text into parsed types whose
// type references are still names. TypeRegistry turns those into the linked Type graph; keeping
// the two apart lets a file be checked completely before anything is added to a registry.

#include "api/schema/type.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cube::api::dsl {

// A field type as written: `int32`, `[]Container`, `map[[]string]`, `meta.v1.Time`.
struct TypeExpr {
  enum class Form { Primitive, Array, Map, Named };
  Form form = Form::Primitive;
  TypeKind primitive = TypeKind::Any;  // Primitive
  std::string format;                  // Primitive: int32, int64, double, date-time, byte
  std::string name;                    // Named: as written (short or fully qualified)
  std::unique_ptr<TypeExpr> elem;      // Array, Map
};

struct ParsedField {
  Field field;  // everything but `type`
  TypeExpr type;
  int line = 0;
};

struct ParsedType {
  std::string package;
  std::string name;  // fully qualified
  std::string description;
  int line = 0;
  std::vector<ParsedField> fields;
};

// Parses a whole file. Throws SchemaError("file:line: problem") on the first malformed line.
std::vector<ParsedType> parseSchemaFile(std::string_view fileName, std::string_view text);

// Parses one type expression; nullptr when it is not one.
std::unique_ptr<TypeExpr> parseTypeExpr(std::string_view text);

}  // namespace cube::api::dsl
