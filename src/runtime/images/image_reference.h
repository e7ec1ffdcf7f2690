#pragma once
// Image references normalised as Kubernetes and containerd do: "busybox" is
// "docker.io/library/busybox:latest", "foo/bar" is "docker.io/foo/bar:latest", a first component
// with a '.' or ':' or equal to "localhost" is a registry host, and a reference without tag or
// digest means ":latest". The normalised string is the key of the node's image store.

#include <stdexcept>
#include <string>
#include <string_view>

namespace cube::runtime::images {

// A reference that does not parse; what() says why, naming the reference.
class InvalidReference : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ImageReference {
  std::string domain;  // "docker.io", "registry.k8s.io", "localhost:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // "latest" when neither tag nor digest was given; may be empty
  std::string digest;  // "sha256:<hex>" or empty

  // "docker.io/library/busybox"
  std::string repository() const { return domain + "/" + path; }
  // "docker.io/library/busybox:latest", "...busybox@sha256:...", "...busybox:1@sha256:..."
  std::string string() const;
  // "repository@digest": what kubelet reports as a container's imageID.
  std::string withDigest(std::string_view manifestDigest) const {
    return repository() + "@" + std::string(manifestDigest);
  }
};

// Parses and normalises; throws InvalidReference.
ImageReference parseReference(std::string_view ref);
// parseReference(ref).string().
std::string normalizeReference(std::string_view ref);

}  // namespace cube::runtime::images
