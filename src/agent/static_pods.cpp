#include "agent/static_pods.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "common/yaml.h"
#include "runtime/images/digest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace cube::agent {

namespace bj = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSource = "kubernetes.io/config.source";
constexpr const char* kHash = "kubernetes.io/config.hash";
constexpr const char* kMirror = "kubernetes.io/config.mirror";
constexpr const char* kSeen = "kubernetes.io/config.seen";

const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};

std::string annotation(const bj::object& pod, const char* key) {
  const auto* meta = json::getObject(pod, "metadata");
  const auto* notes = meta ? json::getObject(*meta, "annotations") : nullptr;
  return notes ? json::getString(*notes, key) : "";
}

bool terminating(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta && meta->contains("deletionTimestamp");
}

}  // namespace

bj::object mirrorPodOf(const std::string& text, const std::string& nodeName,
                       const std::string& nodeUid) {
  bj::value parsed;
  try {
    parsed = yamlToJson(text);
  } catch (const ApiError& e) {
    throw std::invalid_argument(e.message());
  }
  if (!parsed.is_object()) throw std::invalid_argument("the manifest is not an object");
  bj::object pod = parsed.as_object();
  if (json::getString(pod, "kind") != "Pod" || json::getString(pod, "apiVersion") != "v1") {
    throw std::invalid_argument("the manifest is not a v1 Pod (kind \"" +
                                json::getString(pod, "kind") + "\")");
  }
  auto& meta = pod["metadata"];
  if (!meta.is_object()) meta = bj::object{};
  auto& m = meta.as_object();
  std::string name = json::getString(m, "name");
  if (name.empty()) throw std::invalid_argument("the manifest's pod has no metadata.name");
  if (json::getString(m, "namespace").empty()) m["namespace"] = "default";
  // The name carries the node's, so that static pods of many nodes do not collide.
  m["name"] = name + "-" + nodeName;
  m.erase("uid");
  m.erase("resourceVersion");
  m.erase("generateName");
  std::string hash =
      runtime::images::digestHex(runtime::images::sha256Digest(nodeName + "\n" + text))
          .substr(0, 32);
  auto& notes = m["annotations"];
  if (!notes.is_object()) notes = bj::object{};
  auto& n = notes.as_object();
  n[kSource] = "file";
  n[kHash] = hash;
  n[kMirror] = hash;
  n[kSeen] = formatRfc3339(std::chrono::system_clock::now());
  if (!nodeUid.empty()) {
    m["ownerReferences"] = bj::array{bj::object{{"apiVersion", "v1"},
                                                {"kind", "Node"},
                                                {"name", nodeName},
                                                {"uid", nodeUid},
                                                {"controller", true}}};
  }
  auto& spec = pod["spec"];
  if (!spec.is_object()) throw std::invalid_argument("the manifest's pod has no spec");
  spec.as_object()["nodeName"] = nodeName;
  pod.erase("status");
  return pod;
}

std::vector<StaticPodManifest> readStaticPodManifests(const std::string& dir,
                                                      const std::string& nodeName,
                                                      const std::string& nodeUid) {
  std::vector<StaticPodManifest> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.empty() || file[0] == '.' || !entry.is_regular_file(ec)) continue;
    StaticPodManifest manifest{entry.path().string(), std::nullopt, ""};
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    try {
      manifest.mirror = mirrorPodOf(text.str(), nodeName, nodeUid);
    } catch (const std::exception& e) {
      manifest.error = e.what();
    }
    out.push_back(std::move(manifest));
  }
  std::sort(out.begin(), out.end(),
            [](const StaticPodManifest& a, const StaticPodManifest& b) { return a.file < b.file; });
  return out;
}

StaticPodSource::StaticPodSource(StaticPodOptions options, ExecutorPtr executor,
                                 client::ApiClientPtr client,
                                 std::function<std::vector<client::ObjectPtr>()> nodePods)
    : options_(std::move(options)),
      executor_(std::move(executor)),
      client_(std::move(client)),
      nodePods_(std::move(nodePods)) {}

void StaticPodSource::start() {
  executor_->post([self = shared_from_this()] { self->loop(); });
}

void StaticPodSource::stop() {
  stopping_ = true;
}

void StaticPodSource::loop() {
  if (stopping_) return;
  try {
    sync();
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "static pods: " << e.what();
  }
  std::weak_ptr<StaticPodSource> weak = weak_from_this();
  executor_->postAfter(options_.checkInterval, [weak] {
    if (auto self = weak.lock()) self->loop();
  });
}

std::string StaticPodSource::nodeUid() {
  if (nodeUid_.empty()) {
    try {
      auto node = client_->get(kNodes, "", options_.nodeName);
      nodeUid_ = json::getString(*json::getObject(node, "metadata"), "uid");
    } catch (const ApiError&) {
      // Not registered yet: mirrors wait for the Node (they are owned by it).
    }
  }
  return nodeUid_;
}

void StaticPodSource::sync() {
  const std::string uid = nodeUid();
  if (uid.empty()) return;
  auto manifests = readStaticPodManifests(options_.manifestPath, options_.nodeName, uid);

  // The mirrors in the API, by namespace/name.
  std::map<std::string, client::ObjectPtr> mirrors;
  for (const auto& pod : nodePods_()) {
    if (annotation(*pod, kMirror).empty()) continue;
    const auto& meta = *json::getObject(*pod, "metadata");
    mirrors[json::getString(meta, "namespace") + "/" + json::getString(meta, "name")] = pod;
  }
  std::set<std::string> wanted;
  for (const auto& manifest : manifests) {
    if (!manifest.mirror) {
      if (told_[manifest.file] != manifest.error) {
        CUBE_LOG(Warn) << "static pods: " << manifest.file << ": " << manifest.error;
        told_[manifest.file] = manifest.error;
      }
      continue;
    }
    const auto& meta = *json::getObject(*manifest.mirror, "metadata");
    const std::string ns = json::getString(meta, "namespace");
    const std::string name = json::getString(meta, "name");
    const std::string key = ns + "/" + name;
    if (!wanted.insert(key).second) continue;  // two files, one pod: the first wins
    auto it = mirrors.find(key);
    if (it != mirrors.end()) {
      const auto& existing = *it->second;
      if (annotation(existing, kMirror) == annotation(*manifest.mirror, kMirror) ||
          terminating(existing)) {
        continue;  // current, or the old one is still stopping: created once it is gone
      }
      CUBE_LOG(Info) << "static pods: " << manifest.file << " changed: replacing " << key;
      client::DeleteOptions options;
      options.preconditionUid = json::getString(*json::getObject(existing, "metadata"), "uid");
      try {
        client_->remove(kPods, ns, name, options);
      } catch (const ApiError& e) {
        if (e.code() != 404 && e.code() != 409) throw;
      }
      continue;
    }
    try {
      client_->create(kPods, ns, *manifest.mirror);
      CUBE_LOG(Info) << "static pods: created mirror pod " << key << " of " << manifest.file;
      told_.erase(manifest.file);
    } catch (const ApiError& e) {
      if (e.code() == 409) continue;  // our informer has not seen it yet
      if (told_[manifest.file] != e.message()) {
        CUBE_LOG(Warn) << "static pods: " << manifest.file << ": " << e.message();
        told_[manifest.file] = e.message();
      }
    }
  }
  // Mirrors of files that are gone (only those of the file source: other sources may come).
  for (const auto& [key, pod] : mirrors) {
    if (wanted.count(key) || terminating(*pod) || annotation(*pod, kSource) != "file") continue;
    const auto& meta = *json::getObject(*pod, "metadata");
    CUBE_LOG(Info) << "static pods: manifest of " << key << " removed: deleting it";
    client::DeleteOptions options;
    options.preconditionUid = json::getString(meta, "uid");
    try {
      client_->remove(kPods, json::getString(meta, "namespace"), json::getString(meta, "name"),
                      options);
    } catch (const ApiError& e) {
      if (e.code() != 404 && e.code() != 409) throw;
    }
  }
}

}  // namespace cube::agent
