#include "runtime/images/archive_import.h"

#include "runtime/images/digest.h"
#include "test_archives.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <boost/json.hpp>

#include <filesystem>

namespace cube::runtime::images {
namespace {

using testing::TarBuilder;
using testing::TempDir;
namespace fs = std::filesystem;
namespace bj = boost::json;

const std::string& images() {
  const std::string& dir = testing::testImagesDir();
  EXPECT_FALSE(dir.empty()) << "tests/images/build.sh failed";
  return dir;
}

std::string errorOf(const ImageStore& store, const std::string& path) {
  try {
    importArchive(store, path);
  } catch (const ImportError& e) {
    return e.what();
  }
  return "(imported)";
}

TEST(ArchiveImport, OciLayoutWithGzipLayer) {
  TempDir tmp;
  ImageStore store(tmp.path());
  auto result = importArchive(store, images() + "/busybox-oci.tar");
  ASSERT_EQ(result.images.size(), 1u);
  EXPECT_EQ(result.layersUnpacked, 1u);
  EXPECT_GT(result.unpackedBytes, 1000000u);
  auto r = *store.find("cube-test/busybox:1");
  std::string root = store.layerPath(r.layers[0].diffId);
  EXPECT_EQ(fs::read_symlink(root + "/bin/sh"), "/bin/busybox");
  EXPECT_TRUE(fs::is_regular_file(root + "/bin/busybox"));
  struct stat st;
  ASSERT_EQ(::stat((root + "/tmp").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
  // Idempotent: nothing new the second time.
  auto again = importArchive(store, images() + "/busybox-oci.tar");
  EXPECT_EQ(again.layersUnpacked, 0u);
  EXPECT_EQ(store.list().size(), 1u);
}

TEST(ArchiveImport, DockerSaveWithSeveralTagsIsTheSameImage) {
  TempDir tmp;
  ImageStore store(tmp.path());
  auto docker = importArchive(store, images() + "/busybox-docker.tar");
  auto oci = importArchive(store, images() + "/busybox-oci.tar");
  ASSERT_EQ(docker.images.size(), 1u);
  EXPECT_EQ(docker.images[0].id, oci.images[0].id);  // same config, other compression
  EXPECT_EQ(oci.layersUnpacked, 0u);                 // the same diffID: unpacked once
  auto all = store.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].references, (std::vector<std::string>{"docker.io/cube-test/busybox:1",
                                                         "docker.io/cube-test/busybox:latest"}));
  // The first import's manifest stays: the one synthesised from docker save, stored as a blob.
  auto manifest = bj::parse(store.readBlob(all[0].manifestDigest)).as_object();
  EXPECT_EQ(manifest.at("config").at("digest").as_string(), all[0].id);
  EXPECT_EQ(manifest.at("layers").at(0).at("mediaType").as_string(),
            "application/vnd.oci.image.layer.v1.tar");
  // The OCI import's own manifest and gzip layer were not kept: manifest, config, layer.
  EXPECT_EQ(testing::countEntries(tmp / "blobs/sha256"), 3u);
  // Re-imports change nothing.
  std::string index = testing::readWhole(tmp / "images.json");
  importArchive(store, images() + "/busybox-docker.tar");
  importArchive(store, images() + "/busybox-oci.tar");
  EXPECT_EQ(testing::readWhole(tmp / "images.json"), index);
  EXPECT_EQ(testing::countEntries(tmp / "blobs/sha256"), 3u);
}

TEST(ArchiveImport, SeveralImagesAndTheirConfig) {
  if (::geteuid() != 0) GTEST_SKIP() << "the whiteout image needs root";
  TempDir tmp;
  ImageStore store(tmp.path());
  auto result = importArchive(store, images() + "/all-oci.tar");
  EXPECT_EQ(result.images.size(), 3u);
  EXPECT_EQ(result.layersUnpacked, 4u);  // busybox, www, whiteout 1 and 2
  auto echo = *store.find("cube-test/http-echo:1");
  EXPECT_EQ(echo.config.entrypoint,
            (std::vector<std::string>{"httpd", "-f", "-v", "-p", "8080", "-h", "/www"}));
  EXPECT_EQ(echo.config.exposedPorts, std::vector<std::string>{"8080/tcp"});
  EXPECT_EQ(echo.config.workingDir, "/www");
  EXPECT_EQ(echo.config.os, "linux");
  EXPECT_EQ(echo.config.architecture, "amd64");
  ASSERT_EQ(echo.layers.size(), 2u);
  EXPECT_EQ(echo.layers[0].diffId, store.find("cube-test/busybox:1")->layers[0].diffId);
  struct stat st;
  std::string cgi = store.layerPath(echo.layers[1].diffId) + "/www/cgi-bin/index.cgi";
  ASSERT_EQ(::stat(cgi.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);

  // The zstd whiteout layer, in overlayfs form.
  auto wo = *store.find("cube-test/whiteout:1");
  std::string upper = store.layerPath(wo.layers[1].diffId);
  ASSERT_EQ(::lstat((upper + "/etc/removed").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  char v[4] = {};
  EXPECT_EQ(::getxattr((upper + "/data/old").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 1);
  EXPECT_TRUE(fs::exists(store.layerPath(wo.layers[0].diffId) + "/etc/removed"));
}

// An OCI layout written by the test, with `mutate` applied to its parts first.
struct Layout {
  std::string layer = TarBuilder().file("hello", "world").bytes("gzip");
  std::string diffId = sha256Digest(TarBuilder().file("hello", "world").bytes());
  std::string config;
  std::string manifest;
  std::string index;
  std::string layerPathOverride;
  void build(const std::string& name = "example.com/t:1") {
    config = bj::serialize(
        bj::object{{"architecture", "amd64"},
                   {"os", "linux"},
                   {"config", bj::object{{"Cmd", bj::array{"x"}}}},
                   {"rootfs", bj::object{{"type", "layers"}, {"diff_ids", bj::array{diffId}}}}});
    manifest = bj::serialize(bj::object{
        {"schemaVersion", 2},
        {"config", bj::object{{"digest", sha256Digest(config)}, {"size", config.size()}}},
        {"layers",
         bj::array{bj::object{{"digest", sha256Digest(layer)}, {"size", layer.size()}}}}});
    index = bj::serialize(bj::object{
        {"schemaVersion", 2},
        {"manifests",
         bj::array{bj::object{
             {"digest", sha256Digest(manifest)},
             {"size", manifest.size()},
             {"annotations", bj::object{{"org.opencontainers.image.ref.name", name}}}}}}});
  }
  std::string tar(const std::string& layerBytes) {
    return TarBuilder()
        .file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
        .file("index.json", index)
        .file("blobs/sha256/" + sha256Digest(manifest).substr(7), manifest)
        .file("blobs/sha256/" + sha256Digest(config).substr(7), config)
        .file("blobs/sha256/" + sha256Digest(layer).substr(7), layerBytes)
        .bytes();
  }
};

TEST(ArchiveImport, CorruptArchivesFailClearlyAndLeaveTheStoreIntact) {
  TempDir tmp;
  ImageStore store(tmp.path());
  importArchive(store, images() + "/busybox-oci.tar");
  auto before = store.list();
  std::string index = testing::readWhole(tmp / "images.json");
  size_t blobs = testing::countEntries(tmp / "blobs/sha256");
  auto unchanged = [&] {
    EXPECT_EQ(testing::readWhole(tmp / "images.json"), index);
    EXPECT_EQ(testing::countEntries(tmp / "blobs/sha256"), blobs);
    EXPECT_EQ(testing::countEntries(tmp / "layers/sha256"), 1u);
    EXPECT_EQ(testing::countEntries(tmp / "tmp"), 0u);
  };

  // Truncated in the middle of the big layer.
  std::string whole = testing::readWhole(images() + "/http-echo-oci.tar");
  testing::writeFile(tmp / "truncated.tar", whole.substr(0, whole.size() / 2));
  EXPECT_NE(errorOf(store, tmp / "truncated.tar").find("runcated"), std::string::npos)
      << errorOf(store, tmp / "truncated.tar");
  unchanged();

  // A blob whose content is not its name.
  Layout l;
  l.build();
  testing::writeFile(tmp / "tampered.tar",
                     l.tar(TarBuilder().file("hello", "WORLD").bytes("gzip")));
  std::string err = errorOf(store, tmp / "tampered.tar");
  EXPECT_NE(err.find("tampered.tar"), std::string::npos) << err;
  EXPECT_NE(err.find("corrupt archive"), std::string::npos) << err;
  unchanged();

  // A config whose diff_ids do not match the layer.
  Layout wrong;
  wrong.diffId = "sha256:" + std::string(64, '1');
  wrong.build();
  testing::writeFile(tmp / "diffid.tar", wrong.tar(wrong.layer));
  err = errorOf(store, tmp / "diffid.tar");
  EXPECT_NE(err.find("the image config says"), std::string::npos) << err;
  unchanged();

  // Neither format; an invalid name.
  testing::writeFile(tmp / "other.tar", TarBuilder().file("x", "y").bytes());
  EXPECT_NE(errorOf(store, tmp / "other.tar").find("neither"), std::string::npos);
  Layout badName;
  badName.build("Bad Name");
  testing::writeFile(tmp / "badname.tar", badName.tar(badName.layer));
  EXPECT_NE(errorOf(store, tmp / "badname.tar").find("invalid image reference"), std::string::npos);
  unchanged();
  EXPECT_EQ(store.list().size(), before.size());

  // The good one of the same shape imports.
  testing::writeFile(tmp / "good.tar", l.tar(l.layer));
  EXPECT_EQ(errorOf(store, tmp / "good.tar"), "(imported)");
  EXPECT_EQ(store.find("example.com/t:1")->config.cmd, std::vector<std::string>{"x"});
}

TEST(ArchiveImport, DockerSaveWithBlobPathsAndGzipLayer) {
  // Docker 25+ names layers and configs blobs/sha256/<hex> in manifest.json.
  TempDir tmp;
  ImageStore store(tmp.path());
  Layout l;
  l.build();
  std::string manifestJson = bj::serialize(bj::array{
      bj::object{{"Config", "blobs/sha256/" + sha256Digest(l.config).substr(7)},
                 {"RepoTags", bj::array{"example.com/d:1", "example.com/d:2"}},
                 {"Layers", bj::array{"blobs/sha256/" + sha256Digest(l.layer).substr(7)}}}});
  testing::writeFile(tmp / "d.tar",
                     TarBuilder()
                         .file("manifest.json", manifestJson)
                         .file("blobs/sha256/" + sha256Digest(l.config).substr(7), l.config)
                         .file("blobs/sha256/" + sha256Digest(l.layer).substr(7), l.layer)
                         .bytes());
  auto result = importArchive(store, tmp / "d.tar");
  ASSERT_EQ(result.images.size(), 1u);
  EXPECT_EQ(result.images[0].references,
            (std::vector<std::string>{"example.com/d:1", "example.com/d:2"}));
  auto r = *store.find("example.com/d:2");
  EXPECT_EQ(r.id, sha256Digest(l.config));
  auto manifest = bj::parse(store.readBlob(r.manifestDigest)).as_object();
  EXPECT_EQ(manifest.at("layers").at(0).at("mediaType").as_string(),
            "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_EQ(testing::readWhole(store.layerPath(l.diffId) + "/hello"), "world");
}

TEST(ArchiveImport, NestedIndexPicksLinuxAmd64) {
  TempDir tmp;
  ImageStore store(tmp.path());
  Layout l;
  l.build();
  std::string armManifest = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}";
  std::string nested = bj::serialize(bj::object{
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.index.v1+json"},
      {"manifests",
       bj::array{
           bj::object{{"digest", sha256Digest(armManifest)},
                      {"platform", bj::object{{"os", "linux"}, {"architecture", "arm64"}}}},
           bj::object{{"digest", sha256Digest(l.manifest)},
                      {"platform", bj::object{{"os", "linux"}, {"architecture", "amd64"}}}}}}});
  std::string index = bj::serialize(bj::object{
      {"schemaVersion", 2},
      {"manifests", bj::array{bj::object{
                        {"digest", sha256Digest(nested)},
                        {"annotations", bj::object{{"io.containerd.image.name", "multi:2"}}}}}}});
  testing::writeFile(tmp / "multi.tar",
                     TarBuilder()
                         .file("oci-layout", "{}")
                         .file("index.json", index)
                         .file("blobs/sha256/" + sha256Digest(nested).substr(7), nested)
                         .file("blobs/sha256/" + sha256Digest(armManifest).substr(7), armManifest)
                         .file("blobs/sha256/" + sha256Digest(l.manifest).substr(7), l.manifest)
                         .file("blobs/sha256/" + sha256Digest(l.config).substr(7), l.config)
                         .file("blobs/sha256/" + sha256Digest(l.layer).substr(7), l.layer)
                         .bytes("gzip"));  // the archive itself compressed
  auto result = importArchive(store, tmp / "multi.tar");
  ASSERT_EQ(result.images.size(), 1u);
  EXPECT_EQ(result.images[0].references, std::vector<std::string>{"docker.io/library/multi:2"});
  EXPECT_EQ(store.find("multi:2")->manifestDigest, sha256Digest(l.manifest));
}

TEST(ArchiveImport, ImagesDirectoryImportsEachArchiveOnce) {
  TempDir tmp;
  ImageStore store(tmp / "store");
  std::string drop = tmp / "images";
  EXPECT_TRUE(importImagesDirectory(store, drop).imported.empty());  // missing: nothing
  fs::create_directories(drop);
  fs::copy_file(images() + "/busybox-oci.tar", drop + "/busybox.tar");
  testing::writeFile(drop + "/broken.tar.gz", "not an archive");
  testing::writeFile(drop + "/notes.txt", "ignored");
  auto first = importImagesDirectory(store, drop);
  EXPECT_EQ(first.imported, std::vector<std::string>{drop + "/busybox.tar"});
  ASSERT_EQ(first.errors.size(), 1u);
  EXPECT_NE(first.errors[0].find("broken.tar.gz"), std::string::npos);
  EXPECT_TRUE(store.find("cube-test/busybox:1"));

  // Already imported: skipped, even after the image was removed; a new archive is imported.
  store.remove({"cube-test/busybox:1"});
  fs::copy_file(images() + "/busybox-docker.tar", drop + "/docker.tar");
  auto second = importImagesDirectory(store, drop);
  EXPECT_EQ(second.skipped, std::vector<std::string>{drop + "/busybox.tar"});
  EXPECT_EQ(second.imported, std::vector<std::string>{drop + "/docker.tar"});
  EXPECT_EQ(second.errors.size(), 1u);  // the broken one is retried
  EXPECT_TRUE(store.find("cube-test/busybox:latest"));
}

}  // namespace
}  // namespace cube::runtime::images
