#include "apiserver/handlers/discovery.h"

#include "common/json_util.h"

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

std::string groupVersion(const std::string& group, const std::string& version) {
  return group.empty() ? version : group + "/" + version;
}

// Verbs a subresource serves.
std::vector<std::string> subresourceVerbs(const std::string& sub) {
  if (sub == "status" || sub == "scale") return {"get", "patch", "update"};
  if (sub == "binding" || sub == "eviction") return {"create"};
  if (sub == "finalize") return {"update"};
  if (sub == "log") return {"get"};
  if (sub == "exec" || sub == "attach" || sub == "portforward") return {"create", "get"};
  if (sub == "proxy") return {"create", "delete", "get", "patch", "update"};
  if (sub == "ephemeralcontainers" || sub == "resize") return {"get", "patch", "update"};
  return {"get"};
}

// The kind a subresource answers with.
bj::object subresourceKind(const api::ResourceInfo& r, const std::string& sub) {
  bj::object k;
  if (sub == "scale") {
    k["group"] = "autoscaling";
    k["version"] = "v1";
    k["kind"] = "Scale";
  } else if (sub == "binding") {
    k["group"] = "";
    k["version"] = "v1";
    k["kind"] = "Binding";
  } else if (sub == "eviction") {
    k["group"] = "policy";
    k["version"] = "v1";
    k["kind"] = "Eviction";
  } else if (sub == "log" || sub == "exec" || sub == "attach" || sub == "portforward" ||
             sub == "proxy") {
    k["group"] = "";
    k["version"] = "v1";
    k["kind"] = sub == "log"           ? "Pod"
                : sub == "portforward" ? "PodPortForwardOptions"
                : sub == "proxy" ? (r.kind == "Pod" ? "PodProxyOptions" : r.kind + "ProxyOptions")
                : sub == "exec"  ? "PodExecOptions"
                                 : "PodAttachOptions";
  } else {
    k["group"] = r.group;
    k["version"] = r.version;
    k["kind"] = r.kind;
  }
  return k;
}

bj::object legacyResource(const api::ResourceInfo& r) {
  bj::object o;
  o["name"] = r.plural;
  o["singularName"] = r.singular;
  o["namespaced"] = r.namespaced;
  o["kind"] = r.kind;
  o["verbs"] = json::toArray(r.verbs);
  if (!r.shortNames.empty()) o["shortNames"] = json::toArray(r.shortNames);
  if (!r.categories.empty()) o["categories"] = json::toArray(r.categories);
  return o;
}

bj::object groupVersionEntry(const std::string& group, const std::string& version) {
  bj::object o;
  o["groupVersion"] = groupVersion(group, version);
  o["version"] = version;
  return o;
}

bj::object apiGroup(const api::GroupVersions& g) {
  bj::object o;
  o["name"] = g.group;
  bj::array versions;
  for (const auto& v : g.versions) versions.push_back(groupVersionEntry(g.group, v));
  o["versions"] = std::move(versions);
  o["preferredVersion"] = groupVersionEntry(g.group, g.versions.front());
  return o;
}

}  // namespace

bj::object apiVersionsDocument(const std::string& serverAddress) {
  bj::object o;
  o["kind"] = "APIVersions";
  o["versions"] = bj::array{"v1"};
  bj::object cidr;
  cidr["clientCIDR"] = "0.0.0.0/0";
  cidr["serverAddress"] = serverAddress;
  o["serverAddressByClientCIDRs"] = bj::array{cidr};
  return o;
}

bj::object apiGroupListDocument(const api::ResourceRegistry& registry) {
  bj::object o;
  o["kind"] = "APIGroupList";
  o["apiVersion"] = "v1";
  bj::array groups;
  for (const auto& g : registry.groups()) {
    if (g.group.empty() || g.versions.empty()) continue;
    groups.push_back(apiGroup(g));
  }
  o["groups"] = std::move(groups);
  return o;
}

std::optional<bj::object> apiGroupDocument(const api::ResourceRegistry& registry,
                                           const std::string& group) {
  for (const auto& g : registry.groups()) {
    if (g.group == group && !group.empty() && !g.versions.empty()) {
      bj::object o = apiGroup(g);
      o["kind"] = "APIGroup";
      o["apiVersion"] = "v1";
      return o;
    }
  }
  return std::nullopt;
}

std::optional<bj::object> apiResourceListDocument(const api::ResourceRegistry& registry,
                                                  const std::string& group,
                                                  const std::string& version) {
  auto resources = registry.inGroupVersion(group, version);
  if (resources.empty()) return std::nullopt;
  bj::object o;
  o["kind"] = "APIResourceList";
  o["apiVersion"] = "v1";
  o["groupVersion"] = groupVersion(group, version);
  bj::array list;
  for (const auto& r : resources) {
    list.push_back(legacyResource(*r));
    for (const auto& sub : r->subresources) {
      bj::object s;
      s["name"] = r->plural + "/" + sub;
      s["singularName"] = "";
      s["namespaced"] = r->namespaced;
      bj::object kind = subresourceKind(*r, sub);
      if (!kind["group"].get_string().empty()) s["group"] = kind["group"];
      if (kind["version"] != bj::value(version) || !kind["group"].get_string().empty()) {
        s["version"] = kind["version"];
      }
      s["kind"] = kind["kind"];
      s["verbs"] = json::toArray(subresourceVerbs(sub));
      list.push_back(std::move(s));
    }
  }
  o["resources"] = std::move(list);
  return o;
}

bj::object aggregatedDiscoveryDocument(const api::ResourceRegistry& registry, bool legacy,
                                       const std::string& discoveryVersion) {
  bj::object doc;
  doc["kind"] = "APIGroupDiscoveryList";
  doc["apiVersion"] = "apidiscovery.k8s.io/" + discoveryVersion;
  doc["metadata"] = bj::object();
  bj::array items;
  for (const auto& g : registry.groups()) {
    if (g.group.empty() != legacy || g.versions.empty()) continue;
    bj::object item;
    bj::object meta;
    meta["name"] = g.group;
    meta["creationTimestamp"] = nullptr;
    item["metadata"] = std::move(meta);
    bj::array versions;
    for (const auto& v : g.versions) {
      bj::object ver;
      ver["version"] = v;
      bj::array resources;
      for (const auto& r : registry.inGroupVersion(g.group, v)) {
        bj::object res;
        res["resource"] = r->plural;
        bj::object kind;
        kind["group"] = r->group;
        kind["version"] = r->version;
        kind["kind"] = r->kind;
        res["responseKind"] = std::move(kind);
        res["scope"] = r->namespaced ? "Namespaced" : "Cluster";
        res["singularResource"] = r->singular;
        res["verbs"] = json::toArray(r->verbs);
        if (!r->shortNames.empty()) res["shortNames"] = json::toArray(r->shortNames);
        if (!r->categories.empty()) res["categories"] = json::toArray(r->categories);
        if (!r->subresources.empty()) {
          bj::array subs;
          for (const auto& sub : r->subresources) {
            bj::object s;
            s["subresource"] = sub;
            s["responseKind"] = subresourceKind(*r, sub);
            s["verbs"] = json::toArray(subresourceVerbs(sub));
            subs.push_back(std::move(s));
          }
          res["subresources"] = std::move(subs);
        }
        resources.push_back(std::move(res));
      }
      ver["resources"] = std::move(resources);
      ver["freshness"] = "Current";
      versions.push_back(std::move(ver));
    }
    item["versions"] = std::move(versions);
    items.push_back(std::move(item));
  }
  doc["items"] = std::move(items);
  return doc;
}

}  // namespace cube::apiserver
