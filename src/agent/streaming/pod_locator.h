#pragma once
// How the node agent's streaming server finds what a request names: the pod (by namespace and
// name, from the agent's pod watch), the runtime of its node and the container instance.

#include "runtime/runtime.h"

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cube::agent::streaming {

struct LocatedPod {
  std::shared_ptr<const boost::json::object> pod;
  std::string uid;
  runtime::RuntimePtr runtime;
};

// nullopt: no such pod on this agent's nodes.
using PodLocator =
    std::function<std::optional<LocatedPod>(const std::string& ns, const std::string& name)>;

// The instance of container `name` of the pod: the newest attempt, or the one before it
// (`previous`). nullopt when there is none.
std::optional<runtime::ContainerStatus> findContainer(const LocatedPod& pod,
                                                      const std::string& name, bool previous);

}  // namespace cube::agent::streaming
