#include "api/schema/schema_parser.h"

#include "api/schema/type_registry.h"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace cube::api::dsl {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t';
}

bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isIdentChar(char c) {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

bool isIdentifier(std::string_view s) {
  if (s.empty() || !isIdentStart(s[0])) return false;
  for (char c : s) {
    if (!isIdentChar(c)) return false;
  }
  return true;
}

// `a.b.c`: dot-separated identifiers (package names and qualified type names).
bool isDottedName(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!isIdentifier(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// JSON field names: camelCase in practice, but `$ref` or `x-kubernetes-...` exist too.
bool isFieldName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isIdentChar(c) && c != '$' && c != '-' && c != '.') return false;
  }
  return true;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// Reports problems with the file and line they were found on.
class LineError {
 public:
  LineError(std::string_view file, int line) : file_(file), line_(line) {}
  [[noreturn]] void operator()(const std::string& problem) const {
    throw SchemaError(std::string(file_) + ":" + std::to_string(line_) + ": " + problem);
  }

 private:
  std::string_view file_;
  int line_;
};

// Reads a double-quoted string starting at text[pos] == '"'; leaves pos after the closing quote.
std::string readQuoted(std::string_view text, size_t& pos, const LineError& fail) {
  std::string out;
  ++pos;
  while (pos < text.size()) {
    char c = text[pos++];
    if (c == '"') return out;
    if (c == '\\') {
      if (pos >= text.size()) break;
      char e = text[pos++];
      if (e != '"' && e != '\\') fail(std::string("unknown escape \\") + e + " in a string");
      out += e;
    } else {
      out += c;
    }
  }
  fail("unterminated string");
}

// The extent of a JSON literal starting at text[pos]: a string, a bracketed value (strings inside
// may hold brackets and spaces) or a bare word (number, true, false, null).
size_t jsonLiteralEnd(std::string_view text, size_t pos, const LineError& fail) {
  if (pos >= text.size() || isSpace(text[pos])) fail("default= needs a JSON value");
  int depth = 0;
  bool inString = false;
  for (size_t i = pos; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
        if (depth == 0) return i + 1;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    } else if (isSpace(c) && depth == 0) {
      return i;
    }
  }
  if (inString || depth != 0) fail("unterminated default= value");
  return text.size();
}

// `N` or `N.M...`: protobuf field numbers, each 1 .. 2^29-1 (the wire format keeps three bits
// of the key for the wire type).
std::vector<int> parseProtoPath(std::string_view value, const LineError& fail) {
  std::vector<int> path;
  for (const std::string& part : split(value, '.')) {
    int tag = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), tag);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || tag < 1 ||
        tag > 536870911) {
      fail("proto=" + std::string(value) +
           " is not a protobuf field number (1 to 536870911) or a dotted path of such numbers");
    }
    path.push_back(tag);
  }
  return path;
}

std::string protoPathText(const std::vector<int>& path) {
  std::string out;
  for (int tag : path) out += (out.empty() ? "" : ".") + std::to_string(tag);
  return out;
}

// True when `prefix` is `path` or begins it.
bool startsWith(const std::vector<int>& path, const std::vector<int>& prefix) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

void applyAttribute(std::string_view attr, ParsedField& pf, std::string& strategy,
                    std::string_view rawAttrValue, const LineError& fail) {
  Field& f = pf.field;
  auto eq = attr.find('=');
  std::string_view key = attr.substr(0, eq);
  std::string_view value = eq == std::string_view::npos ? std::string_view() : rawAttrValue;
  bool isArray = pf.type.form == TypeExpr::Form::Array;
  if (key == "required") {
    if (eq != std::string_view::npos) fail("`required` takes no value");
    f.required = true;
    return;
  }
  if (key == "pointer") {
    if (eq != std::string_view::npos) fail("`pointer` takes no value");
    f.pointer = true;
    return;
  }
  if (eq == std::string_view::npos) fail("unknown attribute `" + std::string(attr) + "`");
  if (value.empty() && key != "enum") fail("`" + std::string(key) + "=` needs a value");
  if (key == "merge") {
    if (!isArray) fail("merge= applies to list fields only");
    f.patchMergeKey = value;
  } else if (key == "strategy") {
    static const std::set<std::string_view> kStrategies = {"merge", "replace", "retainKeys",
                                                           "merge,retainKeys"};
    if (!kStrategies.count(value)) {
      fail("unknown patch strategy `" + std::string(value) +
           "` (merge, replace, retainKeys or merge,retainKeys)");
    }
    strategy = value;
  } else if (key == "listType") {
    if (value != "atomic" && value != "set" && value != "map") {
      fail("unknown listType `" + std::string(value) + "` (atomic, set or map)");
    }
    if (!isArray) fail("listType= applies to list fields only");
    f.listType = value;
  } else if (key == "listMapKeys") {
    for (auto& k : split(value, ',')) {
      if (!isFieldName(k)) fail("bad listMapKeys entry `" + k + "`");
      f.listMapKeys.push_back(k);
    }
  } else if (key == "enum") {
    if (value.empty()) fail("`enum=` needs at least one value");
    f.enumValues = split(value, '|');
  } else if (key == "proto") {
    if (!f.protoPath.empty()) fail("proto= given twice");
    f.protoPath = parseProtoPath(value, fail);
  } else if (key == "default") {
    boost::system::error_code ec;
    auto v = boost::json::parse(value, ec);
    if (ec) fail("default=" + std::string(value) + " is not a JSON literal: " + ec.message());
    f.defaultValue = std::move(v);
  } else {
    fail("unknown attribute `" + std::string(key) + "`");
  }
}

ParsedField parseFieldLine(std::string_view line, const LineError& fail) {
  ParsedField pf;
  size_t pos = 0;
  auto skipSpace = [&] {
    while (pos < line.size() && isSpace(line[pos])) ++pos;
  };
  auto readWord = [&] {
    size_t start = pos;
    while (pos < line.size() && !isSpace(line[pos])) ++pos;
    return line.substr(start, pos - start);
  };
  skipSpace();
  std::string_view name = readWord();
  if (!isFieldName(name)) fail("bad field name `" + std::string(name) + "`");
  pf.field.name = name;
  skipSpace();
  std::string_view typeText = readWord();
  if (typeText.empty()) fail("field `" + std::string(name) + "` has no type");
  auto type = parseTypeExpr(typeText);
  if (!type) fail("unknown type `" + std::string(typeText) + "` for field " + pf.field.name);
  pf.type = std::move(*type);

  std::string strategy;
  while (true) {
    skipSpace();
    if (pos >= line.size()) break;
    if (line[pos] == '"') {
      pf.field.description = readQuoted(line, pos, fail);
      skipSpace();
      if (pos < line.size()) fail("text after the description: the description must come last");
      break;
    }
    size_t start = pos;
    std::string_view rawValue;
    if (line.substr(pos).starts_with("default=")) {
      size_t valueStart = pos + 8;
      pos = jsonLiteralEnd(line, valueStart, fail);
      rawValue = line.substr(valueStart, pos - valueStart);
    } else {
      readWord();
      std::string_view word = line.substr(start, pos - start);
      auto eq = word.find('=');
      if (eq != std::string_view::npos) rawValue = word.substr(eq + 1);
    }
    if (pos < line.size() && !isSpace(line[pos])) fail("attributes must be separated by spaces");
    applyAttribute(line.substr(start, pos - start), pf, strategy, rawValue, fail);
  }

  Field& f = pf.field;
  // merge=KEY implies the merge strategy; strategy= overrides it (merge,retainKeys for volumes).
  if (!f.patchMergeKey.empty()) f.patchStrategy = "merge";
  if (!strategy.empty()) f.patchStrategy = strategy;
  if (!f.listMapKeys.empty() && f.listType != "map") {
    fail("listMapKeys= needs listType=map");
  }
  if (f.listType == "map" && f.listMapKeys.empty()) fail("listType=map needs listMapKeys=");
  return pf;
}

}  // namespace

std::unique_ptr<TypeExpr> parseTypeExpr(std::string_view text) {
  struct Primitive {
    std::string_view word;
    TypeKind kind;
    std::string_view format;
  };
  static const Primitive kPrimitives[] = {
      {"string", TypeKind::String, ""},
      {"int32", TypeKind::Integer, "int32"},
      {"int64", TypeKind::Integer, "int64"},
      {"number", TypeKind::Number, "double"},
      {"boolean", TypeKind::Boolean, ""},
      {"int-or-string", TypeKind::IntOrString, "int-or-string"},
      {"quantity", TypeKind::Quantity, ""},
      {"time", TypeKind::Time, "date-time"},
      {"microtime", TypeKind::MicroTime, "date-time"},
      {"bytes", TypeKind::Bytes, "byte"},
      {"any", TypeKind::Any, ""},
  };
  auto expr = std::make_unique<TypeExpr>();
  for (const auto& p : kPrimitives) {
    if (text == p.word) {
      expr->form = TypeExpr::Form::Primitive;
      expr->primitive = p.kind;
      expr->format = p.format;
      return expr;
    }
  }
  if (text.starts_with("[]")) {
    expr->elem = parseTypeExpr(text.substr(2));
    if (!expr->elem) return nullptr;
    expr->form = TypeExpr::Form::Array;
    return expr;
  }
  if (text.starts_with("map[") && text.ends_with("]")) {
    expr->elem = parseTypeExpr(text.substr(4, text.size() - 5));
    if (!expr->elem) return nullptr;
    expr->form = TypeExpr::Form::Map;
    return expr;
  }
  if (isDottedName(text)) {
    expr->form = TypeExpr::Form::Named;
    expr->name = text;
    return expr;
  }
  return nullptr;
}

std::vector<ParsedType> parseSchemaFile(std::string_view fileName, std::string_view text) {
  std::vector<ParsedType> types;
  std::set<std::string> names;
  std::string package;
  int lineNo = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    LineError fail(fileName, lineNo);

    size_t first = 0;
    while (first < line.size() && isSpace(line[first])) ++first;
    if (first == line.size() || line[first] == '#') continue;

    if (first > 0) {
      if (types.empty()) fail("a field line (indented) before any `type` line");
      ParsedField pf = parseFieldLine(line, fail);
      pf.line = lineNo;
      ParsedType& current = types.back();
      for (const auto& other : current.fields) {
        if (other.field.name == pf.field.name) {
          fail("field `" + pf.field.name + "` declared twice in type " + current.name +
               " (first on line " + std::to_string(other.line) + ")");
        }
      }
      // A path must be unique, and no path may begin another: a field number is either a field
      // of its own or the message holding inlined fields, never both.
      const std::vector<int>& path = pf.field.protoPath;
      if (!path.empty()) {
        for (const auto& other : current.fields) {
          const std::vector<int>& otherPath = other.field.protoPath;
          if (otherPath.empty()) continue;
          if (otherPath == path) {
            fail("proto=" + protoPathText(path) + " already used by field `" + other.field.name +
                 "` (line " + std::to_string(other.line) + ")");
          }
          if (startsWith(path, otherPath) || startsWith(otherPath, path)) {
            fail("proto=" + protoPathText(path) +
                 " clashes with proto=" + protoPathText(otherPath) + " of field `" +
                 other.field.name + "` (line " + std::to_string(other.line) +
                 "): a number is a field or a message of inlined " + "fields, not both");
          }
        }
      }
      current.fields.push_back(std::move(pf));
      continue;
    }

    size_t wordEnd = line.find_first_of(" \t");
    std::string_view keyword = line.substr(0, wordEnd);
    std::string_view rest =
        wordEnd == std::string_view::npos ? std::string_view() : line.substr(wordEnd);
    size_t restStart = rest.find_first_not_of(" \t");
    rest = restStart == std::string_view::npos ? std::string_view() : rest.substr(restStart);

    if (keyword == "package") {
      while (!rest.empty() && isSpace(rest.back())) rest.remove_suffix(1);
      if (!isDottedName(rest)) fail("bad package name `" + std::string(rest) + "`");
      package = rest;
    } else if (keyword == "type") {
      if (package.empty()) fail("`type` before any `package` line");
      size_t nameEnd = rest.find_first_of(" \t");
      std::string_view name = rest.substr(0, nameEnd);
      if (!isIdentifier(name)) fail("bad type name `" + std::string(name) + "`");
      ParsedType t;
      t.package = package;
      t.name = package + "." + std::string(name);
      t.line = lineNo;
      if (nameEnd != std::string_view::npos) {
        size_t pos = rest.find_first_not_of(" \t", nameEnd);
        if (pos != std::string_view::npos) {
          if (rest[pos] != '"') fail("expected a quoted description after the type name");
          t.description = readQuoted(rest, pos, fail);
          if (rest.find_first_not_of(" \t", pos) != std::string_view::npos) {
            fail("text after the description");
          }
        }
      }
      if (!names.insert(t.name).second) fail("type " + t.name + " declared twice in this file");
      types.push_back(std::move(t));
    } else {
      fail("expected `package NAME`, `type NAME` or an indented field, got `" +
           std::string(keyword) + "`");
    }
  }
  return types;
}

}  // namespace cube::api::dsl
