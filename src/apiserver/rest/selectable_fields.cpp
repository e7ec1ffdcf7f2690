#include "apiserver/rest/selectable_fields.h"

#include "common/json_util.h"

namespace cube::apiserver {

namespace {

// Kind-specific selectable fields (dotted JSON paths into the stored object), beyond
// metadata.name and metadata.namespace which every kind has.
const std::vector<std::string>& kindFields(const api::ResourceInfo& info) {
  static const std::vector<std::string> none;
  static const std::vector<std::string> pod = {
      "spec.nodeName",    "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
      "spec.hostNetwork", "status.phase",       "status.podIP",       "status.nominatedNodeName"};
  static const std::vector<std::string> event = {"involvedObject.kind",
                                                 "involvedObject.namespace",
                                                 "involvedObject.name",
                                                 "involvedObject.uid",
                                                 "involvedObject.apiVersion",
                                                 "involvedObject.resourceVersion",
                                                 "involvedObject.fieldPath",
                                                 "reason",
                                                 "reportingComponent",
                                                 "source",
                                                 "type"};
  static const std::vector<std::string> secret = {"type"};
  static const std::vector<std::string> node = {"spec.unschedulable"};
  static const std::vector<std::string> ns = {"status.phase"};
  static const std::vector<std::string> replicas = {"status.replicas"};
  static const std::vector<std::string> job = {"status.successful"};
  static const std::vector<std::string> pvc = {"spec.volumeName"};
  static const std::vector<std::string> service = {"spec.clusterIP", "spec.type"};
  if (info.group.empty()) {
    if (info.kind == "Pod") return pod;
    if (info.kind == "Event") return event;
    if (info.kind == "Secret") return secret;
    if (info.kind == "Node") return node;
    if (info.kind == "Namespace") return ns;
    if (info.kind == "ReplicationController") return replicas;
    if (info.kind == "PersistentVolumeClaim") return pvc;
    if (info.kind == "Service") return service;
  } else if (info.group == "apps" && info.kind == "ReplicaSet") {
    return replicas;
  } else if (info.group == "batch" && info.kind == "Job") {
    return job;
  }
  return none;
}

std::string scalarText(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return "";
}

}  // namespace

std::vector<std::string> selectableFieldNames(const api::ResourceInfo& info) {
  std::vector<std::string> names = {"metadata.name"};
  if (info.namespaced) names.push_back("metadata.namespace");
  for (const auto& f : kindFields(info)) names.push_back(f);
  return names;
}

std::map<std::string, std::string> fieldsOf(const api::ResourceInfo& info,
                                            const boost::json::object& obj) {
  std::map<std::string, std::string> out;
  for (const auto& name : selectableFieldNames(info)) {
    const boost::json::value* v = json::findPath(obj, name);
    std::string text = v ? scalarText(*v) : "";
    // Unset booleans select as "false", as the typed Go fields do.
    if (!v && (name == "spec.hostNetwork" || name == "spec.unschedulable")) text = "false";
    if (!v && (name == "status.replicas" || name == "status.successful")) text = "0";
    if (name == "source" && info.kind == "Event") {
      const boost::json::value* c = json::findPath(obj, "source.component");
      text = c ? scalarText(*c) : "";
    }
    out.emplace(name, text);
  }
  return out;
}

boost::json::object selectionView(const api::ResourceInfo& info, const boost::json::object& obj) {
  boost::json::object view;
  auto copyPath = [&](const std::string& dotted) {
    const boost::json::value* v = json::findPath(obj, dotted);
    if (!v) return;
    boost::json::object* at = &view;
    size_t start = 0;
    for (size_t dot = dotted.find('.'); dot != std::string::npos; dot = dotted.find('.', start)) {
      at = &json::ensureObject(*at, dotted.substr(start, dot - start));
      start = dot + 1;
    }
    (*at)[dotted.substr(start)] = *v;
  };
  for (const auto& name : selectableFieldNames(info)) copyPath(name);
  copyPath("metadata.labels");
  return view;
}

}  // namespace cube::apiserver
