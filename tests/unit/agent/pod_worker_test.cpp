// PodWorker with the fake runtime, a manual executor (time moves only in advance()) and a
// recording API client: restart policies, crash-loop back-off, deletion with grace, and the
// kubelet's events on the pod.

#include "pod_worker_fixture.h"

namespace cube::agent {
namespace {

using namespace cube::agent::testing;

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
  // Every status patch names the pod's uid, as the kubelet's: a pod replaced under the same name
  // refuses the old pod's status.
  for (const auto& uid : client_->statusUids) EXPECT_EQ(uid, w->uid());
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

// kubectl set image on a pod: the kubelet stops the container ("definition changed") and starts
// the new image at once, whatever restartPolicy says; the status shows the image that runs.
class PodWorkerImageChangeTest : public PodWorkerTest,
                                 public ::testing::WithParamInterface<const char*> {};

TEST_P(PodWorkerImageChangeTest, ANewImageRestartsTheContainerWhateverThePolicy) {
  auto p = pod(GetParam(), {{runtime::kFakeStopSecondsAnnotation, "2"}});
  auto w = startWorker(p);
  executor_->advance(1s);
  ASSERT_EQ(stateName(), "running");
  bj::object changed = *p;
  changed["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = "busybox:2";
  w->update(std::make_shared<const bj::object>(changed));
  executor_->advance(500ms);
  EXPECT_EQ(eventLines().back(), "Killing: Container app definition changed, will be restarted");
  EXPECT_EQ(container().at("image"), "busybox");  // still the old one, stopping
  executor_->advance(3s);
  EXPECT_EQ(stateName(), "running");
  EXPECT_EQ(container().at("image"), "busybox:2");
  EXPECT_EQ(container().at("restartCount"), 1);
  EXPECT_EQ(phase(), "Running");
  EXPECT_EQ(events_->count("Killing"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Policies, PodWorkerImageChangeTest,
                         ::testing::Values("Always", "OnFailure", "Never"));

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
