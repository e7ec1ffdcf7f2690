// The event recorder: the Event objects it writes, aggregation of repeats, the bounded queue
// (drop and count when full), the bounded memory of written Events, stop, and the fake.

#include "client/event_recorder.h"

#include "client/fake_clock.h"
#include "common/json_util.h"
#include "fake_api_client.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace cube::client {
namespace {

namespace bj = boost::json;
using testing::FakeAction;
using testing::FakeApiClient;

const Resource kEvents{"", "v1", "events", true};

ObjectReference pod(const std::string& name, const std::string& uid = "uid-1") {
  return {"v1", "Pod", "default", name, uid, "7", ""};
}

class EventRecorderTest : public ::testing::Test {
 protected:
  std::vector<bj::object> events(const std::string& ns = "default") {
    return itemsOf(api_->list(kEvents, ns));
  }
  size_t count(const std::string& verb) const {
    size_t n = 0;
    for (const auto& a : api_->actions()) n += a.resource == "events" && a.verb == verb;
    return n;
  }

  std::shared_ptr<FakeApiClient> api_ = std::make_shared<FakeApiClient>();
  FakeClockPtr clock_ = std::make_shared<FakeClock>();
};

TEST_F(EventRecorderTest, WritesACoreV1EventAsKubernetesDoes) {
  ApiEventRecorder recorder(api_, EventSource{"kubelet", "node-1"}, clock_);
  ObjectReference about = pod("web-0");
  about.fieldPath = "spec.containers{web}";
  recorder.event(about, "Normal", "Started", "Started container web");
  recorder.flush();

  auto all = events();
  ASSERT_EQ(all.size(), 1u);
  const bj::object& ev = all[0];
  const auto& meta = *json::getObject(ev, "metadata");
  EXPECT_EQ(json::getString(meta, "name").rfind("web-0.", 0), 0u);
  EXPECT_EQ(json::getString(meta, "namespace"), "default");
  EXPECT_EQ(json::getString(ev, "apiVersion"), "v1");
  EXPECT_EQ(json::getString(ev, "kind"), "Event");
  const auto& involved = *json::getObject(ev, "involvedObject");
  EXPECT_EQ(json::getString(involved, "kind"), "Pod");
  EXPECT_EQ(json::getString(involved, "apiVersion"), "v1");
  EXPECT_EQ(json::getString(involved, "namespace"), "default");
  EXPECT_EQ(json::getString(involved, "name"), "web-0");
  EXPECT_EQ(json::getString(involved, "uid"), "uid-1");
  EXPECT_EQ(json::getString(involved, "resourceVersion"), "7");
  EXPECT_EQ(json::getString(involved, "fieldPath"), "spec.containers{web}");
  EXPECT_EQ(json::getString(ev, "reason"), "Started");
  EXPECT_EQ(json::getString(ev, "message"), "Started container web");
  EXPECT_EQ(json::getString(ev, "type"), "Normal");
  const auto& source = *json::getObject(ev, "source");
  EXPECT_EQ(json::getString(source, "component"), "kubelet");
  EXPECT_EQ(json::getString(source, "host"), "node-1");
  EXPECT_EQ(json::getString(ev, "reportingComponent"), "kubelet");
  EXPECT_EQ(json::getString(ev, "reportingInstance"), "node-1");
  EXPECT_EQ(json::getString(ev, "firstTimestamp"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(json::getString(ev, "lastTimestamp"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(json::getInt(ev, "count"), 1);
}

TEST_F(EventRecorderTest, EventsAboutClusterScopedObjectsGoToDefault) {
  ApiEventRecorder recorder(api_, EventSource{"kubelet", "node-1"}, clock_);
  recorder.event({"", "Node", "", "node-1", "node-1", "", ""}, "Normal", "Starting",
                 "Starting kubelet.");
  recorder.flush();
  auto all = events();
  ASSERT_EQ(all.size(), 1u);
  const auto& involved = *json::getObject(all[0], "involvedObject");
  EXPECT_FALSE(involved.contains("namespace"));
  EXPECT_FALSE(involved.contains("apiVersion"));
  EXPECT_EQ(json::getString(involved, "uid"), "node-1");
}

TEST_F(EventRecorderTest, ARepeatBumpsCountAndLastTimestampOfTheSameEvent) {
  ApiEventRecorder recorder(api_, EventSource{"kubelet", "node-1"}, clock_);
  const std::string message = "Back-off restarting failed container c in pod p_default(uid-1)";
  recorder.event(pod("p"), "Warning", "BackOff", message);
  clock_->advance(std::chrono::seconds(10));
  recorder.event(pod("p"), "Warning", "BackOff", message);
  clock_->advance(std::chrono::seconds(20));
  recorder.event(pod("p"), "Warning", "BackOff", message);
  recorder.flush();

  auto all = events();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(json::getInt(all[0], "count"), 3);
  EXPECT_EQ(json::getString(all[0], "firstTimestamp"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(json::getString(all[0], "lastTimestamp"), "2026-01-01T00:00:30Z");
  EXPECT_EQ(count("create"), 1u);
  EXPECT_EQ(count("patch"), 2u);
}

TEST_F(EventRecorderTest, EventsThatDifferInAnyKeyFieldAreSeparate) {
  auto broadcaster = std::make_shared<EventBroadcaster>(api_, clock_);
  ApiEventRecorder node1(broadcaster, EventSource{"kubelet", "node-1"});
  ApiEventRecorder node2(broadcaster, EventSource{"kubelet", "node-2"});
  node1.event(pod("p"), "Normal", "Pulled", "a");
  node1.event(pod("p"), "Normal", "Pulled", "b");           // message
  node1.event(pod("p"), "Warning", "Pulled", "a");          // type
  node1.event(pod("p"), "Normal", "Created", "a");          // reason
  node1.event(pod("q"), "Normal", "Pulled", "a");           // object
  node1.event(pod("p", "uid-2"), "Normal", "Pulled", "a");  // a new pod of the same name
  node2.event(pod("p"), "Normal", "Pulled", "a");           // source
  broadcaster->flush();
  EXPECT_EQ(events().size(), 7u);
  EXPECT_EQ(count("patch"), 0u);
}

TEST_F(EventRecorderTest, ARepeatOfAnEventThatVanishedWritesItAgain) {
  ApiEventRecorder recorder(api_, EventSource{"default-scheduler"}, clock_);
  recorder.event(pod("p"), "Warning", "FailedScheduling", "0/1 nodes are available");
  recorder.flush();
  std::string name = json::getString(*json::getObject(events()[0], "metadata"), "name");
  api_->remove(kEvents, "default", name, {});  // expired (events have a TTL)
  recorder.event(pod("p"), "Warning", "FailedScheduling", "0/1 nodes are available");
  recorder.flush();
  auto all = events();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(json::getInt(all[0], "count"), 2);
  EXPECT_EQ(json::getString(*json::getObject(all[0], "metadata"), "name"), name);
}

TEST_F(EventRecorderTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  // The writer blocks in its first create until the test lets it go.
  std::mutex mutex;
  std::condition_variable changed;
  bool writing = false, release = false;
  api_->setReactor([&](const FakeAction& a) {
    if (a.resource != "events") return;
    std::unique_lock lock(mutex);
    writing = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
  });
  EventBroadcasterOptions options;
  options.maxQueued = 2;
  ApiEventRecorder recorder(api_, EventSource{"job-controller"}, clock_, options);
  recorder.event(pod("a"), "Normal", "SuccessfulCreate", "1");
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return writing; });  // "1" is being written, the queue is empty
  }
  recorder.event(pod("a"), "Normal", "SuccessfulCreate", "2");
  recorder.event(pod("a"), "Normal", "SuccessfulCreate", "3");
  recorder.event(pod("a"), "Normal", "SuccessfulCreate", "4");  // the queue holds 2: dropped
  EXPECT_EQ(recorder.dropped(), 1u);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  recorder.flush();
  std::vector<std::string> messages;
  for (const auto& e : events()) messages.push_back(json::getString(e, "message"));
  std::sort(messages.begin(), messages.end());
  EXPECT_EQ(messages, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(recorder.broadcaster()->written(), 3u);
}

TEST_F(EventRecorderTest, TheMemoryOfWrittenEventsIsBounded) {
  EventBroadcasterOptions options;
  options.maxAggregates = 2;
  ApiEventRecorder recorder(api_, EventSource{"kubelet", "n"}, clock_, options);
  recorder.event(pod("a"), "Normal", "Pulled", "m");
  recorder.event(pod("b"), "Normal", "Pulled", "m");
  recorder.event(pod("a"), "Normal", "Pulled", "m");  // still remembered: a count bump
  recorder.event(pod("c"), "Normal", "Pulled", "m");  // b, the least recently used, goes
  recorder.event(pod("b"), "Normal", "Pulled", "m");  // forgotten: a new Event
  recorder.flush();
  EXPECT_EQ(count("patch"), 1u);
  EXPECT_EQ(count("create"), 4u);
  EXPECT_EQ(events().size(), 4u);
}

TEST_F(EventRecorderTest, EventsAreWrittenInTheOrderRecorded) {
  ApiEventRecorder recorder(api_, EventSource{"statefulset-controller"}, clock_);
  // Each about its own object, so neither the spam filter nor similar-event combining applies.
  for (int i = 0; i < 50; ++i) {
    std::string name = "web-" + std::to_string(i);
    recorder.event(pod(name), "Normal", "SuccessfulCreate", "create Pod " + name);
  }
  recorder.flush();
  // One writer: the creates reach the API in recording order.
  std::vector<std::string> messages;
  for (const auto& a : api_->actions()) {
    if (a.verb != "create") continue;
    auto stored = api_->stored(kEvents, "default", a.name);
    ASSERT_TRUE(stored) << a.name;
    messages.push_back(json::getString(*stored, "message"));
  }
  ASSERT_EQ(messages.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(messages[i], "create Pod web-" + std::to_string(i));
}

TEST_F(EventRecorderTest, StopDropsWhatIsQueuedAndLaterEvents) {
  ApiEventRecorder recorder(api_, EventSource{"kubelet", "n"}, clock_);
  recorder.stop();
  recorder.event(pod("a"), "Normal", "Pulled", "m");
  recorder.flush();  // returns at once: nothing will be written
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(recorder.dropped(), 1u);
}

TEST(RecordingEventRecorderTest, RemembersEveryEvent) {
  RecordingEventRecorder recorder;
  recorder.event(pod("a"), "Normal", "SuccessfulCreate", "Created pod: a-1");
  recorder.event(pod("a"), "Normal", "SuccessfulCreate", "Created pod: a-2");
  recorder.event(pod("a"), "Warning", "FailedCreate", "Error creating: quota");
  EXPECT_EQ(recorder.count("SuccessfulCreate"), 2u);
  EXPECT_EQ(recorder.count("FailedCreate"), 1u);
  ASSERT_EQ(recorder.events().size(), 3u);
  EXPECT_EQ(recorder.events()[2].type, "Warning");
  EXPECT_EQ(recorder.events()[0].about.name, "a");
}

}  // namespace
}  // namespace cube::client
