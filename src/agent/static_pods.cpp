#include "agent/static_pods.h"

#include "agent/node_agent.h"
#include "common/api_error.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "common/log.h"
#include "common/yaml.h"
#include "runtime/images/digest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cube::agent {

namespace bj = boost::json;
namespace fs = std::filesystem;

namespace {

const client::Resource kPods{"", "v1", "pods", true};
constexpr std::chrono::milliseconds kMirrorRecreateDelay{1000};

std::string annotation(const bj::object& pod, const char* key) {
  const auto* meta = json::getObject(pod, "metadata");
  const auto* notes = meta ? json::getObject(*meta, "annotations") : nullptr;
  return notes ? json::getString(*notes, key) : "";
}

std::string metaString(const bj::object& pod, const char* key) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta ? json::getString(*meta, key) : "";
}

std::string keyOf(const bj::object& pod) {
  return metaString(pod, "namespace") + "/" + metaString(pod, "name");
}

bool terminating(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta && meta->contains("deletionTimestamp");
}

}  // namespace

bool isMirrorPod(const bj::object& pod) {
  return !annotation(pod, kConfigMirrorAnnotation).empty();
}

bool isStaticPod(const bj::object& pod) {
  std::string source = annotation(pod, kConfigSourceAnnotation);
  return !source.empty() && source != "api" && !isMirrorPod(pod);
}

std::string mirrorHashOf(const bj::object& pod) {
  return annotation(pod, kConfigMirrorAnnotation);
}

bj::object staticPodOf(const std::string& text, const std::string& nodeName) {
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
  if (!pod["spec"].is_object()) throw std::invalid_argument("the manifest's pod has no spec");
  // The config hash is of the pod as parsed (comments and layout do not count) and of the node,
  // as the kubelet's: it becomes the uid, so an unchanged file keeps its pod across restarts.
  std::string hash = runtime::images::digestHex(
                         runtime::images::sha256Digest(nodeName + "\n" + json::serialize(parsed)))
                         .substr(0, 32);
  if (json::getString(m, "namespace").empty()) m["namespace"] = "default";
  // The name carries the node's, so that the mirrors of many nodes do not collide.
  m["name"] = name + "-" + nodeName;
  m["uid"] = hash;
  m.erase("resourceVersion");
  m.erase("generateName");
  auto& notes = m["annotations"];
  if (!notes.is_object()) notes = bj::object{};
  auto& n = notes.as_object();
  n.erase(kConfigMirrorAnnotation);
  n[kConfigSourceAnnotation] = "file";
  n[kConfigHashAnnotation] = hash;
  n[kConfigSeenAnnotation] = formatRfc3339(std::chrono::system_clock::now());
  pod["spec"].as_object()["nodeName"] = nodeName;
  pod.erase("status");
  return pod;
}

bj::object mirrorPodOf(const bj::object& staticPod, const std::string& nodeName,
                       const std::string& nodeUid) {
  bj::object pod = staticPod;
  pod.erase("status");
  auto& m = pod["metadata"].as_object();
  std::string hash = json::getString(m, "uid");
  m.erase("uid");
  json::ensureObject(m, "annotations")[kConfigMirrorAnnotation] = hash;
  if (!nodeUid.empty()) {
    m["ownerReferences"] = bj::array{bj::object{{"apiVersion", "v1"},
                                                {"kind", "Node"},
                                                {"name", nodeName},
                                                {"uid", nodeUid},
                                                {"controller", true}}};
  }
  return pod;
}

std::vector<StaticPodManifest> readStaticPodManifests(const std::string& dir,
                                                      const std::string& nodeName) {
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
      manifest.pod = staticPodOf(text.str(), nodeName);
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
                                 client::ApiClientPtr client, std::shared_ptr<NodeAgent> node,
                                 std::function<bool()> watchSynced)
    : options_(std::move(options)),
      executor_(std::move(executor)),
      client_(std::move(client)),
      node_(std::move(node)),
      watchSynced_(std::move(watchSynced)) {}

void StaticPodSource::start() {
  executor_->post([self = shared_from_this()] { self->loop(); });
}

void StaticPodSource::stop() {
  stopping_ = true;
}

void StaticPodSource::requestSync() {
  if (stopping_ || requested_.exchange(true)) return;
  std::weak_ptr<StaticPodSource> weak = weak_from_this();
  executor_->post([weak] {
    auto self = weak.lock();
    if (!self || self->stopping_) return;
    self->requested_ = false;
    self->sync();
  });
}

void StaticPodSource::loop() {
  if (stopping_) return;
  sync();
  bool waiting;
  {
    std::lock_guard lock(mutex_);
    waiting = !recreateAt_.empty() || std::any_of(slots_.begin(), slots_.end(), [](const auto& s) {
      return !s.second.replaced.empty();
    });
  }
  // A new version waiting for the old one's containers to stop, or a mirror to make again, is
  // looked at sooner.
  auto next = waiting ? std::min(options_.checkInterval, std::chrono::milliseconds(200))
                      : options_.checkInterval;
  std::weak_ptr<StaticPodSource> weak = weak_from_this();
  executor_->postAfter(next, [weak] {
    if (auto self = weak.lock()) self->loop();
  });
}

void StaticPodSource::tell(const std::string& key, const std::string& message) {
  if (told_[key] == message) return;
  told_[key] = message;
  CUBE_LOG(Warn) << "static pods: " << key << ": " << message;
}

void StaticPodSource::sync() {
  std::lock_guard lock(mutex_);
  try {
    syncFiles();
    synced_ = true;
    syncMirrors();
  } catch (const std::exception& e) {
    CUBE_LOG(Warn) << "static pods: " << e.what();
  }
}

void StaticPodSource::syncFiles() {
  auto node = node_.lock();
  if (!node) return;
  // The pods the files want, by namespace/name: for two files with one pod, the first wins.
  std::map<std::string, std::shared_ptr<const bj::object>> wanted;
  for (auto& manifest : readStaticPodManifests(options_.manifestPath, options_.nodeName)) {
    if (!manifest.pod) {
      tell(manifest.file, manifest.error);
      continue;
    }
    std::string key = keyOf(*manifest.pod);
    if (wanted.count(key)) {
      tell(manifest.file, "pod " + key + " comes from an earlier file already: ignored");
      continue;
    }
    told_.erase(manifest.file);
    auto slot = slots_.find(key);
    if (slot != slots_.end() &&
        metaString(*slot->second.pod, "uid") == metaString(*manifest.pod, "uid")) {
      wanted[key] = slot->second.pod;  // unchanged: the same object (config.seen stays)
    } else {
      wanted[key] = std::make_shared<const bj::object>(std::move(*manifest.pod));
    }
  }
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    CUBE_LOG(Info) << "static pods: the manifest of " << it->first << " is gone: stopping it";
    if (it->second.handed) node->podDeleted(it->second.pod);
    it = slots_.erase(it);
  }
  for (auto& [key, pod] : wanted) {
    Slot& slot = slots_[key];
    if (slot.pod && slot.pod != pod) {
      CUBE_LOG(Info) << "static pods: the manifest of " << key << " changed: replacing it";
      if (slot.handed) {
        node->podDeleted(slot.pod);
        slot.replaced = metaString(*slot.pod, "uid");
      }
      slot.handed = false;
    }
    slot.pod = pod;
    if (!slot.replaced.empty()) {
      if (node->runsPod(slot.replaced)) continue;  // its containers are still stopping
      slot.replaced.clear();
    }
    if (!slot.handed) {
      CUBE_LOG(Info) << "static pods: running " << key << " (uid " << metaString(*pod, "uid")
                     << ")";
      node->podChanged(pod);
      slot.handed = true;
    }
  }
}

void StaticPodSource::syncMirrors() {
  auto node = node_.lock();
  if (!node || !node->registered()) return;  // no API yet: the pods run all the same
  const std::string nodeUid = node->nodeUid();
  if (nodeUid.empty()) return;
  if (watchSynced_ && !watchSynced_()) return;  // every mirror looks missing before that
  std::set<std::string> current, busy, mirrorUids;
  for (const auto& mirror : node->mirrorPods()) {
    const std::string key = keyOf(*mirror);
    const std::string uid = metaString(*mirror, "uid");
    mirrorUids.insert(uid);
    auto slot = slots_.find(key);
    if (slot != slots_.end() && slot->second.handed && !terminating(*mirror) &&
        mirrorHashOf(*mirror) == metaString(*slot->second.pod, "uid")) {
      current.insert(key);
      continue;
    }
    // Deleted by someone, outdated, or of a file that is gone: nothing runs from a mirror, so
    // its deletion is confirmed at once. A new one is made once the pod watch has seen it go.
    busy.insert(key);
    if (deleted_.count(uid)) continue;  // asked already; the watch has not caught up
    CUBE_LOG(Info) << "static pods: deleting mirror pod " << key << " ("
                   << (terminating(*mirror)   ? "being deleted"
                       : slot == slots_.end() ? "its manifest is gone"
                                              : "outdated")
                   << ")";
    client::DeleteOptions options;
    options.gracePeriodSeconds = 0;
    options.preconditionUid = uid;
    // The new one comes a moment later: `kubectl delete` (waiting by default) lists the name
    // right after its DELETE, and would wait forever for a new mirror it found there.
    recreateAt_[key] = executor_->now() + kMirrorRecreateDelay;
    std::weak_ptr<StaticPodSource> weak = weak_from_this();
    executor_->postAfter(kMirrorRecreateDelay, [weak] {
      if (auto self = weak.lock()) self->requestSync();
    });
    try {
      client_->remove(kPods, metaString(*mirror, "namespace"), metaString(*mirror, "name"),
                      options);
      deleted_.insert(uid);
    } catch (const ApiError& e) {
      if (e.code() == 404 || e.code() == 409) {
        deleted_.insert(uid);  // gone already, or another pod by now
      } else {
        tell(key, e.message());
      }
    } catch (const std::exception& e) {
      tell(key, e.what());
    }
  }
  for (auto it = deleted_.begin(); it != deleted_.end();) {
    it = mirrorUids.count(*it) ? std::next(it) : deleted_.erase(it);
  }
  const auto now = executor_->now();
  for (auto it = recreateAt_.begin(); it != recreateAt_.end();) {
    it = it->second <= now ? recreateAt_.erase(it) : std::next(it);
  }
  for (const auto& [key, slot] : slots_) {
    if (!slot.handed || current.count(key) || busy.count(key) || recreateAt_.count(key)) continue;
    try {
      client_->create(kPods, metaString(*slot.pod, "namespace"),
                      mirrorPodOf(*slot.pod, options_.nodeName, nodeUid));
      CUBE_LOG(Info) << "static pods: created mirror pod " << key;
      told_.erase(key);
    } catch (const ApiError& e) {
      // 409: our watch has not seen it yet, or a pod of the API has that name.
      tell(key, e.code() == 409 ? "cannot create its mirror pod: " + e.message() : e.message());
    } catch (const std::exception& e) {
      tell(key, e.what());
    }
  }
}

}  // namespace cube::agent
