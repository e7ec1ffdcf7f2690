#include "runtime/images/image_reference.h"

#include <gtest/gtest.h>

namespace cube::runtime::images {
namespace {

TEST(ImageReference, NormalisesAsKubernetesDoes) {
  EXPECT_EQ(normalizeReference("busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(normalizeReference("nginx:1.27"), "docker.io/library/nginx:1.27");
  EXPECT_EQ(normalizeReference("foo/bar"), "docker.io/foo/bar:latest");
  EXPECT_EQ(normalizeReference("docker.io/busybox"), "docker.io/library/busybox:latest");
  EXPECT_EQ(normalizeReference("index.docker.io/library/busybox:1"), "docker.io/library/busybox:1");
  EXPECT_EQ(normalizeReference("localhost:5000/x:1"), "localhost:5000/x:1");
  EXPECT_EQ(normalizeReference("localhost/x"), "localhost/x:latest");
  EXPECT_EQ(normalizeReference("registry.k8s.io/pause:3.10"), "registry.k8s.io/pause:3.10");
  EXPECT_EQ(normalizeReference("quay.io/a/b/c:v1.2-rc_3"), "quay.io/a/b/c:v1.2-rc_3");
  EXPECT_EQ(normalizeReference("a.b.c:443/x/y"), "a.b.c:443/x/y:latest");
  EXPECT_EQ(normalizeReference("my_repo/some-name__x.y"),
            "docker.io/my_repo/some-name__x.y:latest");
}

TEST(ImageReference, Digests) {
  std::string d = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(normalizeReference("x@" + d), "docker.io/library/x@" + d);
  EXPECT_EQ(normalizeReference("x:1@" + d), "docker.io/library/x:1@" + d);
  auto r = parseReference("localhost:5000/x@" + d);
  EXPECT_EQ(r.domain, "localhost:5000");
  EXPECT_EQ(r.path, "x");
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.digest, d);
  EXPECT_EQ(parseReference("busybox:1").withDigest(d), "docker.io/library/busybox@" + d);
}

TEST(ImageReference, Parts) {
  auto r = parseReference("busybox");
  EXPECT_EQ(r.domain, "docker.io");
  EXPECT_EQ(r.path, "library/busybox");
  EXPECT_EQ(r.tag, "latest");
  EXPECT_EQ(r.repository(), "docker.io/library/busybox");
}

void expectInvalid(const std::string& ref, const std::string& why) {
  try {
    parseReference(ref);
    ADD_FAILURE() << ref << " parsed";
  } catch (const InvalidReference& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("invalid image reference \"" + ref + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find(why), std::string::npos) << msg;
  }
}

TEST(ImageReference, RejectsInvalidWithAClearMessage) {
  expectInvalid("", "empty");
  expectInvalid("Busybox", "lowercase");
  expectInvalid("docker.io/Foo/bar", "lowercase");
  expectInvalid("busybox:", "tag");
  expectInvalid("busybox:-x", "tag");
  expectInvalid("busybox:" + std::string(129, 'a'), "tag");
  expectInvalid("busybox@sha256:abc", "digest");
  expectInvalid("busybox@md5:" + std::string(32, 'a'), "digest");
  expectInvalid("a//b", "component");
  expectInvalid("a/b/", "component");
  expectInvalid("-a", "component");
  expectInvalid("a..b", "component");
  expectInvalid("a___b", "component");
  expectInvalid(":tag", "no repository");
  expectInvalid("localhost:5000/", "no repository");
  expectInvalid("bad_host.io:x/y", "registry host");
  expectInvalid("-bad.io/y", "registry host");
  expectInvalid(std::string(64, 'a'), "image ID");
  expectInvalid("a b", "component");
  expectInvalid("x/" + std::string(250, 'a'), "255");
}

}  // namespace
}  // namespace cube::runtime::images
