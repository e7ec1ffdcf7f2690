#pragma once
// The pod's `securityContext.fsGroup` on its volumes, as the kubelet applies it to emptyDir,
// configMap, secret, downwardAPI and projected volumes (never to hostPath): every file and
// directory keeps its owner and gets the group fsGroup; the mode gains group read and write
// (read only for the read-only volumes: configMap, secret, downwardAPI, projected), and
// directories also gain group execute and the setgid bit, so that what the containers create
// later belongs to fsGroup too. Symlinks are left alone (a chmod would follow them).
//
// fsGroupChangePolicy OnRootMismatch skips the walk when the volume's root already has the group
// and at least those bits; Always (the default) walks every time.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace cube::agent::volumes {

struct FsGroupPolicy {
  std::optional<uint32_t> fsGroup;  // none: volumes are left as they are
  bool onRootMismatch = false;
};

// From the pod's spec.securityContext.
FsGroupPolicy fsGroupPolicyOf(const boost::json::object& pod);

// The mode bits fsGroup adds to a file of a volume: group rw, or group r for a read-only one.
inline uint32_t fsGroupFileBits(bool readOnlyVolume) {
  return readOnlyVolume ? 0440 : 0660;
}

// Applies fsGroup below `dir` (deepest first, the root last). Failures on single files are
// skipped, as the kubelet only logs them; returns how many entries failed.
size_t setVolumeOwnership(const std::string& dir, const FsGroupPolicy& policy, bool readOnlyVolume);

}  // namespace cube::agent::volumes
