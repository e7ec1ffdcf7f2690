#include "cmd/kubeconfig.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <sys/stat.h>

namespace cube::cmd {

void writeKubeconfig(const std::string& path, const std::string& serverUrl) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write kubeconfig " + path);
    out << "apiVersion: v1\n"
           "kind: Config\n"
           "clusters:\n"
           "- name: cube\n"
           "  cluster:\n"
           "    server: "
        << serverUrl
        << "\n"
           "contexts:\n"
           "- name: cube\n"
           "  context:\n"
           "    cluster: cube\n"
           "    user: cube\n"
           "    namespace: default\n"
           "current-context: cube\n"
           "users:\n"
           "- name: cube\n"
           "  user: {}\n";
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
}

}  // namespace cube::cmd
