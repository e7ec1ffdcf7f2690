#pragma once
// StaticPodSource: the kubelet's file source (--pod-manifest-path, seed 001's
// /etc/kubernetes/manifests). Every file of the directory (names starting with "." are skipped)
// holds one Pod, in YAML or JSON, which the node runs FROM THE FILE: the static pod is named
// "<name>-<node>" (namespace "default" unless the manifest says), its uid is the config hash (of
// the node's name and the parsed manifest, so it is stable across agent restarts), with the
// kubelet's annotations kubernetes.io/config.source=file, config.hash and config.seen. It goes
// into the node's worker map like a pod of the API, whether or not the API server is reachable:
// a control plane's own pods start before there is an API server.
//
// The API only reflects it through a MIRROR pod: same name, namespace and spec, bound to the node,
// owned by the Node, with config.mirror = the hash. Its status is the static pod's (PodWorker
// writes it there). A mirror runs nothing (NodeAgent ignores it for running), so a deleted one is
// confirmed at once (grace 0) and created anew (a second later) without touching the containers;
// one whose hash is no longer the file's, or whose file is gone, is deleted the same way.
//
// Level-triggered, every `checkInterval` and when a mirror pod comes, goes or is being deleted:
// a new file starts its pod; a changed file stops the old pod, and starts the new one once the
// old one's containers are down (the same name often means the same host port); a removed file
// stops its pod. Then, when the node is registered, mirrors are created and deleted to match.

#include "agent/executor.h"
#include "client/api_client.h"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cube::agent {

class NodeAgent;

// The kubelet's annotations on the pods of its sources.
inline constexpr const char* kConfigSourceAnnotation = "kubernetes.io/config.source";
inline constexpr const char* kConfigHashAnnotation = "kubernetes.io/config.hash";
inline constexpr const char* kConfigMirrorAnnotation = "kubernetes.io/config.mirror";
inline constexpr const char* kConfigSeenAnnotation = "kubernetes.io/config.seen";

// A mirror pod: the API's copy of a static pod (config.mirror set). Nothing runs from it.
bool isMirrorPod(const boost::json::object& pod);
// A pod the node got from a file, not from the API (config.source set and not "api", and not
// a mirror). Its status goes to its mirror pod.
bool isStaticPod(const boost::json::object& pod);
// The config.mirror annotation: the uid of the static pod a mirror reflects ("" if none).
std::string mirrorHashOf(const boost::json::object& pod);

struct StaticPodOptions {
  std::string manifestPath;
  std::string nodeName;
  std::chrono::milliseconds checkInterval{2000};
};

// One manifest file read and turned into the static pod the node runs.
struct StaticPodManifest {
  std::string file;
  std::optional<boost::json::object> pod;  // nullopt: the file is not a valid Pod
  std::string error;                       // why not
};

// The static pod of one manifest's text (YAML or JSON). Throws std::invalid_argument with the
// reason when the text is not a Pod.
boost::json::object staticPodOf(const std::string& text, const std::string& nodeName);

// The mirror pod of a static pod, for the API: without uid and status, with config.mirror and,
// when `nodeUid` is not empty, owned by the Node.
boost::json::object mirrorPodOf(const boost::json::object& staticPod, const std::string& nodeName,
                                const std::string& nodeUid);

// Every manifest of `dir`, sorted by file name; a missing directory has none.
std::vector<StaticPodManifest> readStaticPodManifests(const std::string& dir,
                                                      const std::string& nodeName);

class StaticPodSource : public std::enable_shared_from_this<StaticPodSource> {
 public:
  // `node` runs the static pods and knows the mirror pods (from its pod watch); `watchSynced`
  // says whether that watch has listed them yet (null: always).
  StaticPodSource(StaticPodOptions options, ExecutorPtr executor, client::ApiClientPtr client,
                  std::shared_ptr<NodeAgent> node, std::function<bool()> watchSynced = nullptr);

  void start();
  void stop();
  // A pass soon (a mirror pod came, went, or is being deleted).
  void requestSync();
  // One pass: reads the manifests, hands the node its static pods, then creates/deletes mirror
  // pods. Errors are logged.
  void sync();
  // The first pass has handed the node its static pods: housekeeping may now tell orphans.
  bool hasSynced() const { return synced_; }

 private:
  // One static pod by namespace/name.
  struct Slot {
    std::shared_ptr<const boost::json::object> pod;  // the newest version from its file
    bool handed = false;                             // given to the node
    std::string replaced;  // uid of the previous version while its containers stop
  };

  void loop();
  void syncFiles();
  void syncMirrors();
  void tell(const std::string& key, const std::string& message);  // logs a message once

  StaticPodOptions options_;
  ExecutorPtr executor_;
  client::ApiClientPtr client_;
  std::weak_ptr<NodeAgent> node_;
  std::function<bool()> watchSynced_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> synced_{false};
  std::atomic<bool> requested_{false};  // a requested pass is posted

  std::mutex mutex_;  // one pass at a time; guards what follows
  std::map<std::string, Slot> slots_;
  std::map<std::string, std::string> told_;  // file or pod -> message already logged
  std::set<std::string> deleted_;  // uids of mirror pods deleted, until the watch drops them
  std::map<std::string, TimePoint> recreateAt_;  // pod -> no new mirror before then
};

}  // namespace cube::agent
