// A refused binding releases the assumed capacity and the pod is retried (with the in-memory
// FakeApiClient, whose reactor fails the first binding on purpose).

#include "../client/fake_api_client.h"
#include "common/json_util.h"
#include "scheduler/scheduler.h"
#include "test_objects.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cube::scheduler {
namespace {

using namespace std::chrono_literals;
const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kNodes{"", "v1", "nodes", false};

TEST(SchedulerBindFailureTest, RefusedBindingIsForgottenAndRetried) {
  auto api = std::make_shared<client::testing::FakeApiClient>();
  std::atomic<int> refused{0};
  api->setReactor([&](const client::testing::FakeAction& a) {
    if (a.subresource == "binding" && refused++ == 0) {
      throw ApiError::serviceUnavailable("etcd is having a bad day");
    }
  });
  // Room for exactly one pod: if the failed attempt kept its capacity, the retry could not fit.
  api->create(kNodes, "", testing::makeNode("only", "1", "1Gi"));
  api->create(kPods, "default", testing::makePod("p", "1", ""));

  SchedulerOptions options;
  options.queue.initialBackoff = 1ms;  // real clock: keep the retry quick
  Scheduler scheduler(api, options);
  scheduler.start();
  ASSERT_TRUE(scheduler.waitForSync(10s));
  std::string node;
  for (int i = 0; i < 500 && node.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    auto pod = api->stored(kPods, "default", "p");
    node = json::getString(*json::getObject(*pod, "spec"), "nodeName");
  }
  EXPECT_EQ(node, "only");
  EXPECT_EQ(refused.load(), 2);
  EXPECT_EQ(scheduler.stats().bindFailures, 1u);
  EXPECT_EQ(scheduler.stats().bound, 1u);
  scheduler.stop();
}

}  // namespace
}  // namespace cube::scheduler
