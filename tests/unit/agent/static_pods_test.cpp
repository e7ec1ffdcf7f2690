// StaticPodSource: manifests of --pod-manifest-path become mirror pods bound to the node, kept
// level-triggered (created, replaced when the file changes, recreated when deleted, deleted
// with their file).
#include "agent/static_pods.h"

#include "../client/fake_api_client.h"
#include "common/json_util.h"
#include "manual_executor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cube::agent {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
using client::testing::FakeApiClient;

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};

const char* kWebYaml = R"(apiVersion: v1
kind: Pod
metadata:
  name: static-web
  labels:
    role: myrole
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - name: web
      containerPort: 80
)";

std::string annotation(const bj::object& pod, const char* key) {
  return json::getString(*json::getObject(*json::getObject(pod, "metadata"), "annotations"), key);
}

TEST(MirrorPodOf, NamesBindsAndAnnotatesTheManifestsPod) {
  bj::object pod = mirrorPodOf(kWebYaml, "node-1", "uid-1");
  const auto& meta = *json::getObject(pod, "metadata");
  EXPECT_EQ(json::getString(meta, "name"), "static-web-node-1");
  EXPECT_EQ(json::getString(meta, "namespace"), "default");
  EXPECT_EQ(json::getString(*json::getObject(meta, "labels"), "role"), "myrole");
  EXPECT_EQ(annotation(pod, "kubernetes.io/config.source"), "file");
  EXPECT_EQ(annotation(pod, "kubernetes.io/config.hash").size(), 32u);
  EXPECT_EQ(annotation(pod, "kubernetes.io/config.mirror"),
            annotation(pod, "kubernetes.io/config.hash"));
  const auto& owner = meta.at("ownerReferences").as_array().at(0).as_object();
  EXPECT_EQ(json::getString(owner, "kind"), "Node");
  EXPECT_EQ(json::getString(owner, "name"), "node-1");
  EXPECT_EQ(json::getString(owner, "uid"), "uid-1");
  EXPECT_EQ(json::getString(*json::getObject(pod, "spec"), "nodeName"), "node-1");
  // Another node, or other text, gives another hash.
  EXPECT_NE(annotation(mirrorPodOf(kWebYaml, "node-2", "u"), "kubernetes.io/config.mirror"),
            annotation(pod, "kubernetes.io/config.mirror"));
}

TEST(MirrorPodOf, KeepsTheManifestsNamespaceAndReadsJson) {
  bj::object pod = mirrorPodOf(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"kube-system"},)"
      R"("spec":{"containers":[{"name":"c","image":"busybox"}]}})",
      "n", "");
  EXPECT_EQ(json::getString(*json::getObject(pod, "metadata"), "namespace"), "kube-system");
  EXPECT_FALSE(json::getObject(pod, "metadata")->contains("ownerReferences"));
}

TEST(MirrorPodOf, RefusesWhatIsNotAPod) {
  EXPECT_THROW(mirrorPodOf("a: [b", "n", ""), std::invalid_argument);
  EXPECT_THROW(
      mirrorPodOf("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n", "n", ""),
      std::invalid_argument);
  EXPECT_THROW(mirrorPodOf("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {}\n", "n", ""),
               std::invalid_argument);
  EXPECT_THROW(mirrorPodOf("- 1\n- 2\n", "n", ""), std::invalid_argument);
}

class StaticPodSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cube-static-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    client_ = std::make_shared<FakeApiClient>();
    client_->create(
        kNodes, "",
        bj::object{
            {"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", bj::object{{"name", "node-1"}}}});
    source_ = std::make_shared<StaticPodSource>(StaticPodOptions{dir_.string(), "node-1"},
                                                executor_, client_, [this] {
                                                  client::ListOptions options;
                                                  options.fieldSelector = "spec.nodeName=node-1";
                                                  return client_->list(kPods, "", options).items;
                                                });
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file) << text;
  }
  std::optional<bj::object> mirror(const std::string& name = "static-web-node-1") {
    return client_->stored(kPods, "default", name);
  }
  std::string uidOf(const bj::object& pod) {
    return json::getString(*json::getObject(pod, "metadata"), "uid");
  }

  fs::path dir_;
  std::shared_ptr<ManualExecutor> executor_ = std::make_shared<ManualExecutor>();
  std::shared_ptr<FakeApiClient> client_;
  std::shared_ptr<StaticPodSource> source_;
};

TEST_F(StaticPodSourceTest, CreatesOneMirrorPerManifestAndNothingMoreOnTheNextPass) {
  write("web.yaml", kWebYaml);
  write(".hidden.yaml", kWebYaml);
  source_->sync();
  auto pod = mirror();
  ASSERT_TRUE(pod);
  const auto& owner = json::getObject(*pod, "metadata")->at("ownerReferences").as_array();
  EXPECT_FALSE(json::getString(owner.at(0).as_object(), "uid").empty());
  client_->clearActions();
  source_->sync();
  for (const auto& action : client_->actions()) {
    EXPECT_TRUE(action.verb == "list" || action.verb == "get") << action.verb;
  }
}

TEST_F(StaticPodSourceTest, RecreatesADeletedMirror) {
  write("web.yaml", kWebYaml);
  source_->sync();
  std::string first = uidOf(*mirror());
  client_->remove(kPods, "default", "static-web-node-1", {});
  ASSERT_FALSE(mirror());
  source_->sync();
  ASSERT_TRUE(mirror());
  EXPECT_NE(uidOf(*mirror()), first);
}

TEST_F(StaticPodSourceTest, ReplacesTheMirrorWhenItsFileChanges) {
  write("web.yaml", kWebYaml);
  source_->sync();
  std::string oldHash = annotation(*mirror(), "kubernetes.io/config.mirror");
  write("web.yaml", std::string(kWebYaml) + "  restartPolicy: Never\n");
  source_->sync();  // deletes the old one (the fake client removes it at once)
  source_->sync();  // creates the new one
  ASSERT_TRUE(mirror());
  EXPECT_NE(annotation(*mirror(), "kubernetes.io/config.mirror"), oldHash);
  EXPECT_EQ(json::getString(*json::getObject(*mirror(), "spec"), "restartPolicy"), "Never");
}

TEST_F(StaticPodSourceTest, DeletesTheMirrorOfARemovedFileButNoOtherPod) {
  write("web.yaml", kWebYaml);
  source_->sync();
  client_->create(kPods, "default",
                  bj::object{{"apiVersion", "v1"},
                             {"kind", "Pod"},
                             {"metadata", bj::object{{"name", "ordinary"}}},
                             {"spec", bj::object{{"nodeName", "node-1"}}}});
  fs::remove(dir_ / "web.yaml");
  source_->sync();
  EXPECT_FALSE(mirror());
  EXPECT_TRUE(client_->stored(kPods, "default", "ordinary"));
}

TEST_F(StaticPodSourceTest, ABrokenManifestDoesNotStopTheOthers) {
  write("a-broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n");
  write("web.yaml", kWebYaml);
  source_->sync();
  EXPECT_TRUE(mirror());
}

TEST_F(StaticPodSourceTest, WaitsForTheNodeToBeRegistered) {
  client_->remove(kNodes, "", "node-1", {});
  write("web.yaml", kWebYaml);
  source_->sync();
  EXPECT_FALSE(mirror());
}

}  // namespace
}  // namespace cube::agent
