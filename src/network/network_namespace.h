#pragma once
// Named network namespaces, made the way `ip netns add` makes them but in a directory of cube's
// own (default /run/cube/netns, never /run/netns): a thread unshares CLONE_NEWNET and its
// /proc/thread-self/ns/net is bind-mounted onto <dir>/<name>, which keeps the namespace alive
// with no process in it. `nsenter --net=<dir>/<name>` enters it; a runtime puts the path in the
// OCI config's network namespace.
//
// The directory itself is made a shared mount (bind-mounted onto itself first when it is not a
// mount point), again as `ip netns` does, so a namespace mounted or unmounted later is seen the
// same way from mount namespaces copied before (a container's).

#include "network/unique_fd.h"

#include <filesystem>
#include <string>

namespace cube::network {

constexpr const char* kDefaultNetnsDir = "/run/cube/netns";

class NetworkNamespace {
 public:
  // Creates <dir>/<name>; an existing namespace of that name is kept and returned.
  // Names are [A-Za-z0-9._-], 1..200 characters.
  static std::filesystem::path create(const std::filesystem::path& dir, const std::string& name);
  // Unmounts and unlinks <dir>/<name>; one that does not exist is not an error.
  static void remove(const std::filesystem::path& dir, const std::string& name);
  static bool exists(const std::filesystem::path& dir, const std::string& name);
  static UniqueFd open(const std::filesystem::path& path);
  static bool validName(const std::string& name);
};

}  // namespace cube::network
