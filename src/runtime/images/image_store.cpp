#include "runtime/images/image_store.h"

#include "runtime/images/image_reference.h"
#include "runtime/images/layer_unpacker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <map>

namespace cube::runtime::images {
namespace {

namespace bj = boost::json;

std::vector<std::string> listDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(std::move(n));
  }
  ::closedir(d);
  return out;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void eraseValue(std::vector<std::string>& v, const std::string& s) {
  v.erase(std::remove(v.begin(), v.end(), s), v.end());
}

std::optional<ImageRecord> findIn(const std::vector<ImageRecord>& images,
                                  std::string_view refOrId) {
  std::string_view hex = refOrId;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  bool hexOnly = hex.size() >= 3 && hex.size() <= 64 &&
                 hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (hexOnly) {
    std::optional<ImageRecord> match;
    for (const auto& r : images) {
      if (std::string_view(r.id).substr(7).starts_with(hex)) {
        if (match)
          throw ImageNotFound("image ID prefix \"" + std::string(refOrId) +
                              "\" matches several images");
        match = r;
      }
    }
    if (match || hex.size() == 64 || refOrId.starts_with("sha256:")) return match;
  }
  std::string ref;
  try {
    ref = normalizeReference(refOrId);
  } catch (const InvalidReference&) {
    if (hexOnly) return std::nullopt;
    throw;
  }
  for (const auto& r : images) {
    if (std::find(r.references.begin(), r.references.end(), ref) != r.references.end()) return r;
  }
  return std::nullopt;
}

}  // namespace

ImageStore::ImageStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  makeDirs(root_ + "/blobs/sha256");
  makeDirs(root_ + "/layers/sha256");
  makeDirs(tmpDir(), 0700);
}

std::string ImageStore::blobPath(std::string_view digest) const {
  return root_ + "/blobs/sha256/" + digestHex(digest);
}

std::string ImageStore::layerPath(std::string_view diffId) const {
  return root_ + "/layers/sha256/" + digestHex(diffId);
}

bool ImageStore::hasBlob(std::string_view digest) const {
  return exists(blobPath(digest));
}
bool ImageStore::hasLayer(std::string_view diffId) const {
  return exists(layerPath(diffId));
}

// --- blobs ---

ImageStore::BlobWriter::BlobWriter(const ImageStore* store, std::string tmpPath, UniqueFd fd)
    : store_(store),
      tmpPath_(std::move(tmpPath)),
      fd_(std::move(fd)),
      hash_(std::make_unique<Sha256>()) {}

ImageStore::BlobWriter::~BlobWriter() {
  if (fd_) ::unlink(tmpPath_.c_str());
}

void ImageStore::BlobWriter::write(const void* data, size_t size) {
  hash_->update(data, size);
  size_ += size;
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_.get(), p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("write " + tmpPath_);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

std::string ImageStore::BlobWriter::commit(const std::string& expected, bool* created) {
  std::string digest = hash_->digest();
  if (!expected.empty() && digest != expected) {
    throw DigestMismatch("content is " + digest + ", expected " + expected);
  }
  if (::fsync(fd_.get()) != 0) throwErrno("fsync " + tmpPath_);
  std::string final = store_->blobPath(digest);
  bool isNew = !exists(final);
  if (isNew) {
    ::fchmod(fd_.get(), 0444);
    if (::rename(tmpPath_.c_str(), final.c_str()) != 0) throwErrno("rename to " + final);
  } else {
    ::unlink(tmpPath_.c_str());
  }
  fd_.reset();
  if (created) *created = isNew;
  return digest;
}

ImageStore::BlobWriter ImageStore::newBlob() const {
  std::string tmp = tmpDir() + "/blob-XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) throwErrno("create " + tmp);
  return BlobWriter(this, tmp, std::move(fd));
}

std::string ImageStore::putBlob(std::string_view data, const std::string& expected,
                                bool* created) const {
  BlobWriter w = newBlob();
  w.write(data.data(), data.size());
  return w.commit(expected, created);
}

std::string ImageStore::readBlob(std::string_view digest) const {
  return readFile(blobPath(digest));
}

// --- layers ---

bool ImageStore::ensureLayer(const std::string& diffId, const std::string& blobDigest,
                             uint64_t* tarBytes) const {
  std::string final = layerPath(diffId);
  if (exists(final)) return false;
  std::string tmp = tmpDir() + "/layer-XXXXXX";
  if (!::mkdtemp(tmp.data())) throwErrno("create " + tmp);
  try {
    auto unpacked = unpackLayer(blobPath(blobDigest), tmp, diffId);
    if (tarBytes) *tarBytes = unpacked.tarBytes;
    // The rename is atomic for a crashed process; after a power loss the layer's files must be
    // on disk before its name is. One syncfs instead of an fsync per file.
    {
      UniqueFd dir(::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir || ::syncfs(dir.get()) != 0) throwErrno("sync " + tmp);
    }
    if (::rename(tmp.c_str(), final.c_str()) != 0) {
      // Another importer put the same layer in place first: theirs is as good as ours.
      if (errno != ENOTEMPTY && errno != EEXIST) throwErrno("rename to " + final);
      removeTree(tmp);
      return false;
    }
  } catch (...) {
    removeTree(tmp);
    throw;
  }
  return true;
}

// --- index ---

std::unique_ptr<FileLock> ImageStore::importGuard() const {
  return std::make_unique<FileLock>(root_ + "/gc.lock", false);
}

std::vector<ImageRecord> ImageStore::unsafeReadIndex() const {
  std::string path = root_ + "/images.json";
  if (!exists(path)) return {};
  std::string text = readFile(path);
  bj::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) throw std::runtime_error(path + ": not a JSON object");
  std::vector<ImageRecord> out;
  if (const auto* arr = v.get_object().if_contains("images"); arr && arr->is_array()) {
    for (const auto& e : arr->get_array()) out.push_back(imageRecordFromJson(e));
  }
  return out;
}

void ImageStore::unsafeWriteIndex(const std::vector<ImageRecord>& images) const {
  bj::array arr;
  for (const auto& r : images) arr.push_back(toJson(r));
  writeFileAtomic(root_ + "/images.json",
                  bj::serialize(bj::object{{"version", 1}, {"images", std::move(arr)}}));
}

std::vector<ImageRecord> ImageStore::list() const {
  // images.json is replaced by rename, so a read without the lock sees a whole version.
  return unsafeReadIndex();
}

std::optional<ImageRecord> ImageStore::find(std::string_view refOrId) const {
  return findIn(list(), refOrId);
}

void ImageStore::addImage(const ImageRecord& record) const {
  FileLock lock(root_ + "/lock", true);
  auto images = unsafeReadIndex();
  ImageRecord* mine = nullptr;
  for (auto& r : images) {
    if (r.id == record.id) {
      mine = &r;
    } else {
      for (const auto& ref : record.references) eraseValue(r.references, ref);
    }
  }
  if (!mine) {
    images.push_back(record);
  } else {
    // The same image from another archive (say docker save after an OCI layout) may come with
    // another manifest and other layer blobs: the first stays, so a re-import changes nothing.
    for (const auto& ref : record.references) {
      if (std::find(mine->references.begin(), mine->references.end(), ref) ==
          mine->references.end()) {
        mine->references.push_back(ref);
      }
    }
  }
  for (auto& r : images) std::sort(r.references.begin(), r.references.end());
  unsafeWriteIndex(images);
}

RemoveResult ImageStore::remove(const std::vector<std::string>& refsOrIds,
                                const std::set<std::string>& layersInUse) const {
  FileLock gc(root_ + "/gc.lock", true);
  FileLock lock(root_ + "/lock", true);
  auto images = unsafeReadIndex();
  RemoveResult result;
  for (const auto& arg : refsOrIds) {
    auto found = findIn(images, arg);
    if (!found) throw ImageNotFound("image \"" + arg + "\" not found");
    auto it = std::find_if(images.begin(), images.end(),
                           [&](const ImageRecord& r) { return r.id == found->id; });
    if (it == images.end()) continue;  // already removed by an earlier argument
    std::string ref;
    try {
      ref = normalizeReference(arg);
    } catch (const InvalidReference&) {
    }
    bool byRef = !ref.empty() && std::find(it->references.begin(), it->references.end(), ref) !=
                                     it->references.end();
    if (byRef) {
      eraseValue(it->references, ref);
      result.untagged.push_back(ref);
    } else {
      for (const auto& r : it->references) result.untagged.push_back(r);
      it->references.clear();
    }
    if (it->references.empty()) {
      result.deleted.push_back(it->id);
      images.erase(it);
    }
  }
  unsafeWriteIndex(images);
  result.gc = unsafeCollect(images, layersInUse);
  return result;
}

GcResult ImageStore::garbageCollect(const std::set<std::string>& layersInUse) const {
  FileLock gc(root_ + "/gc.lock", true);
  FileLock lock(root_ + "/lock", true);
  return unsafeCollect(unsafeReadIndex(), layersInUse);
}

GcResult ImageStore::unsafeCollect(const std::vector<ImageRecord>& images,
                                   const std::set<std::string>& layersInUse) const {
  std::set<std::string> blobs;
  std::set<std::string> layers;
  for (const auto& id : layersInUse) {
    if (isValidDigest(id)) layers.insert(digestHex(id));
  }
  for (const auto& r : images) {
    blobs.insert(digestHex(r.id));
    blobs.insert(digestHex(r.manifestDigest));
    for (const auto& l : r.layers) {
      blobs.insert(digestHex(l.digest));
      layers.insert(digestHex(l.diffId));
    }
  }
  GcResult result;
  std::string blobDir = root_ + "/blobs/sha256/";
  for (const auto& name : listDir(blobDir)) {
    if (blobs.count(name)) continue;
    struct stat st;
    if (::lstat((blobDir + name).c_str(), &st) == 0) result.bytesFreed += st.st_size;
    ::unlink((blobDir + name).c_str());
    ++result.blobsRemoved;
  }
  std::string layerDir = root_ + "/layers/sha256/";
  for (const auto& name : listDir(layerDir)) {
    if (layers.count(name)) continue;
    removeTree(layerDir + name);
    ++result.layersRemoved;
  }
  // No importer holds gc.lock, so nothing in tmp/ is being written.
  for (const auto& name : listDir(tmpDir())) removeTree(tmpDir() + "/" + name);
  return result;
}

void ImageStore::discardUnreferenced(const std::vector<std::string>& blobs,
                                     const std::vector<std::string>& layers) const {
  if (blobs.empty() && layers.empty()) return;
  FileLock gc(root_ + "/gc.lock", true);
  FileLock lock(root_ + "/lock", true);
  std::set<std::string> usedBlobs, usedLayers;
  for (const auto& r : unsafeReadIndex()) {
    usedBlobs.insert(r.id);
    usedBlobs.insert(r.manifestDigest);
    for (const auto& l : r.layers) {
      usedBlobs.insert(l.digest);
      usedLayers.insert(l.diffId);
    }
  }
  for (const auto& b : blobs) {
    if (!usedBlobs.count(b)) ::unlink(blobPath(b).c_str());
  }
  for (const auto& l : layers) {
    if (!usedLayers.count(l)) removeTree(layerPath(l));
  }
}

// --- imported archives ---

bool ImageStore::archiveImported(const std::string& key) const {
  std::string path = root_ + "/imported-archives.json";
  if (!exists(path)) return false;
  bj::error_code ec;
  bj::value v = bj::parse(readFile(path), ec);
  return !ec && v.is_object() && v.get_object().contains(key);
}

void ImageStore::markArchiveImported(const std::string& key) const {
  FileLock lock(root_ + "/lock", true);
  std::string path = root_ + "/imported-archives.json";
  bj::object o;
  if (exists(path)) {
    bj::error_code ec;
    bj::value v = bj::parse(readFile(path), ec);
    if (!ec && v.is_object()) o = v.get_object();
  }
  o[key] = true;
  writeFileAtomic(path, bj::serialize(o));
}

}  // namespace cube::runtime::images
