#include "controllers/controller_ref_manager.h"

#include "common/api_error.h"
#include "common/json_util.h"

namespace cube::controllers {

json::LabelSelector specSelector(const boost::json::object& owner) {
  const auto* spec = cube::json::getObject(owner, "spec");
  const boost::json::value* selector = spec ? spec->if_contains("selector") : nullptr;
  return selector ? json::LabelSelector::fromLabelSelector(*selector)
                  : json::LabelSelector::nothing();
}

ClaimResult claimObjects(const std::vector<client::ObjectPtr>& candidates,
                         const ClaimRequest& request) {
  ClaimResult result;
  const bool ownerDeleting = isBeingDeleted(*request.owner);
  bool adoptChecked = false;
  std::string adoptRefusal;  // why checkCanAdopt said no, once asked
  for (const auto& obj : candidates) {
    auto ref = controllerOf(*obj);
    bool matches = request.matches(*obj);
    if (ref) {
      if (ref->uid != request.controllerRef.uid) continue;  // someone else's
      if (matches || ownerDeleting) {
        // A deleting owner keeps what it has: the garbage collector decides its fate.
        if (matches) result.claimed.push_back(obj);
        continue;
      }
      try {
        request.patch(*obj, releasePatch(uidOf(*obj), request.controllerRef.uid));
        ++result.released;
      } catch (const ApiError& e) {
        // Gone, or no longer ours (the uid precondition failed): nothing left to release.
        if (e.code() != 404 && e.code() != 422) result.errors.push_back(e.message());
      }
      continue;
    }
    // An orphan: adopt it when it matches, unless it or we are on the way out.
    if (!matches || ownerDeleting || isBeingDeleted(*obj)) continue;
    if (!adoptChecked) {
      adoptChecked = true;
      try {
        request.checkCanAdopt();
      } catch (const ApiError& e) {
        adoptRefusal = e.message();
        result.errors.push_back(adoptRefusal);
      }
    }
    if (!adoptRefusal.empty()) continue;
    try {
      request.patch(*obj, adoptPatch(uidOf(*obj), request.controllerRef));
      ++result.adopted;
      result.claimed.push_back(obj);
    } catch (const ApiError& e) {
      if (e.code() != 404) result.errors.push_back(e.message());
    }
  }
  return result;
}

}  // namespace cube::controllers
