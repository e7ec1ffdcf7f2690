#pragma once
#include <string>

namespace cube {
// A random RFC 4122 version-4 UUID, as metadata.uid.
std::string newUid();
// `n` random lowercase alphanumerics from Kubernetes' generateName alphabet (no vowels).
std::string randomSuffix(size_t n);
}  // namespace cube
