#pragma once
// Shared helpers for the table printer tests.

#include "apiserver/tables/human_duration.h"
#include "apiserver/tables/table_printer.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cube::tables::testing {

// The fixed "now" of every test.
inline TimePoint testNow() {
  return *parseRfc3339("2024-03-01T12:00:00Z");
}

inline boost::json::object obj(std::string_view json) {
  return boost::json::parse(json).as_object();
}

inline std::vector<std::string> columnNames(const TablePrinter& p) {
  std::vector<std::string> names;
  for (const auto& c : p.columns) names.push_back(c.name);
  return names;
}

// Cells printed as JSON text, so strings and numbers compare distinctly ("1" vs 1).
inline std::vector<std::string> cellsOf(std::string_view group, std::string_view kind,
                                        const boost::json::object& o) {
  std::vector<std::string> out;
  for (const auto& v : tablePrinterFor(group, kind).cells(o, testNow())) {
    out.push_back(boost::json::serialize(v));
  }
  return out;
}

}  // namespace cube::tables::testing
