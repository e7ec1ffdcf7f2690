#pragma once
// Shared by the per-group registration files in this folder: a built-in kind described by the
// facts that differ from kind to kind, and the ResourceInfo derived from them.

#include "api/resource_registry.h"

#include <string>
#include <string_view>
#include <vector>

namespace cube::api {

struct BuiltinKind {
  std::string kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  std::vector<std::string> verbs;  // empty: standardVerbs()
  std::vector<std::string> subresources;
  KindStrategy (*strategy)() = nullptr;
};

// `k` served in `group`/`version`: list kind `<Kind>List`, schema type `<typePrefix><Kind>`
// (typePrefix e.g. "io.k8s.api.core.v1."), stored in the version it is served in and preferred.
// Callers set what differs (storage elsewhere, conversion) before adding it to the registry.
ResourceInfo builtinResource(std::string_view group, std::string_view version,
                             std::string_view typePrefix, const BuiltinKind& k);

}  // namespace cube::api
