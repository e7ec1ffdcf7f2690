#include "agent/volumes/volume_layout.h"

namespace cube::agent::volumes {

std::string podDir(const std::string& podsDir, const std::string& podUid) {
  return podsDir + "/" + podUid;
}

std::string volumeDir(const std::string& podsDir, const std::string& podUid,
                      const std::string& plugin, const std::string& volume) {
  return podDir(podsDir, podUid) + "/volumes/" + plugin + "/" + volume;
}

}  // namespace cube::agent::volumes
