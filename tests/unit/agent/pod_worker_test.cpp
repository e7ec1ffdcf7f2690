// PodWorker with the fake runtime, a manual executor (time moves only in advance()) and a
// recording API client: restart policies, crash-loop back-off, deletion with grace, and the
// kubelet's events on the pod.

#include "agent/pod_worker.h"
#include "common/json_util.h"
#include "manual_executor.h"
#include "runtime/fake/fake_runtime.h"

#include <gtest/gtest.h>

namespace cube::agent {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

// Records status patches and deletes; everything else is unused by a pod worker.
class RecordingApiClient : public client::ApiClient {
 public:
  bj::object get(const client::Resource&, const std::string&, const std::string&) override {
    throw ApiError::notFound("", "x", "x");
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
    statuses.push_back(json::parse(body).as_object().at("status").as_object());
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
  std::vector<client::DeleteOptions> deletes;
};

class PodWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    executor_ = std::make_shared<ManualExecutor>();
    auto timer = [e = executor_](TimePoint when, std::function<void()> fn) {
      e->postAt(when, std::move(fn));
    };
    runtime_ = std::make_shared<runtime::FakeRuntime>(executor_, timer,
                                                      runtime::FakeRuntimeOptions{500ms});
    client_ = std::make_shared<RecordingApiClient>();
    auto config = std::make_shared<NodeConfig>();
    config->nodeName = "n1";
    config->internalIP = "127.1.0.1";
    deps_ = PodWorkerDeps{executor_, runtime_,
                          client_,   std::make_shared<PodIpAllocator>("10.42.7.0/24"),
                          config,    events_};
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

  std::shared_ptr<ManualExecutor> executor_;
  std::shared_ptr<runtime::FakeRuntime> runtime_;
  std::shared_ptr<RecordingApiClient> client_;
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

TEST_F(PodWorkerTest, PendingThenRunningWithAnIp) {
  auto w = startWorker(pod("Always"));
  EXPECT_EQ(phase(), "Pending");
  EXPECT_EQ(last().at("podIP"), "10.42.7.2");
  EXPECT_EQ(last().at("hostIP"), "127.1.0.1");
  size_t writes = client_->statuses.size();
  executor_->advance(500ms);
  EXPECT_EQ(phase(), "Running");
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(client_->statuses.size(), writes + 1);
  // Nothing changes: nothing is written.
  w->requestSync();
  executor_->advance(1h);
  EXPECT_EQ(client_->statuses.size(), writes + 1);
}

TEST_F(PodWorkerTest, NeverWithExitZeroSucceeds) {
  startWorker(pod("Never", {{runtime::kFakeExitCodeAnnotation, "0"},
                            {runtime::kFakeRunSecondsAnnotation, "2"}}));
  executor_->advance(2500ms);
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_EQ(container().at("restartCount"), 0);
  executor_->advance(1h);
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_EQ(runtime_->listSandboxes().at(0).state, runtime::SandboxState::NotReady);
}

TEST_F(PodWorkerTest, NeverWithFailureFails) {
  startWorker(pod("Never", {{runtime::kFakeExitCodeAnnotation, "2"}}));
  executor_->advance(1s);
  EXPECT_EQ(phase(), "Failed");
  EXPECT_EQ(container().at("state").as_object().at("terminated").as_object().at("exitCode"), 2);
}

TEST_F(PodWorkerTest, OnFailureRestartsFailuresUntilSuccessIsNotRestarted) {
  startWorker(pod("OnFailure", {{runtime::kFakeExitCodeAnnotation, "0"},
                                {runtime::kFakeRunSecondsAnnotation, "1"}}));
  executor_->advance(2s);
  EXPECT_EQ(phase(), "Succeeded");
  EXPECT_EQ(container().at("restartCount"), 0);
}

TEST_F(PodWorkerTest, OnFailureRestartsAFailure) {
  startWorker(pod("OnFailure", {{runtime::kFakeExitCodeAnnotation, "1"},
                                {runtime::kFakeRunSecondsAnnotation, "1"}}));
  executor_->advance(1500ms);  // exited once, restarted at once
  EXPECT_EQ(phase(), "Running");
  EXPECT_EQ(container().at("restartCount"), 1);
  EXPECT_EQ(container().at("lastState").as_object().at("terminated").as_object().at("exitCode"), 1);
}

TEST_F(PodWorkerTest, AlwaysCrashLoopsWithDoublingBackOff) {
  startWorker(pod("Always", {{runtime::kFakeExitCodeAnnotation, "1"}}));
  // Exits as soon as it runs (0.5 s); restart 1 at once; it exits again at 1.0 s.
  executor_->advance(1s);
  EXPECT_EQ(container().at("restartCount"), 1);
  EXPECT_EQ(stateName(), "waiting");
  EXPECT_EQ(container().at("state").as_object().at("waiting").as_object().at("reason"),
            "CrashLoopBackOff");
  EXPECT_EQ(phase(), "Running");
  // Back-off 10 s, then restart 2, which exits 0.5 s later: back-off 20 s.
  executor_->advance(9900ms);
  EXPECT_EQ(container().at("restartCount"), 1);
  executor_->advance(100ms);
  EXPECT_EQ(container().at("restartCount"), 2);
  executor_->advance(500ms);
  EXPECT_EQ(container().at("state").as_object().at("waiting").as_object().at("message"),
            "back-off 20s restarting failed container=app pod=p_default(uid-1)");
  executor_->advance(20s);
  EXPECT_EQ(container().at("restartCount"), 3);
  // Only the current and the previous instance are kept.
  executor_->advance(10min);
  EXPECT_LE(runtime_->containerCount(), 2u);
}

TEST_F(PodWorkerTest, StartingAContainerRecordsPulledCreatedStarted) {
  startWorker(pod("Always"));
  EXPECT_EQ(eventLines(),
            (std::vector<std::string>{
                "Pulled: Container image \"busybox\" already present on machine",
                "Created: Created container: app", "Started: Started container app"}));
  for (const auto& e : events_->events()) {
    EXPECT_EQ(e.type, "Normal");
    EXPECT_EQ(e.about.kind, "Pod");
    EXPECT_EQ(e.about.name, "p");
    EXPECT_EQ(e.about.namespace_, "default");
    EXPECT_EQ(e.about.uid, "uid-1");
    EXPECT_EQ(e.about.fieldPath, "spec.containers{app}");
  }
}

TEST_F(PodWorkerTest, ACrashLoopRecordsBackOffAndEachRestart) {
  startWorker(pod("Always", {{runtime::kFakeExitCodeAnnotation, "1"}}));
  executor_->advance(1s);  // exited, restarted at once, exited again: back-off
  EXPECT_EQ(events_->count("Started"), 2u);
  ASSERT_GE(events_->count("BackOff"), 1u);
  for (const auto& e : events_->events()) {
    if (e.reason != "BackOff") continue;
    EXPECT_EQ(e.type, "Warning");
    EXPECT_EQ(e.message, "Back-off restarting failed container app in pod p_default(uid-1)");
  }
  executor_->advance(10s);
  EXPECT_EQ(events_->count("Started"), 3u);
  EXPECT_EQ(events_->count("Pulled"), 3u);
}

TEST_F(PodWorkerTest, AlwaysRestartsEvenExitZero) {
  startWorker(pod("Always", {{runtime::kFakeExitCodeAnnotation, "0"},
                             {runtime::kFakeRunSecondsAnnotation, "5"}}));
  executor_->advance(6s);
  EXPECT_EQ(container().at("restartCount"), 1);
  EXPECT_EQ(phase(), "Running");
}

TEST_F(PodWorkerTest, DeletionStopsWithinGraceThenConfirms) {
  auto p = pod("Always", {{runtime::kFakeStopSecondsAnnotation, "3"}});
  auto w = startWorker(p);
  executor_->advance(1s);
  bj::object deleting = *p;
  deleting["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:31Z";
  deleting["metadata"].as_object()["deletionGracePeriodSeconds"] = 30;
  w->update(std::make_shared<const bj::object>(deleting));
  executor_->advance(2900ms);
  EXPECT_TRUE(client_->deletes.empty());
  EXPECT_EQ(eventLines().back(), "Killing: Stopping container app");
  EXPECT_EQ(events_->count("Killing"), 1u);
  executor_->advance(100ms);
  ASSERT_EQ(client_->deletes.size(), 1u);
  EXPECT_EQ(client_->deletes[0].gracePeriodSeconds, 0);
  EXPECT_EQ(client_->deletes[0].preconditionUid, "uid-1");
  EXPECT_TRUE(w->finished());
  EXPECT_TRUE(runtime_->listSandboxes().empty());
}

TEST_F(PodWorkerTest, GonePodsAreStoppedLocally) {
  auto w = startWorker(pod("Always"));
  executor_->advance(1s);
  w->markGone();
  executor_->runUntilIdle();
  EXPECT_EQ(events_->count("Killing"), 1u);
  EXPECT_TRUE(w->finished());
  EXPECT_TRUE(client_->deletes.empty());
  EXPECT_TRUE(runtime_->listSandboxes().empty());
}

TEST_F(PodWorkerTest, DeletedBeforeStartingIsConfirmedAtOnce) {
  auto p = pod("Always");
  bj::object deleting = *p;
  deleting["metadata"].as_object()["deletionTimestamp"] = "2026-01-01T00:00:31Z";
  deleting["metadata"].as_object()["deletionGracePeriodSeconds"] = 30;
  auto w = startWorker(std::make_shared<const bj::object>(deleting));
  EXPECT_TRUE(w->finished());
  EXPECT_EQ(client_->deletes.size(), 1u);
  EXPECT_TRUE(client_->statuses.empty());
  EXPECT_TRUE(events_->events().empty());  // nothing ran, nothing was stopped
}

}  // namespace
}  // namespace cube::agent
