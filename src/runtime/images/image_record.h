#pragma once
// What the store knows about one image: its ID (the config digest, as containerd and kubelet
// use it), the references that name it, its manifest and layers, and the parts of its config
// that the runtime needs to start a container.

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cube::runtime::images {

// The image config's "config" section (OCI image-spec config.md), plus platform.
struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string workingDir;
  std::string user;
  std::vector<std::string> exposedPorts;  // "8080/tcp"
  std::string os;
  std::string architecture;
};

struct ImageLayer {
  std::string digest;  // the blob as the manifest lists it (maybe compressed)
  std::string diffId;  // sha256 of the uncompressed tar: names the unpacked layer
  uint64_t size = 0;   // blob size
};

struct ImageRecord {
  std::string id;                       // config digest "sha256:<hex>"
  std::vector<std::string> references;  // normalised, sorted; may be empty (untagged)
  std::string manifestDigest;
  uint64_t manifestSize = 0;
  uint64_t configSize = 0;
  std::vector<ImageLayer> layers;  // base first
  ImageConfig config;

  // Manifest + config + layer blobs, as containerd counts an image's size.
  uint64_t size() const;
  // "docker.io/library/busybox@sha256:<manifest digest>": kubelet's
  // status.containerStatuses[].imageID for a container started from `reference`.
  std::string statusImageId(const std::string& reference) const;
  std::vector<std::string> diffIds() const;
};

// Parsed image config blob: the summary and rootfs.diff_ids. Throws std::runtime_error.
struct ParsedConfig {
  ImageConfig config;
  std::vector<std::string> diffIds;
};
ParsedConfig parseImageConfig(std::string_view json);

boost::json::value toJson(const ImageRecord& r);
ImageRecord imageRecordFromJson(const boost::json::value& v);

}  // namespace cube::runtime::images
