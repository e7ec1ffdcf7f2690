#pragma once
// PodControl: the write side of every controller that manages pods. Creating a pod from an
// owner's template, deleting one, and patching one (adopt/release) go through here, and each
// decision is recorded as an Event on the owner. Tests swap in a fake ApiClient underneath or a
// fake PodControl on top.

#include "client/api_client.h"
#include "client/event_recorder.h"
#include "controllers/controller_ref.h"

#include <boost/json/object.hpp>

#include <string>

namespace cube::controllers {

// The pod an owner's spec.template describes: template labels, annotations, finalizers and spec;
// generateName "<owner>-"; the controller reference as its only ownerReference.
boost::json::object podFromTemplate(const boost::json::object& podTemplate, const std::string& ns,
                                    const std::string& ownerName,
                                    const OwnerReference& controllerRef);

class PodControl {
 public:
  virtual ~PodControl() = default;
  // Creates a pod from `podTemplate` for `owner`. Returns the created pod; throws ApiError.
  virtual boost::json::object createPod(const std::string& ns,
                                        const boost::json::object& podTemplate,
                                        const client::ObjectReference& owner,
                                        const OwnerReference& controllerRef) = 0;
  // Deletes a pod on behalf of `owner`. Throws ApiError (NotFound included: the caller decides).
  virtual void deletePod(const std::string& ns, const std::string& name,
                         const client::ObjectReference& owner) = 0;
  // Strategic merge patch of a pod (adoption and release). Throws ApiError.
  virtual void patchPod(const std::string& ns, const std::string& name,
                        const std::string& patch) = 0;
};
using PodControlPtr = std::shared_ptr<PodControl>;

class ApiPodControl : public PodControl {
 public:
  ApiPodControl(client::ApiClientPtr client, client::EventRecorderPtr recorder);
  boost::json::object createPod(const std::string& ns, const boost::json::object& podTemplate,
                                const client::ObjectReference& owner,
                                const OwnerReference& controllerRef) override;
  void deletePod(const std::string& ns, const std::string& name,
                 const client::ObjectReference& owner) override;
  void patchPod(const std::string& ns, const std::string& name, const std::string& patch) override;

 private:
  client::ApiClientPtr client_;
  client::EventRecorderPtr recorder_;
};

}  // namespace cube::controllers
