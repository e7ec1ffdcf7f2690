#pragma once
// A volume of the pod could not be set up (a missing ConfigMap, a hostPath of the wrong type, a
// plugin this node lacks). The pod waits in ContainerCreating and the agent retries; the event
// is the kubelet's FailedMount: `MountVolume.SetUp failed for volume "<volume>" : <what()>`.

#include <stdexcept>
#include <string>

namespace cube::agent::volumes {

class VolumeSetupError : public std::runtime_error {
 public:
  VolumeSetupError(std::string volume, const std::string& message)
      : std::runtime_error(message), volume_(std::move(volume)) {}
  const std::string& volume() const { return volume_; }
  // The event message, in the kubelet's words.
  std::string eventMessage() const {
    return "MountVolume.SetUp failed for volume \"" + volume_ + "\" : " + what();
  }

 private:
  std::string volume_;
};

}  // namespace cube::agent::volumes
