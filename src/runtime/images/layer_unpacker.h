#pragma once
// Unpacks one image layer (a tar, gzip/zstd/uncompressed — libarchive detects) into a directory
// without ever writing outside it, and converts OCI whiteouts to the overlayfs format.
//
// Safety does not depend on the working directory (the agent is multi-threaded and chdir is
// process-wide): every entry is created relative to a directory fd whose parents were each
// opened with O_NOFOLLOW|O_DIRECTORY. So "../x" is rejected, a leading '/' is dropped (as tar
// does), an entry below a symlink of the layer fails instead of following it, and a hardlink
// can only name a file inside the layer. libarchive's archive_write_disk is not used.
//
// Whiteouts: ".wh.NAME" becomes a 0:0 character device NAME and ".wh..wh..opq" sets
// trusted.overlay.opaque=y on its directory — what overlayfs expects of a lower layer. Both
// need root (mknod, trusted.* xattrs); so do device nodes, which a non-root unpack skips, and
// ownership, which a non-root unpack leaves to the caller.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace cube::runtime::images {

// A layer that cannot be unpacked: unsafe entry, corrupt archive, wrong diffID.
class LayerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LayerUnpackResult {
  std::string diffId;           // "sha256:<hex>" of the uncompressed tar stream
  uint64_t tarBytes = 0;        // size of the uncompressed tar stream
  uint64_t entries = 0;         // tar entries seen
  uint64_t skippedDevices = 0;  // device nodes not created (not root)
};

// Unpacks the layer archive at `blobPath` into `destDir`, an existing empty directory. When
// `expectedDiffId` is not empty the uncompressed stream must hash to it (else LayerError; the
// caller discards destDir). Throws LayerError for the layer's faults, std::runtime_error for
// the host's (disk full, permissions).
LayerUnpackResult unpackLayer(const std::string& blobPath, const std::string& destDir,
                              const std::string& expectedDiffId = "");

}  // namespace cube::runtime::images
