#include "runtime/images/image_store.h"

#include "runtime/images/archive_import.h"
#include "runtime/images/digest.h"
#include "runtime/images/image_reference.h"
#include "test_archives.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace cube::runtime::images {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

const std::string& images() {
  const std::string& dir = testing::testImagesDir();
  EXPECT_FALSE(dir.empty()) << "tests/images/build.sh failed";
  return dir;
}

TEST(ImageStore, BlobsAreVerifiedAndContentAddressed) {
  TempDir tmp;
  ImageStore store(tmp.path());
  bool created = false;
  std::string d = store.putBlob("hello", "", &created);
  EXPECT_TRUE(created);
  EXPECT_EQ(d, sha256Digest("hello"));
  EXPECT_EQ(store.readBlob(d), "hello");
  EXPECT_EQ(store.blobPath(d), tmp.path() + "/blobs/sha256/" + d.substr(7));
  store.putBlob("hello", d, &created);
  EXPECT_FALSE(created);
  EXPECT_THROW(store.putBlob("tampered", d), DigestMismatch);
  EXPECT_EQ(testing::countEntries(tmp / "blobs/sha256"), 1u);
  EXPECT_EQ(testing::countEntries(tmp / "tmp"), 0u);  // the rejected temp file is gone
  EXPECT_THROW(store.blobPath("sha256:xyz"), std::invalid_argument);
}

TEST(ImageStore, IndexIsPersistedAndFoundByReferenceOrId) {
  TempDir tmp;
  std::string id;
  {
    ImageStore store(tmp.path());
    auto result = importArchive(store, images() + "/busybox-oci.tar");
    ASSERT_EQ(result.images.size(), 1u);
    id = result.images[0].id;
  }
  ImageStore reopened(tmp.path());
  auto all = reopened.list();
  ASSERT_EQ(all.size(), 1u);
  const auto& r = all[0];
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.references, std::vector<std::string>{"docker.io/cube-test/busybox:1"});
  EXPECT_EQ(r.config.cmd, std::vector<std::string>{"sh"});
  ASSERT_EQ(r.config.env.size(), 1u);
  EXPECT_TRUE(r.config.env[0].starts_with("PATH="));
  EXPECT_EQ(r.layers.size(), 1u);
  EXPECT_TRUE(reopened.hasLayer(r.layers[0].diffId));
  EXPECT_TRUE(reopened.hasBlob(r.manifestDigest));
  EXPECT_EQ(r.statusImageId("cube-test/busybox:1"),
            "docker.io/cube-test/busybox@" + r.manifestDigest);

  EXPECT_EQ(reopened.find("cube-test/busybox:1")->id, id);
  EXPECT_EQ(reopened.find("docker.io/cube-test/busybox:1")->id, id);
  EXPECT_EQ(reopened.find(id)->id, id);
  EXPECT_EQ(reopened.find(id.substr(7, 12))->id, id);
  EXPECT_FALSE(reopened.find("cube-test/busybox:2"));
  EXPECT_FALSE(reopened.find("sha256:" + std::string(64, '0')));
  EXPECT_THROW(reopened.find("Not/Valid"), InvalidReference);
}

TEST(ImageStore, RemoveUntagsThenCollectsGarbage) {
  TempDir tmp;
  ImageStore store(tmp.path());
  importArchive(store, images() + "/busybox-docker.tar");  // tags 1 and latest
  importArchive(store, images() + "/http-echo-oci.tar");   // shares the busybox layer
  ASSERT_EQ(store.list().size(), 2u);
  size_t blobs = testing::countEntries(tmp / "blobs/sha256");
  EXPECT_EQ(testing::countEntries(tmp / "layers/sha256"), 2u);

  // One of two tags: the image stays.
  auto r1 = store.remove({"cube-test/busybox:latest"});
  EXPECT_EQ(r1.untagged, std::vector<std::string>{"docker.io/cube-test/busybox:latest"});
  EXPECT_TRUE(r1.deleted.empty());
  EXPECT_EQ(testing::countEntries(tmp / "blobs/sha256"), blobs);

  // http-echo: its www layer goes, the shared busybox layer stays.
  auto echo = *store.find("cube-test/http-echo:1");
  auto r2 = store.remove({"cube-test/http-echo:1"});
  EXPECT_EQ(r2.deleted, std::vector<std::string>{echo.id});
  EXPECT_EQ(r2.gc.layersRemoved, 1u);
  EXPECT_GT(r2.gc.blobsRemoved, 0u);
  EXPECT_FALSE(store.hasLayer(echo.layers[1].diffId));
  EXPECT_TRUE(store.hasLayer(echo.layers[0].diffId));
  EXPECT_LT(testing::countEntries(tmp / "blobs/sha256"), blobs);

  // An unknown name removes nothing.
  EXPECT_THROW(store.remove({"cube-test/busybox:1", "nope:1"}), ImageNotFound);
  EXPECT_EQ(store.list().size(), 1u);

  // By ID, keeping a layer a container still uses.
  auto bb = *store.find("cube-test/busybox:1");
  auto r3 = store.remove({bb.id.substr(7, 13)}, {bb.layers[0].diffId});
  EXPECT_EQ(r3.deleted, std::vector<std::string>{bb.id});
  EXPECT_TRUE(store.hasLayer(bb.layers[0].diffId));
  EXPECT_EQ(testing::countEntries(tmp / "blobs/sha256"), 0u);
  auto gc = store.garbageCollect();
  EXPECT_EQ(gc.layersRemoved, 1u);
  EXPECT_EQ(testing::countEntries(tmp / "layers/sha256"), 0u);
  EXPECT_TRUE(store.list().empty());
}

TEST(ImageStore, ConcurrentImportsFromThreadsAndAnotherProcess) {
  TempDir tmp;
  const std::string files[] = {"busybox-oci.tar", "busybox-docker.tar", "http-echo-oci.tar",
                               "all-oci.tar"};
  if (::geteuid() != 0) GTEST_SKIP() << "all-oci.tar has whiteouts: needs root";
  ImageStore store(tmp.path());
  ASSERT_FALSE(images().empty());  // built before the fork, once
  // A second process imports at the same time as four threads of this one.
  pid_t child = ::fork();
  if (child == 0) {
    int rc = 0;
    try {
      ImageStore other(tmp.path());
      for (int i = 0; i < 3; ++i) importArchive(other, images() + "/" + files[i % 4]);
    } catch (...) {
      rc = 1;
    }
    ::_exit(rc);
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 2; ++i) importArchive(store, images() + "/" + files[(t + i) % 4]);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(failures.load(), 0);

  std::set<std::string> refs;
  for (const auto& r : store.list()) {
    for (const auto& l : r.layers) {
      EXPECT_TRUE(store.hasLayer(l.diffId));
      EXPECT_TRUE(store.hasBlob(l.digest));
    }
    refs.insert(r.references.begin(), r.references.end());
  }
  EXPECT_EQ(refs, (std::set<std::string>{
                      "docker.io/cube-test/busybox:1", "docker.io/cube-test/busybox:latest",
                      "docker.io/cube-test/http-echo:1", "docker.io/cube-test/whiteout:1"}));
  EXPECT_EQ(testing::countEntries(tmp / "tmp"), 0u);
}

TEST(ImageStore, GarbageCollectionNeverTakesAnImportInFlight) {
  TempDir tmp;
  ImageStore store(tmp.path());
  ASSERT_FALSE(images().empty());
  std::atomic<bool> importing{true};
  std::atomic<int> failures{0};
  // Two importers share the busybox layer with what the remover keeps deleting.
  std::vector<std::thread> importers;
  for (const char* file : {"http-echo-oci.tar", "busybox-docker.tar"}) {
    importers.emplace_back([&, file] {
      for (int i = 0; i < 6; ++i) {
        try {
          importArchive(store, images() + "/" + file);
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  std::thread remover([&] {
    while (importing) {
      for (const char* ref : {"cube-test/busybox:1", "cube-test/http-echo:1"}) {
        try {
          store.remove({ref});
        } catch (const ImageNotFound&) {
        }
      }
      store.garbageCollect();
    }
  });
  for (auto& t : importers) t.join();
  importing = false;
  remover.join();
  EXPECT_EQ(failures.load(), 0);
  // Whatever the index names is complete.
  for (const auto& r : store.list()) {
    EXPECT_TRUE(store.hasBlob(r.id));
    EXPECT_TRUE(store.hasBlob(r.manifestDigest));
    for (const auto& l : r.layers) {
      EXPECT_TRUE(store.hasBlob(l.digest)) << l.digest;
      EXPECT_TRUE(store.hasLayer(l.diffId)) << l.diffId;
    }
  }
  EXPECT_EQ(testing::countEntries(tmp / "tmp"), 0u);
}

}  // namespace
}  // namespace cube::runtime::images
