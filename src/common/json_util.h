#pragma once
// Small helpers for reading and writing boost::json objects by field name.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cube::json {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// Field access that tolerates absence and wrong types (returns null / fallback).
const object* getObject(const object& o, std::string_view key);
object* getObject(object& o, std::string_view key);
const array* getArray(const object& o, std::string_view key);
std::string getString(const object& o, std::string_view key, std::string_view fallback = "");
int64_t getInt(const object& o, std::string_view key, int64_t fallback = 0);
bool getBool(const object& o, std::string_view key, bool fallback = false);
// The string elements of the array at `key` (others skipped); empty when absent.
std::vector<std::string> getStrings(const object& o, std::string_view key);
// A JSON array of the strings.
array toArray(const std::vector<std::string>& strings);
// Dotted path of object fields, e.g. "metadata.name".
const value* findPath(const object& o, std::string_view dottedPath);

// The object at `key`, created (and replacing a non-object) when absent.
object& ensureObject(object& o, std::string_view key);

// Removes the elements for which `drop` is true.
void removeIf(array& a, const std::function<bool(const value&)>& drop);

// Parses JSON; throws ApiError(400 BadRequest) with the parser's message on bad input.
value parse(std::string_view text);
std::string serialize(const value& v);

}  // namespace cube::json
