#pragma once
// Controller references: the ownerReference with `controller: true` that says which controller
// manages an object, and the patches that adopt an orphan or release an object. Shared by every
// controller that owns other objects (ReplicaSet -> Pod, Deployment -> ReplicaSet, Job -> Pod).

#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace cube::controllers {

struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
  bool blockOwnerDeletion = false;

  boost::json::object toJson() const;
};

// The owner that controls `obj` (at most one may), or nullopt for an orphan.
std::optional<OwnerReference> controllerOf(const boost::json::object& obj);

// The reference a controller puts on what it creates or adopts: controller and
// blockOwnerDeletion true, so foreground deletion of the owner waits for the object.
OwnerReference makeControllerRef(const boost::json::object& owner, const std::string& apiVersion,
                                 const std::string& kind);

// Strategic merge patches on metadata. Both carry the object's uid, so a patch meant for an object
// that was deleted and recreated under the same name fails instead of touching the new one.
// Adopt: adds `ref` to ownerReferences (merged by uid, other owners kept).
std::string adoptPatch(const std::string& objUid, const OwnerReference& ref);
// Release: removes the ownerReference with `ownerUid`.
std::string releasePatch(const std::string& objUid, const std::string& ownerUid);

// Helpers on metadata that every controller needs.
std::string uidOf(const boost::json::object& obj);
std::string nameOf(const boost::json::object& obj);
std::string namespaceOf(const boost::json::object& obj);
std::string resourceVersionOf(const boost::json::object& obj);
bool isBeingDeleted(const boost::json::object& obj);  // metadata.deletionTimestamp is set
const boost::json::object* labelsOf(const boost::json::object& obj);

}  // namespace cube::controllers
