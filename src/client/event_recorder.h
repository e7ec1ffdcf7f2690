#pragma once
// Events: what a component decided or did, as core/v1 Events on the object concerned, so
// `kubectl describe` shows them. Every component records through the EventRecorder interface;
// the API implementation is built as client-go's tools/record:
//  - an EventBroadcaster owns one writer thread and a bounded queue. event() only enqueues and
//    never blocks: when the queue is full the event is dropped and counted (events are advisory;
//    a slow API server must not slow scheduling or a pod sync).
//  - the correlator (event_correlator.h) drops spam and combines similar events as client-go
//    does; a repeat of an event (same object, type, reason, message and source) bumps count,
//    lastTimestamp and message on the Event already written instead of creating another. The
//    memory of what was written is a bounded LRU.
//  - recorders for many sources (1,000 hollow kubelets) share one broadcaster, so one thread.
// One writer thread keeps events in the order they were recorded.

#include "client/api_client.h"
#include "client/event_correlator.h"
#include "common/clock.h"
#include "common/lru_map.h"

#include <boost/json/object.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cube::client {

// Which object an event is about (core/v1 ObjectReference). Objects read from a list may lack
// apiVersion and kind, so the caller states them.
struct ObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resourceVersion;
  std::string fieldPath;  // a part of the object, e.g. "spec.containers{web}"

  static ObjectReference of(const boost::json::object& obj, std::string apiVersion,
                            std::string kind);
  boost::json::object toJson() const;
};

// Who reports: source.component ("kubelet", "default-scheduler", "job-controller") and, for
// the kubelet, source.host (the node name).
struct EventSource {
  EventSource(std::string component, std::string host = {})
      : component(std::move(component)), host(std::move(host)) {}
  std::string component;
  std::string host;
};

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // `type`: "Normal" or "Warning".
  virtual void event(const ObjectReference& about, const std::string& type,
                     const std::string& reason, const std::string& message) = 0;
};
using EventRecorderPtr = std::shared_ptr<EventRecorder>;

struct EventBroadcasterOptions {
  size_t maxQueued = 10000;     // events waiting to be written; more are dropped
  size_t maxAggregates = 4096;  // Events remembered for aggregation (least recently used go)
  EventCorrelatorOptions correlator;
};

// The Event object Kubernetes writes for a first occurrence: metadata.name <object>.<hex>.
boost::json::object makeEvent(const ObjectReference& about, const EventSource& source,
                              const std::string& type, const std::string& reason,
                              const std::string& message, TimePoint now, const std::string& name);

class EventBroadcaster {
 public:
  EventBroadcaster(ApiClientPtr client, cube::ClockPtr clock, EventBroadcasterOptions options = {});
  ~EventBroadcaster();
  EventBroadcaster(const EventBroadcaster&) = delete;
  EventBroadcaster& operator=(const EventBroadcaster&) = delete;

  // Queues one event; false (and counted as dropped) when the queue is full or stopped.
  bool post(const ObjectReference& about, const EventSource& source, const std::string& type,
            const std::string& reason, const std::string& message);
  // Blocks until every event queued so far is written (or failed): tests, orderly shutdown.
  void flush();
  // Ends the writer after the write under way; what is still queued is dropped. Idempotent.
  void stop();

  uint64_t dropped() const { return dropped_; }
  uint64_t filtered() const { return filtered_; }  // spam the correlator dropped
  uint64_t written() const { return written_; }    // creates and count bumps that succeeded

 private:
  struct Pending {
    ObjectReference about;
    EventSource source;
    std::string type, reason, message;
    TimePoint time;
  };
  struct Written {
    std::string ns, name;  // the Event written
    int64_t count = 0;
    std::string firstTimestamp;
  };

  void run();
  void write(const Pending& p);

  ApiClientPtr client_;
  cube::ClockPtr clock_;
  const EventBroadcasterOptions options_;
  uint64_t sequence_ = 0;  // writer-only: keeps names unique under a standing (fake) clock

  std::mutex mutex_;  // guards queue_, busy_, stopping_
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Pending> queue_;
  bool busy_ = false;
  bool stopping_ = false;

  // Writer-only: the correlator, and the Events written by correlation key.
  EventCorrelator correlator_;
  LruMap<Written> writtenEvents_;

  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> filtered_{0};
  std::atomic<uint64_t> written_{0};
  std::thread thread_;
};

// Records through the API with a fixed source: the recorder every component uses.
class ApiEventRecorder : public EventRecorder {
 public:
  // With a broadcaster of its own (one writer thread): one component.
  ApiEventRecorder(ApiClientPtr client, EventSource source, cube::ClockPtr clock,
                   EventBroadcasterOptions options = {});
  // Sharing `broadcaster` with other recorders (many hollow nodes, one thread).
  ApiEventRecorder(std::shared_ptr<EventBroadcaster> broadcaster, EventSource source);

  void event(const ObjectReference& about, const std::string& type, const std::string& reason,
             const std::string& message) override;

  void flush() { broadcaster_->flush(); }
  void stop() { broadcaster_->stop(); }
  uint64_t dropped() const { return broadcaster_->dropped(); }
  const std::shared_ptr<EventBroadcaster>& broadcaster() const { return broadcaster_; }

 private:
  std::shared_ptr<EventBroadcaster> broadcaster_;
  EventSource source_;
};

// Remembers every event; the fake for unit tests of the components that record.
class RecordingEventRecorder : public EventRecorder {
 public:
  struct Recorded {
    ObjectReference about;
    std::string type, reason, message;
  };
  void event(const ObjectReference& about, const std::string& type, const std::string& reason,
             const std::string& message) override;
  std::vector<Recorded> events() const;
  size_t count(const std::string& reason) const;

 private:
  mutable std::mutex mutex_;  // guards events_
  std::vector<Recorded> events_;
};

}  // namespace cube::client
