// CronSchedule::next (cron fields, descriptors, day rules, time zones) and CronJobController on a
// FakeApiClient with a fake clock: scheduled Job names and owners, status, concurrency policies,
// history limits, suspend, missed schedules.

#include "controllers/cronjob/cron_job_controller.h"
#include "../client/items_of.h"
#include "api/kinds/batch/cron_next.h"
#include "batch_fixture.h"
#include "controllers/job/job_util.h"

#include <gtest/gtest.h>

#include <thread>

namespace cube::controllers::cronjob {
namespace {

using namespace cube::controllers::testing;
using api::kinds::batch::CronSchedule;
using client::testing::FakeApiClient;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint at(const char* rfc3339) {
  return *parseRfc3339(rfc3339);
}

std::string nextOf(const char* spec, const char* after, const char* zone = "") {
  std::string error;
  auto s = CronSchedule::parse(spec, zone, &error);
  if (!s) return "error: " + error;
  auto n = s->next(at(after));
  return n ? formatRfc3339(*n) : "never";
}

TEST(CronScheduleTest, NextRunAfter) {
  EXPECT_EQ(nextOf("* * * * *", "2026-01-01T00:00:00Z"), "2026-01-01T00:01:00Z");
  EXPECT_EQ(nextOf("* * * * *", "2026-01-01T00:00:30Z"), "2026-01-01T00:01:00Z");
  EXPECT_EQ(nextOf("*/15 * * * *", "2026-01-01T00:07:00Z"), "2026-01-01T00:15:00Z");
  EXPECT_EQ(nextOf("5,35 3-4 * * *", "2026-01-01T03:40:00Z"), "2026-01-01T04:05:00Z");
  EXPECT_EQ(nextOf("@hourly", "2026-01-01T10:00:00Z"), "2026-01-01T11:00:00Z");
  EXPECT_EQ(nextOf("@daily", "2026-01-01T10:00:00Z"), "2026-01-02T00:00:00Z");
  EXPECT_EQ(nextOf("@monthly", "2026-01-15T10:00:00Z"), "2026-02-01T00:00:00Z");
  EXPECT_EQ(nextOf("@yearly", "2026-01-15T10:00:00Z"), "2027-01-01T00:00:00Z");
  // 2026-01-03 is a Saturday: weekdays only skips to Monday the 5th.
  EXPECT_EQ(nextOf("0 9 * * mon-fri", "2026-01-02T10:00:00Z"), "2026-01-05T09:00:00Z");
  EXPECT_EQ(nextOf("0 0 * jun *", "2026-01-02T10:00:00Z"), "2026-06-01T00:00:00Z");
  // Both day fields restricted: either may match (the 1st, or a Monday).
  EXPECT_EQ(nextOf("0 0 1 * 1", "2026-01-01T10:00:00Z"), "2026-01-05T00:00:00Z");
  // One of them '*': both must match.
  EXPECT_EQ(nextOf("0 0 13 * *", "2026-01-01T10:00:00Z"), "2026-01-13T00:00:00Z");
  EXPECT_EQ(nextOf("0 0 29 2 *", "2026-01-01T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(nextOf("0 0 30 2 *", "2026-01-01T00:00:00Z"), "never");
  EXPECT_EQ(nextOf("@every 90s", "2026-01-01T00:00:00Z"), "2026-01-01T00:01:30Z");
  EXPECT_EQ(nextOf("61 * * * *", "2026-01-01T00:00:00Z").rfind("error: ", 0), 0u);
}

TEST(CronScheduleTest, TimeZones) {
  // New York is UTC-5 in January and UTC-4 in July.
  EXPECT_EQ(nextOf("0 9 * * *", "2026-01-10T00:00:00Z", "America/New_York"),
            "2026-01-10T14:00:00Z");
  EXPECT_EQ(nextOf("0 9 * * *", "2026-07-10T00:00:00Z", "America/New_York"),
            "2026-07-10T13:00:00Z");
  EXPECT_EQ(nextOf("CRON_TZ=Asia/Tokyo 30 8 * * *", "2026-01-10T00:00:00Z"),
            "2026-01-10T23:30:00Z");
  EXPECT_EQ(nextOf("0 0 * * *", "2026-01-10T00:00:00Z", "Mars/Olympus").rfind("error: ", 0), 0u);
}

class CronJobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    controller_ = std::make_unique<CronJobController>(
        CronJobController::Deps{api_, cronJobs_, jobs_, recorder_, clock_});
  }
  void TearDown() override { controller_->stop(); }

  TimePoint start() const { return client::FakeClock::defaultStart(); }

  // A CronJob created at the clock's start.
  bj::object createCronJob(const std::string& name, bj::object extraSpec,
                           const std::string& schedule = "* * * * *") {
    bj::object container{{"name", "c"}, {"image", "busybox"}};
    bj::object jobTemplate{
        {"metadata", bj::object{{"labels", bj::object{{"app", name}}}}},
        {"spec", bj::object{{"template",
                             bj::object{{"spec", bj::object{{"containers", bj::array{container}},
                                                            {"restartPolicy", "Never"}}}}}}}};
    bj::object spec{{"schedule", schedule}, {"jobTemplate", jobTemplate}};
    for (auto& [k, v] : extraSpec) spec[k] = v;
    bj::object obj{{"apiVersion", "batch/v1"},
                   {"kind", "CronJob"},
                   {"metadata", bj::object{{"name", name},
                                           {"namespace", "default"},
                                           {"creationTimestamp", formatRfc3339(start())}}},
                   {"spec", spec}};
    bj::object created = api_->create(kCronJobsRes, "default", obj);
    sync();
    return created;
  }

  void sync() {
    CacheSync{}(*api_, kCronJobsRes, *cronJobs_);
    CacheSync{}(*api_, kJobsRes, *jobs_);
  }

  void reconcile(const std::string& name = "cj") {
    controller_->reconcile("default/" + name);
    sync();
  }

  bj::object cronJob(const std::string& name = "cj") {
    return *api_->stored(kCronJobsRes, "default", name);
  }
  std::vector<std::string> jobNames() {
    std::vector<std::string> out;
    for (const auto& j : itemsOf(api_->list(kJobsRes, "default"))) out.push_back(nameOf(j));
    std::sort(out.begin(), out.end());
    return out;
  }
  size_t activeCount() {
    bj::object cj = cronJob();
    const auto* status = json::getObject(cj, "status");
    const auto* active = status ? json::getArray(*status, "active") : nullptr;
    return active ? active->size() : 0;
  }
  std::string statusString(const char* field) {
    bj::object cj = cronJob();
    const auto* status = json::getObject(cj, "status");
    return status ? json::getString(*status, field) : "";
  }
  static std::string scheduledName(const std::string& cj, TimePoint t) {
    return cj + "-" +
           std::to_string(std::chrono::duration_cast<minutes>(t.time_since_epoch()).count());
  }

  void finishJob(const std::string& name, const std::string& type, TimePoint when) {
    bj::object j = *api_->stored(kJobsRes, "default", name);
    bj::object status;
    job::setJobCondition(status, type, "True", "Test", "test", when);
    status["startTime"] = formatRfc3339(when - seconds(5));
    if (type == job::kComplete) status["completionTime"] = formatRfc3339(when);
    j["status"] = status;
    api_->update(kJobsRes, "default", name, j, "status");
    sync();
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  std::shared_ptr<MemoryCache> cronJobs_ = std::make_shared<MemoryCache>();
  std::shared_ptr<MemoryCache> jobs_ = std::make_shared<MemoryCache>();
  std::shared_ptr<client::RecordingEventRecorder> recorder_ =
      std::make_shared<client::RecordingEventRecorder>();
  std::shared_ptr<client::FakeClock> clock_ = std::make_shared<client::FakeClock>();
  std::unique_ptr<CronJobController> controller_;
};

TEST_F(CronJobControllerTest, CreatesAJobAtEachScheduledMinute) {
  createCronJob("cj", {});
  clock_->advance(seconds(30));
  reconcile();
  EXPECT_TRUE(jobNames().empty()) << "nothing due before the first minute";

  clock_->advance(seconds(35));  // 00:01:05
  reconcile();
  std::string first = scheduledName("cj", start() + minutes(1));
  ASSERT_EQ(jobNames(), std::vector<std::string>{first});
  bj::object created = *api_->stored(kJobsRes, "default", first);
  auto ref = controllerOf(created);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, "CronJob");
  EXPECT_EQ(ref->uid, uidOf(cronJob()));
  EXPECT_EQ(json::getString(*labelsOf(created), "app"), "cj");
  EXPECT_EQ(statusString("lastScheduleTime"), formatRfc3339(start() + minutes(1)));
  EXPECT_EQ(activeCount(), 1u);
  EXPECT_EQ(recorder_->count("SuccessfulCreate"), 1u);

  // The same minute again creates nothing.
  reconcile();
  EXPECT_EQ(jobNames().size(), 1u);

  // Finished: it leaves status.active and sets lastSuccessfulTime.
  finishJob(first, job::kComplete, start() + seconds(70));
  reconcile();
  EXPECT_EQ(activeCount(), 0u);
  EXPECT_EQ(statusString("lastSuccessfulTime"), formatRfc3339(start() + seconds(70)));
  EXPECT_EQ(recorder_->count("SawCompletedJob"), 1u);

  clock_->advance(minutes(1));
  reconcile();
  EXPECT_EQ(jobNames().size(), 2u);
}

TEST_F(CronJobControllerTest, OnlyTheMostRecentMissedTimeRuns) {
  createCronJob("cj", {});
  clock_->advance(minutes(10) + seconds(1));
  reconcile();
  EXPECT_EQ(jobNames(), std::vector<std::string>{scheduledName("cj", start() + minutes(10))});
}

TEST_F(CronJobControllerTest, ForbidSkipsWhileOneIsActive) {
  createCronJob("cj", {{"concurrencyPolicy", "Forbid"}});
  clock_->advance(minutes(1) + seconds(1));
  reconcile();
  clock_->advance(minutes(1));
  reconcile();
  EXPECT_EQ(jobNames().size(), 1u);
  EXPECT_EQ(recorder_->count("JobAlreadyActive"), 1u);
}

TEST_F(CronJobControllerTest, AllowRunsConcurrently) {
  createCronJob("cj", {{"concurrencyPolicy", "Allow"}});
  clock_->advance(minutes(1) + seconds(1));
  reconcile();
  clock_->advance(minutes(1));
  reconcile();
  EXPECT_EQ(jobNames().size(), 2u);
  EXPECT_EQ(activeCount(), 2u);
}

TEST_F(CronJobControllerTest, ReplaceDeletesTheActiveJob) {
  createCronJob("cj", {{"concurrencyPolicy", "Replace"}});
  clock_->advance(minutes(1) + seconds(1));
  reconcile();
  clock_->advance(minutes(1));
  reconcile();
  EXPECT_EQ(jobNames(), std::vector<std::string>{scheduledName("cj", start() + minutes(2))});
  EXPECT_EQ(activeCount(), 1u);
}

TEST_F(CronJobControllerTest, HistoryLimitsDeleteTheOldestFinishedJobs) {
  createCronJob("cj", {{"successfulJobsHistoryLimit", 2}, {"failedJobsHistoryLimit", 1}});
  std::vector<std::string> names;
  for (int i = 1; i <= 6; ++i) {
    clock_->setTime(start() + minutes(i) + seconds(1));
    reconcile();
    names.push_back(scheduledName("cj", start() + minutes(i)));
    // Jobs 1-4 succeed, 5-6 fail.
    finishJob(names.back(), i <= 4 ? job::kComplete : job::kFailed, clock_->now());
  }
  reconcile();
  EXPECT_EQ(jobNames(), (std::vector<std::string>{names[2], names[3], names[5]}));
}

TEST_F(CronJobControllerTest, SuspendCreatesNothing) {
  createCronJob("cj", {{"suspend", true}});
  clock_->advance(minutes(5));
  reconcile();
  EXPECT_TRUE(jobNames().empty());
}

TEST_F(CronJobControllerTest, StartingDeadlineSkipsRunsTooLate) {
  createCronJob("cj", {{"startingDeadlineSeconds", 10}}, "0 * * * *");
  clock_->advance(minutes(60) + seconds(30));  // 30 s after 01:00, deadline 10 s
  reconcile();
  EXPECT_TRUE(jobNames().empty());
  clock_->setTime(start() + minutes(120) + seconds(5));  // 5 s after 02:00
  reconcile();
  EXPECT_EQ(jobNames(), std::vector<std::string>{scheduledName("cj", start() + minutes(120))});
}

TEST_F(CronJobControllerTest, TooManyMissedTimesWarnsAndRunsTheLatest) {
  createCronJob("cj", {});
  clock_->advance(minutes(200) + seconds(1));
  reconcile();
  EXPECT_EQ(recorder_->count("TooManyMissedTimes"), 1u);
  EXPECT_EQ(jobNames(), std::vector<std::string>{scheduledName("cj", start() + minutes(200))});
}

TEST_F(CronJobControllerTest, JobsOfOtherOwnersAreNotCounted) {
  createCronJob("cj", {{"concurrencyPolicy", "Forbid"}});
  bj::object other{{"apiVersion", "batch/v1"},
                   {"kind", "Job"},
                   {"metadata", bj::object{{"name", "unrelated"}, {"namespace", "default"}}},
                   {"spec", bj::object{}}};
  api_->create(kJobsRes, "default", other);
  clock_->advance(minutes(1) + seconds(1));
  reconcile();
  EXPECT_EQ(jobNames().size(), 2u) << "Forbid ignores Jobs the CronJob does not own";
  EXPECT_EQ(activeCount(), 1u);
}

TEST_F(CronJobControllerTest, InvalidTimeZoneIsReportedNotRetried) {
  createCronJob("cj", {{"timeZone", "Nowhere/Atlantis"}});
  clock_->advance(minutes(2));
  EXPECT_NO_THROW(reconcile());
  EXPECT_TRUE(jobNames().empty());
  EXPECT_EQ(recorder_->count("UnparseableSchedule"), 1u);
}

TEST_F(CronJobControllerTest, RequeuesForTheNextScheduledTime) {
  createCronJob("cj", {}, "*/5 * * * *");
  clock_->advance(seconds(10));
  reconcile();
  EXPECT_EQ(controller_->queue().len(), 0u);
  clock_->advance(minutes(5));
  // The queue's timer thread moves the key once the fake clock reaches it.
  for (int i = 0; i < 200 && controller_->queue().len() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(controller_->queue().len(), 1u);
}

}  // namespace
}  // namespace cube::controllers::cronjob
