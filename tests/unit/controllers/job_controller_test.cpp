// JobController and TtlAfterFinishedController on a FakeApiClient with a fake clock: pod counts
// from completions and parallelism, completion, backoffLimit, activeDeadlineSeconds, suspend, TTL.

#include "controllers/job/job_controller.h"
#include "../client/items_of.h"
#include "batch_fixture.h"
#include "controllers/job/job_indexed.h"
#include "controllers/job/job_util.h"
#include "controllers/job/ttl_after_finished_controller.h"
#include "controllers/pod_control.h"

#include <gtest/gtest.h>

namespace cube::controllers::job {
namespace {

using namespace cube::controllers::testing;
using client::testing::FakeApiClient;

class JobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    JobController::Deps deps{
        api_, jobs_, pods_, std::make_shared<ApiPodControl>(api_, recorder_), recorder_, clock_};
    controller_ = std::make_unique<JobController>(deps);
  }
  void TearDown() override { controller_->stop(); }

  bj::object createJob(const std::string& name, bj::object extraSpec) {
    bj::object labels{{"batch.kubernetes.io/controller-uid", "pending"}};
    bj::object container{{"name", "c"}, {"image", "busybox"}};
    bj::object spec{
        {"template", bj::object{{"metadata", bj::object{{"labels", labels}}},
                                {"spec", bj::object{{"containers", bj::array{container}},
                                                    {"restartPolicy", "Never"}}}}}};
    for (auto& [k, v] : extraSpec) spec[k] = v;
    bj::object obj{{"apiVersion", "batch/v1"},
                   {"kind", "Job"},
                   {"metadata", bj::object{{"name", name}, {"namespace", "default"}}},
                   {"spec", spec}};
    bj::object created = api_->create(kJobsRes, "default", obj);
    sync();
    return created;
  }

  void sync() {
    CacheSync pods{
        [this](const ObjectPtr& o) { controller_->onPodAdd(o); },
        [this](const ObjectPtr& a, const ObjectPtr& b) { controller_->onPodUpdate(a, b); },
        [this](const ObjectPtr& o) { controller_->onPodDelete(o); }};
    pods(*api_, kPodsRes, *pods_);
    CacheSync{}(*api_, kJobsRes, *jobs_);
  }

  // reconcile, then let the caches catch up with what it wrote.
  void reconcile(const std::string& name = "pi") {
    controller_->reconcile("default/" + name);
    sync();
  }

  bj::object job(const std::string& name = "pi") {
    return *api_->stored(kJobsRes, "default", name);
  }

  std::string statusString(const char* field) {
    bj::object j = job();
    const auto* status = json::getObject(j, "status");
    return status ? json::getString(*status, field) : "";
  }

  std::vector<bj::object> pods() { return itemsOf(api_->list(kPodsRes, "default")); }

  // Sets the phase of `count` pods that have not terminated yet.
  void finishPods(int count, const std::string& phase) {
    for (auto& pod : pods()) {
      if (count == 0) break;
      const auto* status = json::getObject(pod, "status");
      std::string current = status ? json::getString(*status, "phase") : "";
      if (current == "Succeeded" || current == "Failed") continue;
      pod["status"] = bj::object{{"phase", phase}};
      api_->update(kPodsRes, "default", nameOf(pod), pod, "status");
      --count;
    }
    sync();
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  std::shared_ptr<MemoryCache> jobs_ = std::make_shared<MemoryCache>();
  std::shared_ptr<MemoryCache> pods_ = std::make_shared<MemoryCache>();
  std::shared_ptr<client::RecordingEventRecorder> recorder_ =
      std::make_shared<client::RecordingEventRecorder>();
  std::shared_ptr<client::FakeClock> clock_ = std::make_shared<client::FakeClock>();
  std::unique_ptr<JobController> controller_;
};

TEST_F(JobControllerTest, RunsParallelismPodsUntilCompletionsSucceed) {
  createJob("pi", {{"completions", 3}, {"parallelism", 2}});
  reconcile();
  ASSERT_EQ(pods().size(), 2u);
  EXPECT_EQ(statusInt(job(), "active"), 2);
  EXPECT_EQ(recorder_->count("SuccessfulCreate"), 2u);
  auto pod = pods().front();
  EXPECT_EQ(controllerOf(pod)->kind, "Job");
  EXPECT_EQ(controllerOf(pod)->uid, uidOf(job()));
  EXPECT_FALSE(statusString("startTime").empty());

  // Nothing changed: no more pods (the expectations were met by the observed creations).
  reconcile();
  EXPECT_EQ(pods().size(), 2u);

  finishPods(2, "Succeeded");
  reconcile();
  EXPECT_EQ(pods().size(), 3u) << "only completions - succeeded = 1 more";
  EXPECT_EQ(statusInt(job(), "succeeded"), 2);
  EXPECT_EQ(statusInt(job(), "active"), 1);
  EXPECT_FALSE(isJobFinished(job()));

  finishPods(1, "Succeeded");
  reconcile();
  EXPECT_EQ(pods().size(), 3u);
  EXPECT_EQ(statusInt(job(), "succeeded"), 3);
  EXPECT_EQ(statusInt(job(), "active"), 0);
  EXPECT_EQ(conditionReason(job(), kComplete), "CompletionsReached");
  EXPECT_EQ(conditionReason(job(), kSuccessCriteriaMet), "CompletionsReached");
  EXPECT_FALSE(statusString("completionTime").empty());
  EXPECT_EQ(recorder_->count("Completed"), 1u);

  // A finished Job is left alone.
  api_->clearActions();
  reconcile();
  EXPECT_TRUE(api_->actions().empty() || api_->actions().front().verb == "list");
}

TEST_F(JobControllerTest, ParallelismAboveRemainingCompletionsIsCapped) {
  createJob("pi", {{"completions", 2}, {"parallelism", 5}});
  reconcile();
  EXPECT_EQ(pods().size(), 2u);
}

TEST_F(JobControllerTest, WithoutCompletionsOneSuccessFinishesOnceOthersStop) {
  createJob("pi", {{"parallelism", 2}});
  reconcile();
  ASSERT_EQ(pods().size(), 2u);
  finishPods(1, "Succeeded");
  reconcile();
  EXPECT_EQ(pods().size(), 2u) << "no replacement once one succeeded";
  EXPECT_FALSE(isJobFinished(job()));
  finishPods(1, "Succeeded");
  reconcile();
  EXPECT_EQ(conditionReason(job(), kComplete), "CompletionsReached");
}

TEST_F(JobControllerTest, FailsWhenFailuresExceedBackoffLimit) {
  createJob("pi", {{"backoffLimit", 1}});
  reconcile();
  ASSERT_EQ(pods().size(), 1u);
  finishPods(1, "Failed");
  reconcile();
  EXPECT_EQ(pods().size(), 2u) << "the failed pod is replaced";
  EXPECT_EQ(statusInt(job(), "failed"), 1);
  EXPECT_FALSE(isJobFinished(job()));

  finishPods(1, "Failed");
  reconcile();
  EXPECT_EQ(pods().size(), 2u);
  EXPECT_EQ(statusInt(job(), "failed"), 2);
  EXPECT_EQ(conditionReason(job(), kFailureTarget), "BackoffLimitExceeded");
  EXPECT_EQ(conditionReason(job(), kFailed), "BackoffLimitExceeded");
  EXPECT_EQ(recorder_->count("BackoffLimitExceeded"), 1u);
}

TEST_F(JobControllerTest, OnFailureRestartsCountAgainstBackoffLimit) {
  bj::object tmplSpec{{"containers", bj::array{bj::object{{"name", "c"}, {"image", "busybox"}}}},
                      {"restartPolicy", "OnFailure"}};
  createJob("pi", {{"backoffLimit", 2}, {"template", bj::object{{"spec", tmplSpec}}}});
  reconcile();
  ASSERT_EQ(pods().size(), 1u);
  auto setRestarts = [this](int64_t n) {
    bj::object pod = pods().front();
    pod["status"] = bj::object{
        {"phase", "Running"},
        {"containerStatuses", bj::array{bj::object{{"name", "c"}, {"restartCount", n}}}}};
    api_->update(kPodsRes, "default", nameOf(pod), pod, "status");
    sync();
  };
  setRestarts(2);
  reconcile();
  EXPECT_FALSE(isJobFinished(job()));
  setRestarts(3);
  controller_->reconcile("default/pi");
  EXPECT_EQ(conditionReason(job(), kFailureTarget), "BackoffLimitExceeded");
  sync();
  reconcile();
  EXPECT_EQ(conditionReason(job(), kFailed), "BackoffLimitExceeded");
}

TEST_F(JobControllerTest, BackoffLimitZeroFailsOnFirstFailureAndDeletesTheRest) {
  createJob("pi", {{"backoffLimit", 0}, {"parallelism", 3}, {"completions", 3}});
  reconcile();
  ASSERT_EQ(pods().size(), 3u);
  finishPods(1, "Failed");
  controller_->reconcile("default/pi");
  // Decided, but two pods still run: FailureTarget now, Failed once they are gone.
  EXPECT_EQ(conditionReason(job(), kFailureTarget), "BackoffLimitExceeded");
  EXPECT_EQ(conditionReason(job(), kFailed), "");
  EXPECT_EQ(pods().size(), 1u) << "the running pods were deleted";
  sync();
  reconcile();
  EXPECT_EQ(conditionReason(job(), kFailed), "BackoffLimitExceeded");
}

TEST_F(JobControllerTest, ActiveDeadlineFailsTheJob) {
  createJob("pi", {{"activeDeadlineSeconds", 10}, {"parallelism", 2}, {"completions", 4}});
  reconcile();
  ASSERT_EQ(pods().size(), 2u);
  clock_->advance(std::chrono::seconds(5));
  reconcile();
  EXPECT_FALSE(isJobFinished(job()));

  clock_->advance(std::chrono::seconds(6));
  controller_->reconcile("default/pi");
  EXPECT_EQ(conditionReason(job(), kFailureTarget), "DeadlineExceeded");
  EXPECT_TRUE(pods().empty());
  sync();
  reconcile();
  EXPECT_EQ(conditionReason(job(), kFailed), "DeadlineExceeded");
  EXPECT_EQ(recorder_->count("DeadlineExceeded"), 1u);
}

TEST_F(JobControllerTest, SuspendDeletesActivePodsAndResumeRecreates) {
  createJob("pi", {{"parallelism", 2}, {"completions", 2}, {"suspend", true}});
  reconcile();
  EXPECT_TRUE(pods().empty());
  EXPECT_EQ(conditionReason(job(), kSuspended), "JobSuspended");

  bj::object j = job();
  j["spec"].as_object()["suspend"] = false;
  api_->update(kJobsRes, "default", "pi", j);
  sync();
  reconcile();
  EXPECT_EQ(pods().size(), 2u);
  EXPECT_EQ(conditionReason(job(), kSuspended), "");

  j = job();
  j["spec"].as_object()["suspend"] = true;
  api_->update(kJobsRes, "default", "pi", j);
  sync();
  reconcile();
  EXPECT_TRUE(pods().empty());
  EXPECT_EQ(conditionReason(job(), kSuspended), "JobSuspended");
}

TEST(JobIndexesTest, FormatAndParse) {
  EXPECT_EQ(formatIndexes({}), "");
  EXPECT_EQ(formatIndexes({0, 1, 2, 4, 6, 7}), "0-2,4,6-7");
  EXPECT_EQ(parseIndexes("0-2,4,6-7", 10), (std::set<int64_t>{0, 1, 2, 4, 6, 7}));
  EXPECT_EQ(parseIndexes("1,x,3-9", 5), (std::set<int64_t>{1, 3, 4}));
  EXPECT_EQ(missingIndexes({0}, {2}, 5, 2), (std::vector<int64_t>{1, 3}));
}

TEST_F(JobControllerTest, IndexedJobGivesEachPodAnIndexAndTracksCompletedIndexes) {
  createJob("pi", {{"completions", 3}, {"parallelism", 2}, {"completionMode", "Indexed"}});
  reconcile();
  auto indexesOf = [this](const std::string& phase) {
    std::set<int64_t> out;
    for (const auto& p : pods()) {
      const auto* st = json::getObject(p, "status");
      std::string ph = st ? json::getString(*st, "phase") : "";
      if (ph == phase) out.insert(*podCompletionIndex(p));
    }
    return out;
  };
  ASSERT_EQ(indexesOf(""), (std::set<int64_t>{0, 1}));
  bj::object first = pods().front();
  auto idx = std::to_string(*podCompletionIndex(first));
  EXPECT_EQ(json::getString(*labelsOf(first), kCompletionIndexKey), idx);
  EXPECT_EQ(json::getString(first["spec"].as_object(), "hostname"), "pi-" + idx);
  const auto& env = first["spec"].as_object()["containers"].as_array()[0].as_object()["env"];
  EXPECT_EQ(json::getString(env.as_array()[0].as_object(), "value"), idx);

  finishPods(1, "Succeeded");
  reconcile();
  EXPECT_EQ(indexesOf("").size(), 2u);
  auto done = indexesOf("Succeeded");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(statusString("completedIndexes"), std::to_string(*done.begin()));
  std::set<int64_t> all = indexesOf("");
  all.insert(done.begin(), done.end());
  EXPECT_EQ(all, (std::set<int64_t>{0, 1, 2}));

  finishPods(2, "Succeeded");
  reconcile();
  EXPECT_EQ(statusString("completedIndexes"), "0-2");
  EXPECT_EQ(conditionReason(job(), kComplete), "CompletionsReached");
}

TEST_F(JobControllerTest, TtlAfterFinishedDeletesTheJobWhenItExpires) {
  createJob("pi", {{"ttlSecondsAfterFinished", 30}});
  reconcile();
  finishPods(1, "Succeeded");
  reconcile();
  ASSERT_TRUE(isJobFinished(job()));

  TtlAfterFinishedController ttl({api_, jobs_, clock_});
  ttl.reconcile("default/pi");
  EXPECT_TRUE(api_->stored(kJobsRes, "default", "pi")) << "TTL not yet passed";

  clock_->advance(std::chrono::seconds(31));
  ttl.reconcile("default/pi");
  EXPECT_FALSE(api_->stored(kJobsRes, "default", "pi"));
  ttl.stop();
}

TEST_F(JobControllerTest, TtlIgnoresUnfinishedJobs) {
  createJob("pi", {{"ttlSecondsAfterFinished", 0}});
  reconcile();
  TtlAfterFinishedController ttl({api_, jobs_, clock_});
  clock_->advance(std::chrono::seconds(100));
  ttl.reconcile("default/pi");
  EXPECT_TRUE(api_->stored(kJobsRes, "default", "pi"));
  ttl.stop();
}

}  // namespace
}  // namespace cube::controllers::job
