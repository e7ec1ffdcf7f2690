#pragma once
// A volumeMount's subPath: a path inside the volume, made (as directories) when missing, as the
// kubelet does. It must stay inside the volume: ".." elements, absolute paths and symlinks that
// lead out of the volume are refused.
//
// The path is checked when the container is made, not held open until it is mounted (the
// kubelet bind-mounts it through an open descriptor); a container of the pod racing to swap a
// directory for a symlink in between could still win.

#include <functional>
#include <stdexcept>
#include <string>

namespace cube::agent::volumes {

class SubPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The host path of `subPath` inside `volumeRoot` (symlinks resolved). New directories get the
// volume root's mode.
std::string resolveSubPath(const std::string& volumeRoot, const std::string& subPath);

// $(VAR) in a subPathExpr from the container's variables; unknown ones stay as written, "$$"
// is a literal "$" (the rules of env expansion).
std::string expandSubPathExpr(const std::string& expr,
                              const std::function<const std::string*(const std::string&)>& lookup);

}  // namespace cube::agent::volumes
