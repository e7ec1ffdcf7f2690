#include "api/groups/builtin_kind.h"

namespace cube::api {

ResourceInfo builtinResource(std::string_view group, std::string_view version,
                             std::string_view typePrefix, const BuiltinKind& k) {
  ResourceInfo info;
  info.group = group;
  info.version = version;
  info.kind = k.kind;
  info.listKind = k.kind + "List";
  info.plural = k.plural;
  info.singular = k.singular;
  info.namespaced = k.namespaced;
  info.shortNames = k.shortNames;
  info.categories = k.categories;
  info.verbs = k.verbs.empty() ? standardVerbs() : k.verbs;
  info.subresources = k.subresources;
  info.typeName = std::string(typePrefix) + k.kind;
  info.storageVersion = version;
  info.preferred = true;
  if (k.strategy) info.strategy = k.strategy();
  return info;
}

}  // namespace cube::api
