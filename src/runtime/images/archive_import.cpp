#include "runtime/images/archive_import.h"

#include "common/json_util.h"
#include "runtime/images/digest.h"
#include "runtime/images/image_reference.h"

#include <archive.h>
#include <archive_entry.h>
#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace cube::runtime::images {
namespace {

namespace bj = boost::json;

// Manifests and configs stay in memory; layers above the limit, and everything once the total
// is reached (an archive of many small files), are streamed to blobs on disk.
constexpr int64_t kInMemoryLimit = 1 << 20;
constexpr uint64_t kInMemoryTotal = 64 << 20;
constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kAnnotationContainerdName = "io.containerd.image.name";
constexpr std::string_view kAnnotationRefName = "org.opencontainers.image.ref.name";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// "./a//b/" -> "a/b"; ".." components are kept (they then match nothing).
std::string cleanPath(std::string_view p) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    std::string_view c = p.substr(start, slash == p.npos ? p.npos : slash - start);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.emplace_back(c);
    }
    if (slash == p.npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto& c : parts) out += (out.empty() ? "" : "/") + c;
  return out;
}

struct ArchiveFile {
  std::string digest;
  uint64_t size = 0;
  std::optional<std::string> content;  // small files only; large ones are already blobs
};

// One pass over the archive: small files kept in memory, large ones streamed into the store as
// blobs (verified when their name is a digest). Symlinks and hardlinks become aliases.
class ArchiveReader {
 public:
  ArchiveReader(const ImageStore& store, std::vector<std::string>& createdBlobs)
      : store_(store), createdBlobs_(createdBlobs) {}

  void read(const std::string& path);
  const ArchiveFile* find(const std::string& path) const;
  bool has(const std::string& path) const { return find(path) != nullptr; }

 private:
  const ImageStore& store_;
  std::vector<std::string>& createdBlobs_;
  std::map<std::string, ArchiveFile> files_;
  std::map<std::string, std::string> links_;
  uint64_t inMemory_ = 0;
};

// The digest a path names, for "blobs/sha256/<hex>"; empty otherwise.
std::string digestOfBlobPath(const std::string& path) {
  if (path.starts_with("blobs/sha256/") && isSha256Hex(path.substr(13))) {
    return "sha256:" + path.substr(13);
  }
  return "";
}

void ArchiveReader::read(const std::string& path) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 20) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(a.get()));
  }
  archive_entry* e;
  int r;
  while ((r = archive_read_next_header(a.get(), &e)) != ARCHIVE_EOF) {
    if (r < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(a.get()));
    std::string name = cleanPath(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    if (const char* target = archive_entry_hardlink(e)) {
      links_[name] = cleanPath(target);
      continue;
    }
    if (archive_entry_filetype(e) == AE_IFLNK) {
      std::string dir = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/'));
      const char* target = archive_entry_symlink(e);
      links_[name] = cleanPath(dir + "/" + (target ? target : ""));
      continue;
    }
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    std::string expected = digestOfBlobPath(name);
    ArchiveFile f;
    const void* buf;
    size_t size;
    la_int64_t offset;
    int64_t entrySize = archive_entry_size(e);
    if (entrySize <= kInMemoryLimit &&
        inMemory_ + static_cast<uint64_t>(entrySize) <= kInMemoryTotal) {
      inMemory_ += static_cast<uint64_t>(entrySize);
      std::string content;
      while ((r = archive_read_data_block(a.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
        content.append(static_cast<const char*>(buf), size);
      }
      if (r != ARCHIVE_EOF) throw std::runtime_error(archive_error_string(a.get()));
      f.digest = sha256Digest(content);
      f.size = content.size();
      if (!expected.empty() && f.digest != expected) {
        throw DigestMismatch(name + ": content is " + f.digest + " (corrupt archive)");
      }
      f.content = std::move(content);
    } else {
      auto w = store_.newBlob();
      while ((r = archive_read_data_block(a.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
        w.write(buf, size);
      }
      if (r != ARCHIVE_EOF) throw std::runtime_error(archive_error_string(a.get()));
      f.size = w.size();
      bool created = false;
      try {
        f.digest = w.commit(expected, &created);
      } catch (const DigestMismatch& m) {
        throw DigestMismatch(name + ": " + m.what() + " (corrupt archive)");
      }
      if (created) createdBlobs_.push_back(f.digest);
    }
    files_[name] = std::move(f);
  }
}

const ArchiveFile* ArchiveReader::find(const std::string& path) const {
  std::string p = cleanPath(path);
  for (int hop = 0; hop < 16; ++hop) {
    if (auto it = files_.find(p); it != files_.end()) return &it->second;
    auto link = links_.find(p);
    if (link == links_.end()) return nullptr;
    p = link->second;
  }
  return nullptr;
}

bj::object parseObject(std::string_view text, const std::string& what) {
  bj::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) throw std::runtime_error(what + " is not a JSON object");
  return v.get_object();
}

std::string str(const bj::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Layer media type by the blob's first bytes (docker save does not say).
std::string layerMediaType(std::string_view head) {
  if (head.starts_with("\x1f\x8b")) return "application/vnd.oci.image.layer.v1.tar+gzip";
  if (head.starts_with("\x28\xb5\x2f\xfd")) return "application/vnd.oci.image.layer.v1.tar+zstd";
  return "application/vnd.oci.image.layer.v1.tar";
}

// Turns parsed archives into records; tracks what it adds so a failure can take it back.
class Importer {
 public:
  Importer(const ImageStore& store, ImportResult& result)
      : store_(store), result_(result), reader_(store, createdBlobs_) {}

  void run(const std::string& path);
  std::vector<std::string> createdBlobs_;
  std::vector<std::string> createdLayers_;

 private:
  // Puts the blob with `digest` in the store (from the archive, or already there) and returns
  // its size; `content` receives small blobs' bytes when asked.
  uint64_t storeBlob(const std::string& digest, const std::string& archivePath,
                     std::string* content);
  std::string readBlob(const std::string& digest, const std::string& archivePath);
  // A file of the archive by path (index.json, manifest.json, a docker config), wherever the
  // reader put it.
  std::string contentOf(const ArchiveFile& f) const {
    return f.content ? *f.content : store_.readBlob(f.digest);
  }
  void importOci();
  void importDocker();
  // Picks a manifest from a descriptor that may name an image index; returns its digest.
  std::string resolveManifest(const bj::object& desc, int depth);
  void addImage(const std::string& manifestDigest, std::vector<std::string> names);

  const ImageStore& store_;
  ImportResult& result_;
  ArchiveReader reader_;
  std::vector<ImageRecord> records_;
};

uint64_t Importer::storeBlob(const std::string& digest, const std::string& archivePath,
                             std::string* content) {
  if (!isValidDigest(digest)) throw std::runtime_error("invalid digest \"" + digest + "\"");
  const ArchiveFile* f =
      reader_.find(archivePath.empty() ? "blobs/sha256/" + digestHex(digest) : archivePath);
  if (!f) {
    if (store_.hasBlob(digest)) {
      if (content) *content = store_.readBlob(digest);
      return content ? content->size() : 0;
    }
    throw std::runtime_error("blob " + digest + " is not in the archive");
  }
  if (f->digest != digest) {
    throw DigestMismatch(archivePath + ": content is " + f->digest + ", expected " + digest);
  }
  if (f->content) {
    bool created = false;
    store_.putBlob(*f->content, digest, &created);
    if (created) createdBlobs_.push_back(digest);
    if (content) *content = *f->content;
  } else if (content) {
    *content = store_.readBlob(digest);
  }
  return f->size;
}

std::string Importer::readBlob(const std::string& digest, const std::string& archivePath) {
  std::string content;
  storeBlob(digest, archivePath, &content);
  return content;
}

void Importer::run(const std::string& path) {
  reader_.read(path);
  if (reader_.has("index.json")) {
    importOci();
  } else if (reader_.has("manifest.json")) {
    importDocker();
  } else {
    throw std::runtime_error(
        "neither an OCI image layout (index.json) nor a docker save archive (manifest.json)");
  }
  // Only complete images reach the index, all together.
  for (const auto& r : records_) {
    store_.addImage(r);
    // The stored image may be an earlier import's (same ID): report its size.
    auto stored = store_.find(r.id);
    result_.images.push_back({r.id, r.references, stored ? stored->size() : r.size()});
  }
}

std::string Importer::resolveManifest(const bj::object& desc, int depth) {
  std::string digest = str(desc, "digest");
  if (depth > 4) throw std::runtime_error("image indexes nested too deep at " + digest);
  std::string text = readBlob(digest, "");
  if (const auto* sz = desc.if_contains("size"); sz && sz->is_number()) {
    if (sz->to_number<uint64_t>() != text.size()) {
      throw std::runtime_error("manifest " + digest + " has size " + std::to_string(text.size()) +
                               ", its descriptor says " +
                               std::to_string(sz->to_number<uint64_t>()));
    }
  }
  bj::object m = parseObject(text, "manifest " + digest);
  const auto* manifests = m.if_contains("manifests");
  if (!manifests || !manifests->is_array()) return digest;
  // An image index: this node runs linux/amd64.
  const bj::object* chosen = nullptr;
  for (const auto& entry : manifests->get_array()) {
    if (!entry.is_object()) continue;
    const auto* platform = entry.get_object().if_contains("platform");
    if (platform && platform->is_object() && str(platform->get_object(), "os") == "linux" &&
        str(platform->get_object(), "architecture") == "amd64") {
      chosen = &entry.get_object();
      break;
    }
  }
  if (!chosen && manifests->get_array().size() == 1 && manifests->get_array()[0].is_object()) {
    chosen = &manifests->get_array()[0].get_object();
  }
  if (!chosen) throw std::runtime_error("image index " + digest + " has no linux/amd64 image");
  return resolveManifest(*chosen, depth + 1);
}

void Importer::addImage(const std::string& manifestDigest, std::vector<std::string> names) {
  std::string manifestText;
  uint64_t manifestSize = storeBlob(manifestDigest, "", &manifestText);
  bj::object m = parseObject(manifestText, "manifest " + manifestDigest);
  const auto* config = m.if_contains("config");
  const auto* layers = m.if_contains("layers");
  if (!config || !config->is_object() || !layers || !layers->is_array()) {
    throw std::runtime_error("manifest " + manifestDigest + " has no config or layers");
  }
  ImageRecord r;
  r.id = str(config->get_object(), "digest");
  r.manifestDigest = manifestDigest;
  r.manifestSize = manifestSize;
  std::string configText;
  r.configSize = storeBlob(r.id, "", &configText);
  ParsedConfig parsed;
  try {
    parsed = parseImageConfig(configText);
  } catch (const std::exception& e) {
    throw std::runtime_error("config " + r.id + ": " + e.what());
  }
  r.config = parsed.config;
  const auto& layerDescs = layers->get_array();
  if (parsed.diffIds.size() != layerDescs.size()) {
    throw std::runtime_error("config " + r.id + " lists " + std::to_string(parsed.diffIds.size()) +
                             " diff_ids for " + std::to_string(layerDescs.size()) + " layers");
  }
  for (size_t i = 0; i < layerDescs.size(); ++i) {
    if (!layerDescs[i].is_object()) throw std::runtime_error("manifest: bad layer descriptor");
    ImageLayer layer;
    layer.digest = str(layerDescs[i].get_object(), "digest");
    layer.diffId = parsed.diffIds[i];
    layer.size = storeBlob(layer.digest, "", nullptr);
    if (!layer.size)
      layer.size = static_cast<uint64_t>(cube::json::getInt(layerDescs[i].get_object(), "size"));
    uint64_t tarBytes = 0;
    if (store_.ensureLayer(layer.diffId, layer.digest, &tarBytes)) {
      createdLayers_.push_back(layer.diffId);
      ++result_.layersUnpacked;
      result_.unpackedBytes += tarBytes;
    }
    r.layers.push_back(std::move(layer));
  }
  for (const auto& n : names) {
    std::string ref = normalizeReference(n);
    if (std::find(r.references.begin(), r.references.end(), ref) == r.references.end()) {
      r.references.push_back(ref);
    }
  }
  std::sort(r.references.begin(), r.references.end());
  // Several manifests of one archive may be the same image under different names.
  for (auto& existing : records_) {
    if (existing.id == r.id) {
      for (const auto& ref : r.references) existing.references.push_back(ref);
      std::sort(existing.references.begin(), existing.references.end());
      existing.references.erase(std::unique(existing.references.begin(), existing.references.end()),
                                existing.references.end());
      return;
    }
  }
  records_.push_back(std::move(r));
}

void Importer::importOci() {
  bj::object index = parseObject(contentOf(*reader_.find("index.json")), "index.json");
  const auto* manifests = index.if_contains("manifests");
  if (!manifests || !manifests->is_array() || manifests->get_array().empty()) {
    throw std::runtime_error("index.json lists no manifests");
  }
  for (const auto& entry : manifests->get_array()) {
    if (!entry.is_object()) throw std::runtime_error("index.json: bad manifest descriptor");
    const auto& desc = entry.get_object();
    std::vector<std::string> names;
    if (const auto* ann = desc.if_contains("annotations"); ann && ann->is_object()) {
      std::string name = str(ann->get_object(), kAnnotationContainerdName);
      if (name.empty()) name = str(ann->get_object(), kAnnotationRefName);
      if (!name.empty()) names.push_back(name);
    }
    addImage(resolveManifest(desc, 0), names);
  }
}

void Importer::importDocker() {
  const ArchiveFile* mf = reader_.find("manifest.json");
  bj::error_code ec;
  bj::value v = bj::parse(contentOf(*mf), ec);
  if (ec || !v.is_array()) throw std::runtime_error("manifest.json is not a JSON array");
  for (const auto& entry : v.get_array()) {
    if (!entry.is_object()) throw std::runtime_error("manifest.json: bad entry");
    const auto& o = entry.get_object();
    std::string configPath = cleanPath(str(o, "Config"));
    const ArchiveFile* cf = reader_.find(configPath);
    if (!cf) throw std::runtime_error("config " + configPath + " not in archive");
    // Legacy archives name the config <image ID>.json: the name is a digest to verify.
    std::string stem = configPath.substr(configPath.rfind('/') + 1);
    if (stem.ends_with(".json")) stem.resize(stem.size() - 5);
    if (isSha256Hex(stem) && "sha256:" + stem != cf->digest) {
      throw DigestMismatch(configPath + ": content is " + cf->digest + " (corrupt archive)");
    }
    bj::array layerDescs;
    const auto* layers = o.if_contains("Layers");
    if (!layers || !layers->is_array()) throw std::runtime_error("manifest.json: no Layers");
    for (const auto& lp : layers->get_array()) {
      std::string layerPath = cleanPath(lp.is_string() ? std::string(lp.get_string()) : "");
      const ArchiveFile* lf = reader_.find(layerPath);
      if (!lf) throw std::runtime_error("layer " + layerPath + " not in archive");
      std::string head =
          lf->content ? lf->content->substr(0, 4) : readHead(store_.blobPath(lf->digest), 4);
      storeBlob(lf->digest, layerPath, nullptr);
      layerDescs.push_back(bj::object{
          {"mediaType", layerMediaType(head)}, {"digest", lf->digest}, {"size", lf->size}});
    }
    storeBlob(cf->digest, configPath, nullptr);
    // The manifest docker would have pushed, in OCI terms; deterministic, so a re-import of the
    // same archive gives the same manifest digest.
    std::string manifest = bj::serialize(bj::object{
        {"schemaVersion", 2},
        {"mediaType", kOciManifest},
        {"config",
         bj::object{{"mediaType", kOciConfig}, {"digest", cf->digest}, {"size", cf->size}}},
        {"layers", std::move(layerDescs)},
    });
    bool created = false;
    std::string manifestDigest = store_.putBlob(manifest, "", &created);
    if (created) createdBlobs_.push_back(manifestDigest);
    std::vector<std::string> names;
    if (const auto* tags = o.if_contains("RepoTags"); tags && tags->is_array()) {
      for (const auto& t : tags->get_array()) {
        if (t.is_string()) names.emplace_back(t.get_string());
      }
    }
    addImage(manifestDigest, names);
  }
}

}  // namespace

ImportResult importArchive(const ImageStore& store, const std::string& archivePath) {
  ImportResult result;
  std::vector<std::string> createdBlobs, createdLayers;
  try {
    auto guard = store.importGuard();
    Importer importer(store, result);
    try {
      importer.run(archivePath);
    } catch (...) {
      createdBlobs = importer.createdBlobs_;
      createdLayers = importer.createdLayers_;
      throw;
    }
    createdBlobs = importer.createdBlobs_;
    createdLayers = importer.createdLayers_;
  } catch (const std::exception& e) {
    // The guard is released: discarding waits for other importers to commit what they share.
    try {
      store.discardUnreferenced(createdBlobs, createdLayers);
    } catch (...) {
    }
    throw ImportError(archivePath + ": " + e.what());
  }
  // What this import wrote but no image uses (another platform's blobs, a second manifest of an
  // image already there) goes now rather than at the next garbage collection.
  store.discardUnreferenced(createdBlobs, createdLayers);
  return result;
}

}  // namespace cube::runtime::images
