#pragma once
// Where a pod's volumes live on the node, as the kubelet lays them out:
// <podsDir>/<pod uid>/volumes/<plugin>/<volume name>, the plugin named like the kubelet's
// ("kubernetes.io~empty-dir", "kubernetes.io~configmap", ...). hostPath volumes are the host's
// own paths and have no directory here.

#include <string>

namespace cube::agent::volumes {

inline constexpr const char* kEmptyDirPlugin = "kubernetes.io~empty-dir";
inline constexpr const char* kConfigMapPlugin = "kubernetes.io~configmap";
inline constexpr const char* kSecretPlugin = "kubernetes.io~secret";
inline constexpr const char* kDownwardApiPlugin = "kubernetes.io~downward-api";
inline constexpr const char* kProjectedPlugin = "kubernetes.io~projected";

std::string podDir(const std::string& podsDir, const std::string& podUid);
std::string volumeDir(const std::string& podsDir, const std::string& podUid,
                      const std::string& plugin, const std::string& volume);

}  // namespace cube::agent::volumes
