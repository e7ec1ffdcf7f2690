#pragma once
// The node's content-addressed image store. Layout under `root`:
//
//   blobs/sha256/<hex>        manifests, configs and layer archives, named by their digest
//   layers/sha256/<hex>/      unpacked layers, named by diffID, shared by every image and
//                             container (overlayfs lower dirs); read-only once in place
//   images.json               the index: image ID -> references, manifest, layers, config
//   imported-archives.json    archives importImagesDirectory has already imported
//   tmp/                      blobs and layers being written; moved into place by rename
//   lock, gc.lock             flock files (see below)
//
// Content is written to tmp/, verified, then renamed into place: a crash never leaves a half
// blob or half layer under its final name, and a name present is complete. Blobs keyed by
// digest are what a registry pull (a later issue) will fetch by the same names.
//
// Concurrency, for threads of one process and for several processes (`cube image import`
// while the agent runs): `lock` (exclusive flock) guards read-modify-write of the index
// files. Importers hold `gc.lock` shared while they write content the index does not yet
// reference; garbage collection holds it exclusive, so it never deletes an import's content
// in flight. Lock order: gc.lock before lock. Each call opens its own lock fd, so the flocks
// also order threads of one process.

#include "runtime/images/digest.h"
#include "runtime/images/file_util.h"
#include "runtime/images/image_record.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cube::runtime::images {

// A reference or ID that names no image, or an ID prefix that names several.
class ImageNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Content whose digest is not the expected one.
class DigestMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GcResult {
  uint64_t blobsRemoved = 0;
  uint64_t layersRemoved = 0;
  uint64_t bytesFreed = 0;  // blob bytes
};

struct RemoveResult {
  std::vector<std::string> untagged;  // references removed
  std::vector<std::string> deleted;   // image IDs removed from the index
  GcResult gc;
};

class ImageStore {
 public:
  // Creates the layout under `root` when missing.
  explicit ImageStore(std::string root);

  const std::string& root() const { return root_; }
  std::string blobPath(std::string_view digest) const;
  std::string layerPath(std::string_view diffId) const;
  bool hasBlob(std::string_view digest) const;
  bool hasLayer(std::string_view diffId) const;

  // Streams one blob into tmp/ while hashing it; commit() verifies and renames it into place.
  class BlobWriter {
   public:
    BlobWriter(BlobWriter&&) = default;
    ~BlobWriter();
    void write(const void* data, size_t size);
    // Verifies `expected` (when not empty; DigestMismatch otherwise) and moves the blob into
    // place. Returns its digest; `created` tells whether it was new to the store.
    std::string commit(const std::string& expected = "", bool* created = nullptr);
    uint64_t size() const { return size_; }

   private:
    friend class ImageStore;
    BlobWriter(const ImageStore* store, std::string tmpPath, UniqueFd fd);
    const ImageStore* store_;
    std::string tmpPath_;
    UniqueFd fd_;
    std::unique_ptr<Sha256> hash_;
    uint64_t size_ = 0;
  };
  BlobWriter newBlob() const;
  // Writes a whole blob (manifests, configs); same checks as BlobWriter::commit.
  std::string putBlob(std::string_view data, const std::string& expected = "",
                      bool* created = nullptr) const;
  std::string readBlob(std::string_view digest) const;

  // Unpacks blob `blobDigest` as layer `diffId` (verifying the diffID) unless that layer is
  // already there. Returns true when this call unpacked it (and its uncompressed size in
  // `tarBytes`).
  bool ensureLayer(const std::string& diffId, const std::string& blobDigest,
                   uint64_t* tarBytes = nullptr) const;

  // Held (shared) by an importer while it writes content not yet in the index.
  std::unique_ptr<FileLock> importGuard() const;

  // The index, read from disk (another process may have changed it).
  std::vector<ImageRecord> list() const;
  // By normalised reference ("busybox" works), full ID ("sha256:<hex>") or a unique prefix of
  // the ID's hex (at least 3 digits). Empty when nothing matches; ImageNotFound when ambiguous.
  std::optional<ImageRecord> find(std::string_view refOrId) const;
  // Adds the image and points `record.references` at it; a reference that named another image
  // moves (that image stays, untagged). An image already there (same ID) keeps its manifest and
  // layer blobs and only gains the references.
  void addImage(const ImageRecord& record) const;
  // A reference untags (the image goes when its last reference goes); an ID removes the image
  // with all its references. Then collects garbage, keeping `layersInUse`. ImageNotFound names
  // the first argument that matches nothing (nothing is removed then).
  RemoveResult remove(const std::vector<std::string>& refsOrIds,
                      const std::set<std::string>& layersInUse = {}) const;
  // Deletes blobs and layers that no image references (layers in `layersInUse` — diffIDs of
  // running containers' lower dirs — are kept) and everything in tmp/.
  GcResult garbageCollect(const std::set<std::string>& layersInUse = {}) const;
  // Deletes those of `blobs`/`layers` that no image references: what a failed import wrote.
  void discardUnreferenced(const std::vector<std::string>& blobs,
                           const std::vector<std::string>& layers) const;

  // Archives already imported by importImagesDirectory: key -> true. Guarded by `lock`.
  bool archiveImported(const std::string& key) const;
  void markArchiveImported(const std::string& key) const;

 private:
  std::vector<ImageRecord> unsafeReadIndex() const;  // caller holds `lock` (or reads a snapshot)
  void unsafeWriteIndex(const std::vector<ImageRecord>& images) const;  // caller holds `lock`
  GcResult unsafeCollect(const std::vector<ImageRecord>& images,
                         const std::set<std::string>& layersInUse) const;  // holds both locks
  std::string tmpDir() const { return root_ + "/tmp"; }

  std::string root_;
};

}  // namespace cube::runtime::images
