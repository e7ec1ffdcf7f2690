#include "apiserver/handlers/resource_handler.h"

#include "api/protobuf/kind_resolver.h"
#include "apiserver/handlers/encoding.h"
#include "apiserver/handlers/watch_handler.h"
#include "apiserver/rest/object_meta.h"
#include "apiserver/rest/patcher.h"
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
  if (!o.propagationPolicy.empty() && o.propagationPolicy != "Background" &&
      o.propagationPolicy != "Foreground" && o.propagationPolicy != "Orphan") {
    throw ApiError::badRequest("propagationPolicy: Unsupported value: \"" + o.propagationPolicy +
                               "\": supported values: \"Background\", \"Foreground\", "
                               "\"Orphan\"");
  }
  return o;
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

// "app=web,tier=front" from a label selector object or a plain map (ReplicationController).
std::string selectorString(const bj::object& spec) {
  const auto* selector = json::getObject(spec, "selector");
  if (!selector) return "";
  const bj::object* labels = json::getObject(*selector, "matchLabels");
  bool isLabelSelector = labels || selector->contains("matchExpressions");
  if (!isLabelSelector) labels = selector;
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ",") + part; };
  if (labels) {
    for (const auto& kv : *labels) {
      if (kv.value().is_string())
        add(std::string(kv.key()) + "=" + std::string(kv.value().get_string()));
    }
  }
  if (isLabelSelector) {
    if (const auto* exprs = json::getArray(*selector, "matchExpressions")) {
      for (const auto& e : *exprs) {
        if (!e.is_object()) continue;
        const auto& eo = e.get_object();
        std::string key = json::getString(eo, "key"), op = json::getString(eo, "operator");
        std::string values;
        if (const auto* vs = json::getArray(eo, "values")) {
          for (const auto& v : *vs) {
            if (v.is_string()) values += (values.empty() ? "" : ",") + std::string(v.get_string());
          }
        }
        if (op == "In") add(key + " in (" + values + ")");
        if (op == "NotIn") add(key + " notin (" + values + ")");
        if (op == "Exists") add(key);
        if (op == "DoesNotExist") add("!" + key);
      }
    }
  }
  return out;
}

// The Status a successful binding or eviction answers with.
std::string createdStatus() {
  bj::object status{{"kind", "Status"},
                    {"apiVersion", "v1"},
                    {"metadata", bj::object()},
                    {"status", "Success"},
                    {"code", 201}};
  return json::serialize(status);
}

bj::object scaleOf(const bj::object& obj) {
  bj::object scale;
  scale["kind"] = "Scale";
  scale["apiVersion"] = "autoscaling/v1";
  const auto& m = metadataOf(obj);
  bj::object meta;
  for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (m.contains(f)) meta[f] = m.at(f);
  }
  scale["metadata"] = std::move(meta);
  const auto* spec = json::getObject(obj, "spec");
  const auto* status = json::getObject(obj, "status");
  bj::object sspec;
  sspec["replicas"] = spec ? json::getInt(*spec, "replicas", 1) : 1;
  scale["spec"] = std::move(sspec);
  bj::object sstatus;
  sstatus["replicas"] = status ? json::getInt(*status, "replicas", 0) : 0;
  std::string sel = spec ? selectorString(*spec) : "";
  if (!sel.empty()) sstatus["selector"] = sel;
  scale["status"] = std::move(sstatus);
  return scale;
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
  WriteOptions o = writeOptions(request);
  bj::object result = store_.guaranteedUpdate(
      resource, ns, info.name,
      [&](bj::object& obj) {
        bj::object scale = scaleOf(store_.toVersion(resource, obj));
        bj::object wanted;
        if (info.verb == "update") {
          wanted = decodeBody(request);
        } else {
          PatchType type = bodyFormat(request.contentType) == BodyFormat::JsonPatch
                               ? PatchType::Json
                               : PatchType::Merge;
          wanted = applyPatch(resource, registry_.types(), type, scale, request.body);
        }
        std::string rv = json::getString(metadataOf(wanted), "resourceVersion");
        if (!rv.empty() && rv != resourceVersionOf(obj)) {
          throw ApiError::conflict(resource.group, resource.plural, info.name,
                                   "the object has been modified; please apply your changes to "
                                   "the latest version and try again");
        }
        const auto* spec = json::getObject(wanted, "spec");
        const bj::value* replicas =
            spec && spec->contains("replicas") ? &spec->at("replicas") : nullptr;
        if (!replicas || !replicas->is_int64()) {
          throw ApiError::invalid("autoscaling", "Scale", info.name,
                                  {{"FieldValueRequired", "Required value", "spec.replicas"}});
        }
        if (replicas->get_int64() < 0) {
          throw ApiError::invalid("autoscaling", "Scale", info.name,
                                  {{"FieldValueInvalid",
                                    "Invalid value: " + std::to_string(replicas->get_int64()) +
                                        ": must be greater than or equal to 0",
                                    "spec.replicas"}});
        }
        json::ensureObject(obj, "spec")["replicas"] = replicas->get_int64();
      },
      "", o);
  responder->respond(jsonResponse(200, json::serialize(scaleOf(result))));
}

void ResourceHandler::handleBinding(const http::Request& request, const std::string& ns,
                                    const std::string& pod, const api::ResourceInfo& podResource,
                                    const http::ResponderPtr& responder) {
  if (request.method != "POST") throw ApiError::methodNotAllowed("bindings can only be created");
  bj::object binding = decodeBody(request);
  const auto* target = json::getObject(binding, "target");
  std::string node = target ? json::getString(*target, "name") : "";
  if (node.empty()) {
    throw ApiError::invalid("", "Binding", pod,
                            {{"FieldValueRequired", "Required value", "target.name"}});
  }
  WriteOptions o = writeOptions(request);
  store_.guaranteedUpdate(
      podResource, ns, pod,
      [&](bj::object& obj) {
        if (isTerminating(obj)) {
          throw ApiError::conflict("", "pods", pod,
                                   "pod is being deleted, cannot be assigned to a host");
        }
        auto& spec = json::ensureObject(obj, "spec");
        std::string current = json::getString(spec, "nodeName");
        if (!current.empty()) {
          throw ApiError::conflict(
              "", "pods", pod, "pod " + pod + " is already assigned to node \"" + current + "\"");
        }
        spec["nodeName"] = node;
        // Binding makes the pod scheduled.
        auto& status = json::ensureObject(obj, "status");
        auto& conditions = status["conditions"];
        if (!conditions.is_array()) conditions = bj::array();
        bj::object scheduled;
        scheduled["type"] = "PodScheduled";
        scheduled["status"] = "True";
        scheduled["lastProbeTime"] = nullptr;
        scheduled["lastTransitionTime"] = formatRfc3339(store_.clock()->now());
        auto& list = conditions.get_array();
        json::removeIf(list, [](const bj::value& c) {
          return c.is_object() && json::getString(c.get_object(), "type") == "PodScheduled";
        });
        list.push_back(std::move(scheduled));
      },
      "binding", o);
  responder->respond(jsonResponse(201, createdStatus()));
}

void ResourceHandler::handleFinalize(const http::Request& request, const RequestInfo& info,
                                     const api::ResourceInfo& resource,
                                     const http::ResponderPtr& responder) {
  if (info.verb != "update") throw ApiError::methodNotAllowed("finalize accepts only PUT");
  bj::object body = decodeBody(request);
  const auto* spec = json::getObject(body, "spec");
  bj::value finalizers =
      spec && spec->contains("finalizers") ? spec->at("finalizers") : bj::value(bj::array());
  WriteOptions o = writeOptions(request);
  bj::object result = store_.guaranteedUpdate(
      resource, "", info.name,
      [&](bj::object& obj) { json::ensureObject(obj, "spec")["finalizers"] = finalizers; }, "", o);
  responder->respond(jsonResponse(200, json::serialize(result)));
}

void ResourceHandler::handleEviction(const http::Request& request, const RequestInfo& info,
                                     const api::ResourceInfo& resource,
                                     const http::ResponderPtr& responder) {
  if (request.method != "POST") throw ApiError::methodNotAllowed("evictions can only be created");
  bj::object eviction = decodeBody(request);
  DeleteOptions o;
  if (const auto* d = json::getObject(eviction, "deleteOptions")) {
    if (d->contains("gracePeriodSeconds") && d->at("gracePeriodSeconds").is_int64()) {
      o.gracePeriodSeconds = d->at("gracePeriodSeconds").get_int64();
    }
  }
  store_.remove(resource, info.namespace_, info.name, o);
  responder->respond(jsonResponse(201, createdStatus()));
}

}  // namespace cube::apiserver
