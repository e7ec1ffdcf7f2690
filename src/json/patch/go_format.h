#pragma once
// Formats a JSON value the way Go's fmt "%v" prints the decoded interface{} value, so that error
// messages copied from Kubernetes (which embed patch fragments with %v) read the same:
// {"name":"a","x":1} -> map[name:a x:1], ["a","b"] -> [a b], null -> <nil>.

#include <boost/json/value.hpp>

#include <string>

namespace cube::json {

std::string goFormat(const boost::json::value& v);

}  // namespace cube::json
