#include "api/schema/openapi.h"

#include "api/schema/openapi_schemas.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace cube::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kMeta = OpenApiSchemas::kMeta;

bool has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string capitalize(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// "rbac.authorization.k8s.io" -> {"rbac", "authorization"}; "" -> {"core"}.
std::vector<std::string> groupWords(std::string_view group) {
  if (group.empty()) return {"core"};
  std::string_view g = group;
  if (g.ends_with(".k8s.io")) g.remove_suffix(7);
  std::vector<std::string> words;
  std::string word;
  for (char c : g) {
    if (c == '.' || c == '-') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// The name a kind is presented under in a version's document: its own when its package is that
// version, else the same name in a package for that version (apps.v1.X -> apps.v1beta2.X).
std::string kindNameForVersion(const std::string& typeName, std::string_view version) {
  size_t last = typeName.rfind('.');
  if (last == std::string::npos || last == 0) return typeName;
  size_t prev = typeName.rfind('.', last - 1);
  std::string_view pkgVersion = std::string_view(typeName).substr(
      prev == std::string::npos ? 0 : prev + 1, last - (prev == std::string::npos ? 0 : prev + 1));
  if (pkgVersion == version || prev == std::string::npos) return typeName;
  return typeName.substr(0, prev + 1) + std::string(version) + typeName.substr(last);
}

json::object schemaRef(std::string_view name) {
  return {{"$ref", std::string(OpenApiSchemas::kRefPrefix) + std::string(name)}};
}

json::object param(std::string_view name, std::string_view in, std::string_view description,
                   std::string_view type, bool required = false) {
  json::object p{{"name", name}, {"in", in}, {"description", description}};
  if (required) p["required"] = true;
  p["schema"] = json::object{{"type", type}, {"uniqueItems", true}};
  return p;
}

json::object queryParam(std::string_view name) {
  struct Known {
    std::string_view name, type, description;
  };
  static const Known kParams[] = {
      {"allowWatchBookmarks", "boolean", "Ask for BOOKMARK events on a watch."},
      {"continue", "string", "Token from a previous limited list, to fetch the next page."},
      {"dryRun", "string", "With All, the request is checked and processed but not stored."},
      {"fieldManager", "string", "Name of the actor making the change, recorded in managedFields."},
      {"fieldSelector", "string", "Restricts the list to objects whose fields match."},
      {"fieldValidation", "string",
       "What the server does with unknown or duplicate fields in the body: Ignore, Warn "
       "(the default, a warning header per field) or Strict (the request fails)."},
      {"force", "boolean", "For apply patches: take ownership of fields other managers hold."},
      {"gracePeriodSeconds", "integer", "Seconds before the object is removed; 0 removes it now."},
      {"ignoreStoreReadErrorWithClusterBreakingPotential", "boolean",
       "Delete an object that can no longer be read from storage."},
      {"labelSelector", "string", "Restricts the list to objects whose labels match."},
      {"limit", "integer", "Largest number of items to return; more come with continue."},
      {"orphanDependents", "boolean", "Deprecated; use propagationPolicy."},
      {"propagationPolicy", "string", "Orphan, Background or Foreground deletion of dependents."},
      {"resourceVersion", "string", "Serve from (or watch after) this resourceVersion."},
      {"resourceVersionMatch", "string",
       "How resourceVersion applies to a list: Exact or "
       "NotOlderThan."},
      {"sendInitialEvents", "boolean", "Start a watch with the current objects as ADDED events."},
      {"timeoutSeconds", "integer", "Ends the list or watch call after this many seconds."},
      {"watch", "boolean", "Stream changes instead of returning a list."},
      {"pretty", "string", "Indent the response."},
  };
  for (const auto& p : kParams) {
    if (p.name == name) {
      return param(p.name, "query", p.description, p.type);
    }
  }
  return param(name, "query", "", "string");
}

json::array queryParams(std::initializer_list<std::string_view> names) {
  json::array out;
  for (auto n : names) out.push_back(queryParam(n));
  return out;
}

json::object content(const json::object& schemaRef, bool watchStream = false) {
  json::object c;
  c["application/json"] = json::object{{"schema", schemaRef}};
  c["application/yaml"] = json::object{{"schema", schemaRef}};
  if (watchStream) c["application/json;stream=watch"] = json::object{{"schema", schemaRef}};
  return c;
}

json::object responses(std::initializer_list<std::pair<std::string_view, std::string_view>> codes,
                       const json::object& schemaRef, bool watchStream = false) {
  json::object r;
  for (const auto& [code, description] : codes) {
    r[code] =
        json::object{{"description", description}, {"content", content(schemaRef, watchStream)}};
  }
  r["401"] = json::object{{"description", "Unauthorized"}};
  return r;
}

json::object body(const json::object& schemaRef) {
  return {{"content", json::object{{"*/*", json::object{{"schema", schemaRef}}}}},
          {"required", true}};
}

json::object patchBody() {
  json::object c;
  json::object patch{{"schema", schemaRef(std::string(kMeta) + "Patch")}};
  for (auto type : {"application/apply-patch+yaml", "application/json-patch+json",
                    "application/merge-patch+json", "application/strategic-merge-patch+json"}) {
    c[type] = patch;
  }
  return {{"content", std::move(c)}, {"required", true}};
}

// Everything that names one resource's operations.
struct OpContext {
  std::string tag;      // core_v1, apps_v1
  std::string idInfix;  // CoreV1, AppsV1, RbacAuthorizationV1
  std::string kind;     // Pod
  bool namespaced = true;
  json::object gvk;     // {group, kind, version}
  std::string kindRef;  // component names
  std::string listRef;
};

json::object operation(const OpContext& ctx, std::string_view action, std::string operationId,
                       std::string description, json::array params) {
  json::object op;
  op["tags"] = json::array{json::value(ctx.tag)};
  op["description"] = std::move(description);
  op["operationId"] = std::move(operationId);
  if (!params.empty()) op["parameters"] = std::move(params);
  op["x-kubernetes-action"] = action;
  op["x-kubernetes-group-version-kind"] = ctx.gvk;
  return op;
}

void setBodyAndResponses(json::object& op, json::object requestBody, json::object resp) {
  // Keep the key order of the real documents: parameters, requestBody, responses, extensions.
  json::object out;
  for (auto& kv : op) {
    if (kv.key() == "x-kubernetes-action") {
      if (!requestBody.empty()) out["requestBody"] = std::move(requestBody);
      out["responses"] = std::move(resp);
    }
    out[kv.key()] = std::move(kv.value());
  }
  op = std::move(out);
}

json::array pathParams(bool namespaced, bool named) {
  json::array out;
  if (named) out.push_back(param("name", "path", "Name of the object.", "string", true));
  if (namespaced) {
    out.push_back(param("namespace", "path", "Namespace of the objects.", "string", true));
  }
  out.push_back(queryParam("pretty"));
  return out;
}

// The operations on one object path (the object itself, or its status / scale subresource).
json::object itemPath(const OpContext& ctx, const ResourceInfo& r, const std::string& suffix,
                      const std::string& describe) {
  std::string ns = ctx.namespaced ? "Namespaced" : "";
  std::string idTail = ctx.idInfix + ns + ctx.kind + suffix;
  const json::object object = schemaRef(ctx.kindRef);
  json::object path;
  if (has(r.verbs, "get")) {
    auto op = operation(ctx, "get", "read" + idTail, "read " + describe, {});
    setBodyAndResponses(op, {}, responses({{"200", "OK"}}, object));
    path["get"] = std::move(op);
  }
  if (has(r.verbs, "update")) {
    auto op = operation(ctx, "put", "replace" + idTail, "replace " + describe,
                        queryParams({"dryRun", "fieldManager", "fieldValidation"}));
    setBodyAndResponses(op, body(object), responses({{"200", "OK"}, {"201", "Created"}}, object));
    path["put"] = std::move(op);
  }
  if (suffix.empty() && has(r.verbs, "delete")) {
    auto op = operation(ctx, "delete", "delete" + idTail, "delete " + describe,
                        queryParams({"dryRun", "gracePeriodSeconds",
                                     "ignoreStoreReadErrorWithClusterBreakingPotential",
                                     "orphanDependents", "propagationPolicy"}));
    json::object status = schemaRef(std::string(kMeta) + "Status");
    setBodyAndResponses(op, body(schemaRef(std::string(kMeta) + "DeleteOptions")),
                        responses({{"200", "OK"}, {"202", "Accepted"}}, status));
    path["delete"] = std::move(op);
  }
  if (has(r.verbs, "patch")) {
    auto op = operation(ctx, "patch", "patch" + idTail, "partially update " + describe,
                        queryParams({"dryRun", "fieldManager", "fieldValidation", "force"}));
    setBodyAndResponses(op, patchBody(), responses({{"200", "OK"}, {"201", "Created"}}, object));
    path["patch"] = std::move(op);
  }
  if (!path.empty()) path["parameters"] = pathParams(ctx.namespaced, true);
  return path;
}

void addResourcePaths(json::object& paths, OpenApiSchemas& schemas, const TypeRegistry& types,
                      const ResourceInfo& r) {
  std::string prefix = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  auto words = groupWords(r.group);
  OpContext ctx;
  ctx.tag = words[0];
  for (size_t i = 1; i < words.size(); ++i) ctx.tag += capitalize(words[i]);
  ctx.tag += "_" + r.version;
  for (const auto& w : words) ctx.idInfix += capitalize(w);
  ctx.idInfix += capitalize(r.version);
  ctx.kind = r.kind;
  ctx.namespaced = r.namespaced;
  GroupVersionKind gvk = r.gvk();
  ctx.gvk = json::object{{"group", gvk.group}, {"kind", gvk.kind}, {"version", gvk.version}};

  // Component schemas: the kind under a name for this version, and its list.
  const Type* type = r.typeName.empty() ? nullptr : types.find(r.typeName);
  std::string typeName = r.typeName;
  if (typeName.empty()) {
    typeName =
        "io.k8s.api." + (words.size() == 1 ? words[0] : r.group) + "." + r.version + "." + r.kind;
  }
  ctx.kindRef = kindNameForVersion(typeName, r.version);
  if (type != nullptr) {
    schemas.addKind(*type, ctx.kindRef, gvk);
  } else {
    schemas.addOpaque(ctx.kindRef, r.kind + " object.", &gvk);
  }
  size_t lastDot = ctx.kindRef.rfind('.');
  ctx.listRef = ctx.kindRef.substr(0, lastDot + 1) + r.listKind;
  std::string declaredList = typeName.substr(0, typeName.rfind('.') + 1) + r.listKind;
  schemas.addList(types.find(declaredList), ctx.listRef, ctx.kindRef, r.kind,
                  {r.group, r.version, r.listKind});

  std::string collection =
      r.namespaced ? prefix + "/namespaces/{namespace}/" + r.plural : prefix + "/" + r.plural;
  std::string ns = r.namespaced ? "Namespaced" : "";
  std::string kindLabel = "objects of kind " + r.kind;
  json::object list = schemaRef(ctx.listRef);
  json::object object = schemaRef(ctx.kindRef);

  json::object coll;
  if (has(r.verbs, "list")) {
    auto op =
        operation(ctx, "list", "list" + ctx.idInfix + ns + r.kind, "list or watch " + kindLabel,
                  queryParams({"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector",
                               "limit", "resourceVersion", "resourceVersionMatch",
                               "sendInitialEvents", "timeoutSeconds", "watch"}));
    setBodyAndResponses(op, {}, responses({{"200", "OK"}}, list, true));
    coll["get"] = std::move(op);
  }
  if (has(r.verbs, "create")) {
    auto op = operation(ctx, "post", "create" + ctx.idInfix + ns + r.kind, "create " + r.kind,
                        queryParams({"dryRun", "fieldManager", "fieldValidation"}));
    setBodyAndResponses(
        op, body(object),
        responses({{"200", "OK"}, {"201", "Created"}, {"202", "Accepted"}}, object));
    coll["post"] = std::move(op);
  }
  if (has(r.verbs, "deletecollection")) {
    auto op =
        operation(ctx, "deletecollection", "delete" + ctx.idInfix + "Collection" + ns + r.kind,
                  "delete collection of " + r.kind,
                  queryParams({"continue", "dryRun", "fieldSelector", "gracePeriodSeconds",
                               "ignoreStoreReadErrorWithClusterBreakingPotential", "labelSelector",
                               "limit", "orphanDependents", "propagationPolicy", "resourceVersion",
                               "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds"}));
    setBodyAndResponses(op, body(schemaRef(std::string(kMeta) + "DeleteOptions")),
                        responses({{"200", "OK"}}, schemaRef(std::string(kMeta) + "Status")));
    coll["delete"] = std::move(op);
  }
  if (!coll.empty()) {
    coll["parameters"] = pathParams(r.namespaced, false);
    paths[collection] = std::move(coll);
  }

  json::object item = itemPath(ctx, r, "", "the specified " + r.kind);
  if (!item.empty()) paths[collection + "/{name}"] = std::move(item);

  if (r.hasSubresource("status")) {
    json::object status = itemPath(ctx, r, "Status", "status of the specified " + r.kind);
    if (!status.empty()) paths[collection + "/{name}/status"] = std::move(status);
  }
  if (r.hasSubresource("scale")) {
    const std::string scaleName = "io.k8s.api.autoscaling.v1.Scale";
    if (const Type* scale = types.find(scaleName)) {
      OpContext scaleCtx = ctx;
      scaleCtx.kindRef = scaleName;
      scaleCtx.gvk = json::object{{"group", "autoscaling"}, {"kind", "Scale"}, {"version", "v1"}};
      schemas.addKind(*scale, scaleName, {"autoscaling", "v1", "Scale"});
      json::object scalePath = itemPath(scaleCtx, r, "Scale", "scale of the specified " + r.kind);
      if (!scalePath.empty()) paths[collection + "/{name}/scale"] = std::move(scalePath);
    }
  }

  // Listing across namespaces.
  if (r.namespaced && has(r.verbs, "list")) {
    auto op =
        operation(ctx, "list", "list" + ctx.idInfix + r.kind + "ForAllNamespaces",
                  "list or watch " + kindLabel,
                  queryParams({"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector",
                               "limit", "resourceVersion", "resourceVersionMatch",
                               "sendInitialEvents", "timeoutSeconds", "watch"}));
    setBodyAndResponses(op, {}, responses({{"200", "OK"}}, list, true));
    json::object all{{"get", std::move(op)}};
    all["parameters"] = json::array{queryParam("pretty")};
    paths[prefix + "/" + r.plural] = std::move(all);
  }
}

void addMetaTypes(OpenApiSchemas& schemas, const TypeRegistry& types) {
  for (auto name : {"DeleteOptions", "Status", "WatchEvent", "Patch"}) {
    std::string full = std::string(kMeta) + name;
    if (const Type* t = types.find(full)) {
      schemas.addType(*t);
    } else {
      schemas.addOpaque(full, "", nullptr);
    }
  }
}

}  // namespace

std::string openApiV3PathKey(std::string_view group, std::string_view version) {
  return group.empty() ? "api/" + std::string(version)
                       : "apis/" + std::string(group) + "/" + std::string(version);
}

boost::json::object openApiV3Document(const ResourceRegistry& registry, std::string_view group,
                                      std::string_view version) {
  auto resources = registry.inGroupVersion(group, version);
  if (resources.empty()) return {};
  const TypeRegistry& types = registry.types();
  OpenApiSchemas schemas(types);
  json::object paths;
  for (const auto& r : resources) {
    // Subresource entries (plural "pods/status") are served through their parent's paths.
    if (r->plural.find('/') != std::string::npos) continue;
    addResourcePaths(paths, schemas, types, *r);
  }
  addMetaTypes(schemas, types);

  json::object doc;
  doc["openapi"] = "3.0.0";
  doc["info"] = json::object{{"title", "Kubernetes"}, {"version", "v1.32.0"}};
  doc["paths"] = std::move(paths);
  json::object components;
  components["schemas"] = schemas.render();
  components["securitySchemes"] =
      json::object{{"BearerToken", json::object{{"type", "apiKey"},
                                                {"description", "Bearer token authentication."},
                                                {"name", "authorization"},
                                                {"in", "header"}}}};
  doc["components"] = std::move(components);
  doc["security"] = json::array{json::object{{"BearerToken", json::array()}}};
  return doc;
}

std::string openApiV3Hash(const boost::json::object& document) {
  // 128-bit FNV-1a: dependency-free and stable across runs and builds; the digest only has to
  // change when the content does (clients cache by URL).
  using u128 = unsigned __int128;
  const u128 prime = (u128(1) << 88) | 0x13B;
  u128 hash = (u128(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
  std::string text = json::serialize(document);
  for (unsigned char c : text) {
    hash ^= c;
    hash *= prime;
  }
  static const char kHex[] = "0123456789ABCDEF";
  std::string out(32, '0');
  for (int i = 31; i >= 0; --i) {
    out[i] = kHex[static_cast<unsigned>(hash & 0xF)];
    hash >>= 4;
  }
  return out;
}

boost::json::object openApiV3Index(const ResourceRegistry& registry) {
  json::object paths;
  for (const auto& gv : registry.groups()) {
    for (const auto& version : gv.versions) {
      json::object doc = openApiV3Document(registry, gv.group, version);
      if (doc.empty()) continue;
      std::string key = openApiV3PathKey(gv.group, version);
      paths[key] =
          json::object{{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + openApiV3Hash(doc)}};
    }
  }
  return {{"paths", std::move(paths)}};
}

}  // namespace cube::api
