#pragma once
// Claiming: deciding which of the objects in a namespace a controller manages. An object is
// claimed when it carries our controller reference and still matches our selector; an orphan that
// matches is adopted (our reference is patched in); one of ours that no longer matches is released
// (our reference is patched out, the object keeps running). Objects controlled by someone else are
// never touched. A controller being deleted neither adopts nor releases.

#include "client/informer.h"
#include "controllers/controller_ref.h"
#include "json/selector/label_selector.h"

#include <functional>
#include <string>
#include <vector>

namespace cube::controllers {

// The owner's spec.selector (a metav1.LabelSelector). No selector selects nothing: a controller
// never claims a whole namespace by accident. Throws ApiError for an invalid selector.
json::LabelSelector specSelector(const boost::json::object& owner);

struct ClaimRequest {
  const boost::json::object* owner = nullptr;  // the controller object, as cached
  OwnerReference controllerRef;                // what we put on the objects we adopt
  std::function<bool(const boost::json::object&)> matches;
  // Checked once, before the first adoption: is the owner still the live object with this uid?
  // (The cache may be stale; adopting for a deleted owner would leak objects to the collector.)
  // Throws ApiError with the reason when not.
  std::function<void()> checkCanAdopt;
  // Applies a strategic merge patch to `obj`; throws ApiError.
  std::function<void(const boost::json::object& obj, const std::string& patch)> patch;
};

struct ClaimResult {
  std::vector<client::ObjectPtr> claimed;
  int adopted = 0;
  int released = 0;
  std::vector<std::string> errors;  // adoptions or releases that failed and must be retried
};

ClaimResult claimObjects(const std::vector<client::ObjectPtr>& candidates,
                         const ClaimRequest& request);

}  // namespace cube::controllers
