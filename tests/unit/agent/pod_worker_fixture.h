#pragma once
// The PodWorker tests' fixture: the fake runtime (optionally behind a wrapper that fails
// createContainer for chosen images), a manual executor (time moves only in advance()), a
// recording API client (status patches, deletes, and ConfigMaps/Secrets to read) and a
// recording event recorder.

#include "agent/pod_worker.h"
#include "common/api_error.h"
#include "common/json_util.h"
#include "manual_executor.h"
#include "runtime/fake/fake_runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

namespace cube::agent::testing {

namespace bj = boost::json;
using namespace std::chrono_literals;

// Records status patches and deletes; everything else is unused by a pod worker.
class RecordingApiClient : public client::ApiClient {
 public:
  bj::object get(const client::Resource& r, const std::string& ns,
                 const std::string& name) override {
    auto it = objects.find(r.plural + "/" + ns + "/" + name);
    if (it == objects.end()) throw ApiError::notFound("", r.plural, name);
    return it->second;
  }
  client::ObjectList list(const client::Resource&, const std::string&,
                          const client::ListOptions&) override {
    return {};
  }
  bj::object create(const client::Resource&, const std::string&, const bj::object& obj,
                    const std::string&, const std::string&) override {
    return obj;
  }
  bj::object update(const client::Resource&, const std::string&, const std::string&,
                    const bj::object& obj, const std::string&) override {
    return obj;
  }
  bj::object patch(const client::Resource&, const std::string&, const std::string& name,
                   client::PatchKind, const std::string& body,
                   const std::string& subresource) override {
    EXPECT_EQ(subresource, "status");
    auto patch = json::parse(body).as_object();
    statuses.push_back(patch.at("status").as_object());
    const auto* meta = json::getObject(patch, "metadata");
    statusUids.push_back(meta ? json::getString(*meta, "uid") : "");
    return {};
  }
  void remove(const client::Resource&, const std::string& ns, const std::string& name,
              const client::DeleteOptions& options) override {
    deletes.push_back(options);
  }
  std::unique_ptr<client::WatchStream> watch(const client::Resource&, const std::string&,
                                             const client::WatchOptions&) override {
    return nullptr;
  }

  std::vector<bj::object> statuses;
  std::vector<std::string> statusUids;  // the metadata.uid each status patch carried
  std::vector<client::DeleteOptions> deletes;
  std::map<std::string, bj::object> objects;  // "configmaps/<ns>/<name>" -> object, for get
};

// The fake runtime, except that createContainer throws for the images named here, as the crun
// runtime does for an image not on the node or a spec it cannot run.
class FailingImagesRuntime : public runtime::FakeRuntime {
 public:
  using FakeRuntime::FakeRuntime;
  std::string createContainer(const std::string& sandboxId,
                              const runtime::ContainerConfig& config) override {
    lastConfig = config;
    if (missingImages.count(config.image)) {
      throw runtime::ImageNotFoundError("image \"" + config.image + "\" is not on this node");
    }
    if (badImages.count(config.image)) throw runtime::ContainerConfigError("bad spec");
    return FakeRuntime::createContainer(sandboxId, config);
  }
  std::set<std::string> missingImages;
  std::set<std::string> badImages;
  runtime::ContainerConfig lastConfig;
};

class PodWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    executor_ = std::make_shared<ManualExecutor>();
    auto timer = [e = executor_](TimePoint when, std::function<void()> fn) {
      e->postAt(when, std::move(fn));
    };
    runtime_ = std::make_shared<FailingImagesRuntime>(executor_, timer,
                                                      runtime::FakeRuntimeOptions{500ms});
    client_ = std::make_shared<RecordingApiClient>();
    auto config = std::make_shared<NodeConfig>();
    config->nodeName = "n1";
    config->internalIP = "127.1.0.1";
    deps_ = PodWorkerDeps{
        executor_, runtime_, client_, std::make_shared<PodIpAllocator>("10.42.7.0/24"),
        config,    events_,  nullptr};  // no mirror pods: no static pods here
  }

  PodPtr pod(const std::string& policy, std::map<std::string, std::string> annotations = {}) {
    bj::object ann;
    for (auto& [k, v] : annotations) ann[k] = v;
    return std::make_shared<const bj::object>(bj::object{
        {"metadata",
         bj::object{
             {"name", "p"}, {"namespace", "default"}, {"uid", "uid-1"}, {"annotations", ann}}},
        {"spec",
         bj::object{{"nodeName", "n1"},
                    {"restartPolicy", policy},
                    {"containers", bj::array{bj::object{{"name", "app"}, {"image", "busybox"}}}}}},
        {"status", bj::object{{"phase", "Pending"}}}});
  }

  std::shared_ptr<PodWorker> startWorker(PodPtr p) {
    // Wire runtime events to the worker, as NodeAgent does.
    auto worker = std::make_shared<PodWorker>(deps_, p);
    std::weak_ptr<PodWorker> weak = worker;
    runtime_->setEventHandler([weak](const runtime::RuntimeEvent&) {
      if (auto w = weak.lock()) w->requestSync();
    });
    worker_ = worker;  // NodeAgent's map keeps workers alive; here the test does
    worker->requestSync();
    executor_->runUntilIdle();
    return worker;
  }

  const bj::object& last() { return client_->statuses.back(); }
  std::string phase() { return json::getString(last(), "phase"); }
  const bj::object& container() {
    return last().at("containerStatuses").as_array().at(0).as_object();
  }
  std::string stateName() {
    return std::string(container().at("state").as_object().begin()->key());
  }

  // Exec probes and hooks answered by the fake runtime: each exec is recorded as
  // "<container>:<first word>"; a first word in failing_ exits 1 with "no\n".
  void execAnswers() {
    runtime_->setExecHandler(
        [this](const runtime::ContainerStatus& c, const std::vector<std::string>& argv) {
          std::lock_guard lock(mu_);
          execs_.push_back(c.name + ":" + argv.at(0));
          runtime::ExecResult r;
          if (failing_.count(argv.at(0))) {
            r.exitCode = 1;
            r.output = "no\n";
          }
          return r;
        });
  }
  size_t countExecs(const std::string& what) {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count(execs_.begin(), execs_.end(), what));
  }

  std::shared_ptr<ManualExecutor> executor_;
  std::shared_ptr<FailingImagesRuntime> runtime_;
  std::shared_ptr<RecordingApiClient> client_;
  std::mutex mu_;  // guards execs_ and failing_
  std::vector<std::string> execs_;
  std::set<std::string> failing_;
  PodWorkerDeps deps_;
  std::shared_ptr<PodWorker> worker_;
  std::shared_ptr<client::RecordingEventRecorder> events_ =
      std::make_shared<client::RecordingEventRecorder>();

  // "reason: message" of every event so far, in order.
  std::vector<std::string> eventLines() const {
    std::vector<std::string> out;
    for (const auto& e : events_->events()) out.push_back(e.reason + ": " + e.message);
    return out;
  }
};

}  // namespace cube::agent::testing
