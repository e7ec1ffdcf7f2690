#pragma once
#include <string>

namespace cube::cmd {
// Writes a kubeconfig (mode 0600) whose only cluster, user and context point at `serverUrl`.
void writeKubeconfig(const std::string& path, const std::string& serverUrl);
}  // namespace cube::cmd
