// The OpenAPI documents of the real built-in registry (every group's registration and schema
// files): every $ref resolves and every kind can be found the way kubectl explain finds it.
#include "api/schema/openapi.h"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

namespace cube::api {
namespace {

namespace json = boost::json;

void collectRefs(const json::value& v, std::vector<std::string>& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& kv : *o) {
      if (kv.key() == "$ref" && kv.value().is_string()) {
        out.emplace_back(kv.value().get_string());
      } else {
        collectRefs(kv.value(), out);
      }
    }
  } else if (const auto* a = v.if_array()) {
    for (const auto& item : *a) collectRefs(item, out);
  }
}

TEST(OpenApiBuiltin, EveryDocumentIsSelfContained) {
  const ResourceRegistry& registry = ResourceRegistry::builtin();
  json::object index = openApiV3Index(registry);
  ASSERT_TRUE(index.at("paths").as_object().contains("api/v1"));
  for (const auto& gv : registry.groups()) {
    for (const auto& version : gv.versions) {
      json::object doc = openApiV3Document(registry, gv.group, version);
      std::string key = openApiV3PathKey(gv.group, version);
      if (doc.empty()) continue;
      const json::object& schemas = doc.at("components").at("schemas").as_object();
      std::vector<std::string> refs;
      collectRefs(doc, refs);
      for (const auto& ref : refs) {
        EXPECT_TRUE(schemas.contains(ref.substr(std::string("#/components/schemas/").size())))
            << key << ": " << ref;
      }
      for (const auto& r : registry.inGroupVersion(gv.group, version)) {
        if (r->plural.find('/') != std::string::npos) continue;
        json::object gvk{{"group", r->group}, {"kind", r->kind}, {"version", r->version}};
        bool found = false;
        for (const auto& [name, s] : schemas) {
          const auto* gvks = s.as_object().if_contains("x-kubernetes-group-version-kind");
          if (gvks == nullptr) continue;
          for (const auto& g : gvks->as_array()) found = found || g == gvk;
        }
        EXPECT_TRUE(found) << key << " " << r->kind;
      }
    }
  }
}

}  // namespace
}  // namespace cube::api
