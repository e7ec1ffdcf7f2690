#include "controllers/controller_ref.h"

#include "common/json_util.h"

namespace cube::controllers {

namespace bj = boost::json;

bj::object OwnerReference::toJson() const {
  bj::object out{{"apiVersion", apiVersion}, {"kind", kind}, {"name", name}, {"uid", uid}};
  if (controller) out["controller"] = true;
  if (blockOwnerDeletion) out["blockOwnerDeletion"] = true;
  return out;
}

std::optional<OwnerReference> controllerOf(const bj::object& obj) {
  const auto* meta = json::getObject(obj, "metadata");
  const auto* refs = meta ? json::getArray(*meta, "ownerReferences") : nullptr;
  if (!refs) return std::nullopt;
  for (const auto& v : *refs) {
    if (!v.is_object() || !json::getBool(v.as_object(), "controller")) continue;
    const auto& o = v.as_object();
    return OwnerReference{json::getString(o, "apiVersion"),
                          json::getString(o, "kind"),
                          json::getString(o, "name"),
                          json::getString(o, "uid"),
                          true,
                          json::getBool(o, "blockOwnerDeletion")};
  }
  return std::nullopt;
}

OwnerReference makeControllerRef(const bj::object& owner, const std::string& apiVersion,
                                 const std::string& kind) {
  return {apiVersion, kind, nameOf(owner), uidOf(owner), true, true};
}

std::string adoptPatch(const std::string& objUid, const OwnerReference& ref) {
  bj::object meta{{"ownerReferences", bj::array{ref.toJson()}}, {"uid", objUid}};
  return json::serialize(bj::object{{"metadata", std::move(meta)}});
}

std::string releasePatch(const std::string& objUid, const std::string& ownerUid) {
  bj::object del{{"$patch", "delete"}, {"uid", ownerUid}};
  bj::object meta{{"ownerReferences", bj::array{std::move(del)}}, {"uid", objUid}};
  return json::serialize(bj::object{{"metadata", std::move(meta)}});
}

namespace {
std::string metaString(const bj::object& obj, std::string_view key) {
  const auto* meta = json::getObject(obj, "metadata");
  return meta ? json::getString(*meta, key) : "";
}
}  // namespace

std::string uidOf(const bj::object& obj) {
  return metaString(obj, "uid");
}
std::string nameOf(const bj::object& obj) {
  return metaString(obj, "name");
}
std::string namespaceOf(const bj::object& obj) {
  return metaString(obj, "namespace");
}
std::string resourceVersionOf(const bj::object& obj) {
  return metaString(obj, "resourceVersion");
}
bool isBeingDeleted(const bj::object& obj) {
  return !metaString(obj, "deletionTimestamp").empty();
}
const bj::object* labelsOf(const bj::object& obj) {
  const auto* meta = json::getObject(obj, "metadata");
  return meta ? json::getObject(*meta, "labels") : nullptr;
}

}  // namespace cube::controllers
