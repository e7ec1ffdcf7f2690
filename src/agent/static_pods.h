#pragma once
// StaticPodSource: the kubelet's file source (--pod-manifest-path, seed 001's
// /etc/kubernetes/manifests). Every file of the directory (names starting with "." are skipped)
// holds one Pod, in YAML or JSON. For each, the node keeps a mirror pod in the API named
// "<name>-<node>" (namespace "default" unless the manifest says), bound to the node, owned by the
// Node, with the kubelet's annotations kubernetes.io/config.source=file, config.hash and
// config.mirror (a hash of the manifest), config.seen. The node's pod watch then runs it like
// any pod bound to it.
//
// Level-triggered, every `checkInterval`: a manifest without its mirror gets one (also when
// someone deleted it, as the kubelet recreates it); a mirror whose hash no longer matches its
// manifest is deleted and, once gone, created anew; a mirror whose file is gone is deleted.
//
// Unlike the kubelet, the containers are run from the mirror pod, not from the file: a node that
// cannot reach the API server does not start static pods, and a deleted mirror pod's containers
// are restarted with the new one.

#include "agent/executor.h"
#include "client/api_client.h"

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cube::agent {

struct StaticPodOptions {
  std::string manifestPath;
  std::string nodeName;
  std::chrono::milliseconds checkInterval{2000};
};

// One manifest file read and turned into the mirror pod the node wants in the API.
struct StaticPodManifest {
  std::string file;
  std::optional<boost::json::object> mirror;  // nullopt: the file is not a valid Pod
  std::string error;                          // why not
};

// The mirror pod of one manifest's text (YAML or JSON). Throws std::invalid_argument with the
// reason when the text is not a Pod. `nodeUid` may be empty (no ownerReference then).
boost::json::object mirrorPodOf(const std::string& text, const std::string& nodeName,
                                const std::string& nodeUid);

// Every manifest of `dir`, sorted by file name; a missing directory has none.
std::vector<StaticPodManifest> readStaticPodManifests(const std::string& dir,
                                                      const std::string& nodeName,
                                                      const std::string& nodeUid);

class StaticPodSource : public std::enable_shared_from_this<StaticPodSource> {
 public:
  // `nodePods`: the pods bound to this node as the agent's informer holds them (mirrors found
  // there by their config.mirror annotation).
  StaticPodSource(StaticPodOptions options, ExecutorPtr executor, client::ApiClientPtr client,
                  std::function<std::vector<client::ObjectPtr>()> nodePods);

  void start();
  void stop();
  // One pass: reads the manifests and creates/deletes mirror pods. Errors are logged.
  void sync();

 private:
  void loop();
  std::string nodeUid();

  StaticPodOptions options_;
  ExecutorPtr executor_;
  client::ApiClientPtr client_;
  std::function<std::vector<client::ObjectPtr>()> nodePods_;
  std::atomic<bool> stopping_{false};
  std::string nodeUid_;                      // sync-only
  std::map<std::string, std::string> told_;  // file -> error already logged (sync-only)
};

}  // namespace cube::agent
