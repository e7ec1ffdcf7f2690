#pragma once
// `cube image import`: image archives into the store. Two formats, told apart by their files:
//  - OCI image layout (oci-layout, index.json, blobs/sha256/<hex>): each index.json manifest is
//    one image, named by its io.containerd.image.name or org.opencontainers.image.ref.name
//    annotation; an image index (multi-platform) resolves to linux/amd64.
//  - `docker save` (manifest.json with Config/RepoTags/Layers; layers as <id>/layer.tar or
//    blobs/sha256/<hex>): the store synthesises an OCI manifest for each image, so every image
//    has a manifest digest (kubelet's imageID) whatever its source.
// The archive itself may be compressed (docker save | gzip). Every blob is verified against the
// digest that names it, every layer against the config's rootfs.diff_ids, before the index
// names the image; a failed import leaves the index untouched and removes what it added.

#include "runtime/images/image_store.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cube::runtime::images {

// An archive that cannot be imported; what() names the archive and the reason.
class ImportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ImportedImage {
  std::string id;
  std::vector<std::string> references;
  uint64_t size = 0;
};

struct ImportResult {
  std::vector<ImportedImage> images;
  uint64_t layersUnpacked = 0;  // new layers (the others were already in the store)
  uint64_t unpackedBytes = 0;   // uncompressed tar bytes of those new layers
};

ImportResult importArchive(const ImageStore& store, const std::string& archivePath);

// Imports every *.tar, *.tar.gz, *.tgz and *.tar.zst in `dir` (the agent's images directory,
// DATA_DIR/agent/images, read at agent start as k3s does) that was not imported before — an
// archive is known by its path, size and mtime. One bad archive does not stop the others: its
// error is returned and it is retried next time. A missing directory imports nothing.
struct DirectoryImportResult {
  std::vector<std::string> imported;  // archive paths
  std::vector<std::string> skipped;   // already imported
  std::vector<std::string> errors;    // "path: reason"
};
DirectoryImportResult importImagesDirectory(const ImageStore& store, const std::string& dir);

}  // namespace cube::runtime::images
