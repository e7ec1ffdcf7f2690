#include "apiserver/handlers/resource_handler.h"

#include "api/protobuf/kind_resolver.h"
#include "apiserver/handlers/encoding.h"
#include "apiserver/handlers/pod_streams.h"
#include "apiserver/handlers/watch_handler.h"
#include "apiserver/rest/object_meta.h"
#include "apiserver/rest/patcher.h"
#include "apiserver/rest/subresources.h"
#include "common/json_util.h"
#include "common/yaml.h"

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

bool parseDryRun(const http::Request& request) {
  bool present = false;
  std::string v = request.param("dryRun", &present);
  if (!present || v.empty()) return false;
  if (v != "All") {
    throw ApiError::badRequest("Invalid dryRun value: \"" + v + "\": supported values: \"All\"");
  }
  return true;
}

WriteOptions writeOptions(const http::Request& request) {
  WriteOptions o;
  o.dryRun = parseDryRun(request);
  bool present = false;
  std::string fv = request.param("fieldValidation", &present);
  if (present && !fv.empty()) {
    if (fv != "Strict" && fv != "Warn" && fv != "Ignore") {
      throw ApiError::badRequest("fieldValidation: Unsupported value: \"" + fv +
                                 "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
    }
    o.fieldValidation = fv;
  }
  o.fieldManager = request.param("fieldManager");
  return o;
}

int64_t parseInt(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    throw ApiError::badRequest(what + ": invalid value \"" + text + "\"");
  }
}

ListOptions listOptions(const http::Request& request) {
  ListOptions o;
  o.labelSelector = request.param("labelSelector");
  o.fieldSelector = request.param("fieldSelector");
  std::string limit = request.param("limit");
  if (!limit.empty()) o.limit = parseInt(limit, "limit");
  o.continueToken = request.param("continue");
  o.resourceVersion = request.param("resourceVersion");
  return o;
}

DeleteOptions deleteOptions(const http::Request& request) {
  DeleteOptions o;
  o.dryRun = parseDryRun(request);
  if (!request.body.empty()) {
    bj::object body = decodeBody(request);
    if (body.contains("gracePeriodSeconds") && body.at("gracePeriodSeconds").is_number()) {
      o.gracePeriodSeconds = json::getInt(body, "gracePeriodSeconds");
    }
    o.propagationPolicy = json::getString(body, "propagationPolicy");
    if (body.contains("orphanDependents") && body.at("orphanDependents").is_bool() &&
        o.propagationPolicy.empty()) {
      o.propagationPolicy = body.at("orphanDependents").get_bool() ? "Orphan" : "Background";
    }
    if (const auto* pre = json::getObject(body, "preconditions")) {
      o.preconditionUid = json::getString(*pre, "uid");
      o.preconditionResourceVersion = json::getString(*pre, "resourceVersion");
    }
    if (const auto* dry = json::getArray(body, "dryRun")) {
      for (const auto& d : *dry) {
        if (d.is_string() && d.get_string() == "All") o.dryRun = true;
      }
    }
  }
  std::string grace = request.param("gracePeriodSeconds");
  if (!grace.empty()) o.gracePeriodSeconds = parseInt(grace, "gracePeriodSeconds");
  std::string policy = request.param("propagationPolicy");
  if (!policy.empty()) o.propagationPolicy = policy;
  return o;  // ResourceStore checks the propagation policy
}

EncodeOptions encodeOptions(const http::Request& request, const ResourceStore& store) {
  EncodeOptions e;
  e.negotiated = negotiate(request.accept, false);
  e.includeObject = request.param("includeObject");
  e.now = store.clock()->now();
  return e;
}

std::string successStatus(const api::ResourceInfo& info, const bj::object& obj) {
  bj::object status;
  status["kind"] = "Status";
  status["apiVersion"] = "v1";
  status["metadata"] = bj::object();
  status["status"] = "Success";
  bj::object details;
  details["name"] = nameOf(obj);
  details["group"] = info.group;
  details["kind"] = info.plural;
  details["uid"] = uidOf(obj);
  status["details"] = std::move(details);
  return json::serialize(status);
}

}  // namespace

bj::object decodeBody(const http::Request& request) {
  BodyFormat format = bodyFormat(request.contentType);
  bj::value v;
  if (format == BodyFormat::Yaml) {
    v = yamlToJson(request.body);
  } else if (format == BodyFormat::Json) {
    v = json::parse(request.body);
  } else if (format == BodyFormat::Protobuf) {
    // kubectl's typed clients (create namespace/configmap/secret/..., drain's evictions).
    const auto& registry = api::ResourceRegistry::builtin();
    return api::decodeKubernetesProtobuf(request.body, registry.types(),
                                         api::protobufResolver(registry));
  } else {
    throw ApiError::unsupportedMediaType(
        "the body of the request was in an unknown format - "
        "accepted media types include: application/json, "
        "application/yaml, application/vnd.kubernetes.protobuf");
  }
  if (!v.is_object()) {
    throw ApiError::badRequest("the body of the request must be a JSON object");
  }
  return std::move(v.get_object());
}

http::Response jsonResponse(int status, std::string body, const std::vector<std::string>& warnings,
                            const std::string& contentType) {
  http::Response r;
  r.status = status;
  r.contentType = contentType;
  r.body = std::move(body);
  for (const auto& w : warnings) {
    std::string escaped;
    for (char c : w) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    r.headers.emplace_back("Warning", "299 - \"" + escaped + "\"");
  }
  return r;
}

ResourceHandler::ResourceHandler(api::ResourceRegistry& registry, ResourceStore& store,
                                 WatchHandler& watches)
    : registry_(registry), store_(store), watches_(watches) {}

void ResourceHandler::handle(const http::Request& request, const RequestInfo& info,
                             const http::ResponderPtr& responder) {
  auto resource = registry_.find(info.group, info.version, info.resource);
  if (!resource) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  if (!resource->namespaced && !info.namespace_.empty()) {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  const std::string& ns = info.namespace_;
  if (!info.subresource.empty()) {
    if (!resource->hasSubresource(info.subresource)) {
      throw ApiError(404, "NotFound", "the server could not find the requested resource");
    }
    if (info.subresource == "scale") return handleScale(request, info, *resource, responder);
    if (info.subresource == "binding") {
      return handleBinding(request, ns, info.name, *resource, responder);
    }
    if (info.subresource == "finalize") {
      return handleFinalize(request, info, *resource, responder);
    }
    if (info.subresource == "eviction") {
      return handleEviction(request, info, *resource, responder);
    }
    if (resource->group.empty() && resource->plural == "pods" &&
        (info.subresource == "log" || info.subresource == "exec" || info.subresource == "attach" ||
         info.subresource == "portforward")) {
      // Proxied to the node's agent (pod_streams.h); 404 for a missing pod first.
      bj::object pod = store_.get(*resource, ns, info.name);
      auto nodes = registry_.find("", "v1", "nodes");
      if (!nodes) throw ApiError::internal("no nodes resource");
      servePodStream(
          request, info.subresource, pod,
          [&](const std::string& node) { return store_.get(*nodes, "", node); }, responder);
      return;
    }
    if (info.subresource != "status") {
      // log, exec, attach, portforward, proxy: served by a node agent.
      store_.get(*resource, ns, info.name);  // 404 for a missing pod first
      throw ApiError::serviceUnavailable(
          "pods/" + info.subresource + " needs a node agent, and no agent serves this pod's node");
    }
  }
  // bindings (the resource): POST /namespaces/ns/bindings with the pod's name in the body.
  if (resource->group.empty() && resource->kind == "Binding") {
    if (info.verb != "create") throw ApiError::methodNotAllowed("bindings can only be created");
    bj::object body = decodeBody(request);
    auto pods = registry_.find("", "v1", "pods");
    return handleBinding(request, ns, nameOf(body), *pods, responder);
  }

  std::vector<std::string> warnings;
  const std::string& verb = info.verb;
  if (verb == "get") {
    EncodeOptions e = encodeOptions(request, store_);
    bj::object obj = store_.get(*resource, ns, info.name);
    responder->respond(
        jsonResponse(200, encodeObject(*resource, obj, e), {}, contentTypeFor(e.negotiated)));
  } else if (verb == "list") {
    EncodeOptions e = encodeOptions(request, store_);
    ListResult list = store_.list(*resource, ns, listOptions(request));
    responder->respond(
        jsonResponse(200, encodeList(*resource, list, e), {}, contentTypeFor(e.negotiated)));
  } else if (verb == "watch") {
    watches_.serve(request, info, resource, responder);
  } else if (verb == "create") {
    if (!info.name.empty()) throw ApiError::methodNotAllowed("POST to a named object");
    WriteOptions o = writeOptions(request);
    bj::object created = store_.create(*resource, ns, decodeBody(request), o, &warnings);
    responder->respond(jsonResponse(201, json::serialize(created), warnings));
  } else if (verb == "update") {
    WriteOptions o = writeOptions(request);
    bj::object updated = store_.update(*resource, ns, info.name, decodeBody(request),
                                       info.subresource, o, &warnings);
    responder->respond(jsonResponse(200, json::serialize(updated), warnings));
  } else if (verb == "patch") {
    WriteOptions o = writeOptions(request);
    PatchType type;
    switch (bodyFormat(request.contentType)) {
      case BodyFormat::JsonPatch:
        type = PatchType::Json;
        break;
      case BodyFormat::MergePatch:
        type = PatchType::Merge;
        break;
      case BodyFormat::StrategicMergePatch:
        type = PatchType::StrategicMerge;
        break;
      case BodyFormat::ApplyPatch:
        type = PatchType::Apply;
        break;
      default:
        throw ApiError::unsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, "
            "application/apply-patch+yaml, application/strategic-merge-patch+json");
    }
    bj::object patched =
        store_.patch(*resource, ns, info.name, type, request.body, info.subresource, o, &warnings);
    responder->respond(jsonResponse(200, json::serialize(patched), warnings));
  } else if (verb == "delete") {
    DeleteResult r = store_.remove(*resource, ns, info.name, deleteOptions(request));
    responder->respond(
        jsonResponse(200, r.deleted && !(resource->group.empty() && resource->kind == "Pod")
                              ? successStatus(*resource, r.object)
                              : json::serialize(r.object)));
  } else if (verb == "deletecollection") {
    auto results =
        store_.removeCollection(*resource, ns, listOptions(request), deleteOptions(request));
    ListResult list;
    list.revision = store_.cache().revision();
    for (auto& r : results) list.items.push_back(std::make_shared<bj::object>(std::move(r.object)));
    EncodeOptions e;
    e.now = store_.clock()->now();
    responder->respond(jsonResponse(200, encodeList(*resource, list, e)));
  } else {
    throw ApiError::methodNotAllowed(
        "the server does not allow this method on the requested "
        "resource");
  }
}

void ResourceHandler::handleScale(const http::Request& request, const RequestInfo& info,
                                  const api::ResourceInfo& resource,
                                  const http::ResponderPtr& responder) {
  const std::string& ns = info.namespace_;
  if (info.verb == "get") {
    bj::object obj = store_.get(resource, ns, info.name);
    responder->respond(jsonResponse(200, json::serialize(scaleOf(obj))));
    return;
  }
  if (info.verb != "update" && info.verb != "patch") {
    throw ApiError::methodNotAllowed("the server does not allow this method on scale");
  }
  bj::object result = updateScale(
      store_, resource, ns, info.name,
      [&](const bj::object& scale) {
        if (info.verb == "update") return decodeBody(request);
        PatchType type = bodyFormat(request.contentType) == BodyFormat::JsonPatch
                             ? PatchType::Json
                             : PatchType::Merge;
        return applyPatch(resource, registry_.types(), type, scale, request.body);
      },
      writeOptions(request));
  responder->respond(jsonResponse(200, json::serialize(result)));
}

void ResourceHandler::handleBinding(const http::Request& request, const std::string& ns,
                                    const std::string& pod, const api::ResourceInfo& podResource,
                                    const http::ResponderPtr& responder) {
  if (request.method != "POST") throw ApiError::methodNotAllowed("bindings can only be created");
  bindPod(store_, podResource, ns, pod, decodeBody(request), writeOptions(request));
  responder->respond(jsonResponse(201, json::serialize(createdStatus())));
}

void ResourceHandler::handleFinalize(const http::Request& request, const RequestInfo& info,
                                     const api::ResourceInfo& resource,
                                     const http::ResponderPtr& responder) {
  if (info.verb != "update") throw ApiError::methodNotAllowed("finalize accepts only PUT");
  bj::object result =
      finalizeObject(store_, resource, info.name, decodeBody(request), writeOptions(request));
  responder->respond(jsonResponse(200, json::serialize(result)));
}

void ResourceHandler::handleEviction(const http::Request& request, const RequestInfo& info,
                                     const api::ResourceInfo& resource,
                                     const http::ResponderPtr& responder) {
  if (request.method != "POST") throw ApiError::methodNotAllowed("evictions can only be created");
  evictPod(store_, resource, info.namespace_, info.name, decodeBody(request));
  responder->respond(jsonResponse(201, json::serialize(createdStatus())));
}

}  // namespace cube::apiserver
