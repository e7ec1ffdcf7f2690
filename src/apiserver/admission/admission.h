#pragma once
// The admission chain: mutating plugins run first (in order), then validating plugins; any plugin
// refuses a request by throwing ApiError. Handlers never know which plugins exist, so later
// plugins (ServiceAccount, LimitRanger, ResourceQuota, ...) are added without touching them.

#include "api/resource.h"

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cube::apiserver {

enum class AdmissionOperation { Create, Update, Delete, Connect };

struct AdmissionRequest {
  AdmissionOperation operation = AdmissionOperation::Create;
  const api::ResourceInfo* resource = nullptr;  // the storage-version resource
  std::string subresource;
  std::string namespace_;
  std::string name;
  boost::json::object* object = nullptr;           // new object (null on delete); mutable
  const boost::json::object* oldObject = nullptr;  // current object (null on create)
  bool dryRun = false;
};

class AdmissionPlugin {
 public:
  virtual ~AdmissionPlugin() = default;
  virtual std::string name() const = 0;
  // Mutating phase; may change request.object.
  virtual void admit(AdmissionRequest& request) {}
  // Validating phase; must not change anything.
  virtual void validate(const AdmissionRequest& request) {}
};
using AdmissionPluginPtr = std::shared_ptr<AdmissionPlugin>;

class AdmissionChain {
 public:
  void add(AdmissionPluginPtr plugin) { plugins_.push_back(std::move(plugin)); }
  void admit(AdmissionRequest& request) const {
    for (const auto& p : plugins_) p->admit(request);
  }
  void validate(const AdmissionRequest& request) const {
    for (const auto& p : plugins_) p->validate(request);
  }

 private:
  std::vector<AdmissionPluginPtr> plugins_;
};

}  // namespace cube::apiserver
