#pragma once
// The *.schema files of src/api/types, compiled into the binary (see cmake/embed.cmake).

#include <string_view>
#include <vector>

namespace cube::api {

struct EmbeddedSchema {
  std::string_view fileName;
  std::string_view text;
};

const std::vector<EmbeddedSchema>& embeddedSchemas();

}  // namespace cube::api
