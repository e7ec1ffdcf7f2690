#pragma once
// Copies of a list's items, for tests that edit or compare whole objects. In cube::client so that
// argument-dependent lookup finds it wherever an ObjectList is at hand.

#include "client/api_client.h"

#include <vector>

namespace cube::client {

inline std::vector<boost::json::object> itemsOf(const ObjectList& list) {
  std::vector<boost::json::object> out;
  out.reserve(list.items.size());
  for (const auto& item : list.items) out.push_back(*item);
  return out;
}

}  // namespace cube::client
