#pragma once
// Immutable JSON objects in a few contiguous blocks: what a cache holds for a long time (the API
// server's watch cache). A parsed object is a tree of ~130 small allocations per pod; from the
// heap each costs a malloc header and rounding (8.7 KB for a 2.1 KB pod), from one arena it costs
// its size (5.7 KB), and freeing the object frees a block, not a scatter of holes.
//
// The arena is sealed once the object is built: later allocations with its storage — a copy of
// the object or of a part of it inherits the storage in Boost.JSON — go to the ordinary heap and
// are freed normally, so copies never grow the arena. A copy keeps the arena alive while it
// lives (it shares the storage); copies are short-lived.

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <memory>
#include <string_view>

namespace cube::json {

// Parses `text` (a JSON object) into an arena; `finish` may still change the object (stamp a
// field) before the arena is sealed. Null with `ec` set when `text` is not a JSON object.
std::shared_ptr<const boost::json::object> parseCompactObject(
    std::string_view text, boost::system::error_code& ec,
    const std::function<void(boost::json::object&)>& finish = {});

}  // namespace cube::json
