#pragma once
// emptyDir `sizeLimit` on disk, enforced as the kubelet's eviction manager does: it measures
// each such volume now and then (its fsStats are a `du` of the directory) and evicts the pod
// whose volume holds more than its limit, with the message
//   Usage of EmptyDir volume "<name>" exceeds the limit "<sizeLimit>".
// (the trailing space is the kubelet's). `medium: Memory` volumes are tmpfs mounts of at most
// sizeLimit (tmpfs_mount.h), so they cannot exceed it and are not measured.

#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace cube::agent::volumes {

// What `du -s -x -B1` says of `dir`: the bytes allocated to it and everything below, on its own
// filesystem only (mounts below are skipped), a file with several hard links counted once.
// nullopt when `dir` cannot be read.
std::optional<int64_t> diskUsageBytes(const std::string& dir);

// The usage of a volume directory; diskUsageBytes, or a stand-in in tests.
using DiskUsageFn = std::function<std::optional<int64_t>(const std::string& dir)>;

// Whether the pod has an on-disk emptyDir with a sizeLimit above zero (worth measuring).
bool hasEmptyDirSizeLimits(const boost::json::object& pod);

// The eviction message for the first on-disk emptyDir (in spec order) that holds more than its
// sizeLimit, or nullopt.
std::optional<std::string> emptyDirOverLimit(const boost::json::object& pod,
                                             const std::string& podsDir, const DiskUsageFn& usage);

}  // namespace cube::agent::volumes
