#include "apiserver/rest/subresources.h"

#include "apiserver/rest/object_meta.h"
#include "common/api_error.h"
#include "common/clock.h"
#include "common/json_util.h"

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

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

}  // namespace

void bindPod(ResourceStore& store, const api::ResourceInfo& pods, const std::string& ns,
             const std::string& pod, const bj::object& binding, const WriteOptions& options) {
  const auto* target = json::getObject(binding, "target");
  std::string node = target ? json::getString(*target, "name") : "";
  if (node.empty()) {
    throw ApiError::invalid("", "Binding", pod,
                            {{"FieldValueRequired", "Required value", "target.name"}});
  }
  store.guaranteedUpdate(
      pods, ns, pod,
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
        scheduled["lastTransitionTime"] = formatRfc3339(store.clock()->now());
        auto& list = conditions.get_array();
        json::removeIf(list, [](const bj::value& c) {
          return c.is_object() && json::getString(c.get_object(), "type") == "PodScheduled";
        });
        list.push_back(std::move(scheduled));
      },
      "binding", options);
}

void evictPod(ResourceStore& store, const api::ResourceInfo& pods, const std::string& ns,
              const std::string& pod, const bj::object& eviction) {
  DeleteOptions o;
  if (const auto* d = json::getObject(eviction, "deleteOptions")) {
    if (d->contains("gracePeriodSeconds") && d->at("gracePeriodSeconds").is_int64()) {
      o.gracePeriodSeconds = d->at("gracePeriodSeconds").get_int64();
    }
  }
  store.remove(pods, ns, pod, o);
}

bj::object finalizeObject(ResourceStore& store, const api::ResourceInfo& resource,
                          const std::string& name, const bj::object& body,
                          const WriteOptions& options) {
  const auto* spec = json::getObject(body, "spec");
  bj::value finalizers =
      spec && spec->contains("finalizers") ? spec->at("finalizers") : bj::value(bj::array());
  return store.guaranteedUpdate(
      resource, "", name,
      [&](bj::object& obj) { json::ensureObject(obj, "spec")["finalizers"] = finalizers; }, "",
      options);
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

bj::object updateScale(ResourceStore& store, const api::ResourceInfo& resource,
                       const std::string& ns, const std::string& name,
                       const std::function<bj::object(const bj::object& scale)>& wanted,
                       const WriteOptions& options) {
  bj::object result = store.guaranteedUpdate(
      resource, ns, name,
      [&](bj::object& obj) {
        bj::object next = wanted(scaleOf(store.toVersion(resource, obj)));
        std::string rv = json::getString(metadataOf(next), "resourceVersion");
        if (!rv.empty() && rv != resourceVersionOf(obj)) {
          throw ApiError::conflict(resource.group, resource.plural, name,
                                   "the object has been modified; please apply your changes to "
                                   "the latest version and try again");
        }
        const auto* spec = json::getObject(next, "spec");
        const bj::value* replicas =
            spec && spec->contains("replicas") ? &spec->at("replicas") : nullptr;
        if (!replicas || !replicas->is_int64()) {
          throw ApiError::invalid("autoscaling", "Scale", name,
                                  {{"FieldValueRequired", "Required value", "spec.replicas"}});
        }
        if (replicas->get_int64() < 0) {
          throw ApiError::invalid("autoscaling", "Scale", name,
                                  {{"FieldValueInvalid",
                                    "Invalid value: " + std::to_string(replicas->get_int64()) +
                                        ": must be greater than or equal to 0",
                                    "spec.replicas"}});
        }
        json::ensureObject(obj, "spec")["replicas"] = replicas->get_int64();
      },
      "", options);
  return scaleOf(result);
}

bj::object createdStatus() {
  bj::object status{{"kind", "Status"},
                    {"apiVersion", "v1"},
                    {"metadata", bj::object()},
                    {"status", "Success"},
                    {"code", 201}};
  return status;
}

}  // namespace cube::apiserver
