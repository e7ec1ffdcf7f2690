#pragma once
// EventRecorder: the decisions a controller makes, as core/v1 Events on the object it acted for,
// so `kubectl describe` shows them. Recording is best effort: a failed event never fails a
// reconcile. The interface has a recording fake (tests) beside the API implementation.

#include "client/api_client.h"
#include "common/clock.h"

#include <boost/json/object.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace cube::controllers {

// Which object an event is about. Objects read from a list may lack apiVersion and kind, so the
// controller states them.
struct ObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resourceVersion;

  static ObjectReference of(const boost::json::object& obj, std::string apiVersion,
                            std::string kind);
  boost::json::object toJson() const;
};

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // `type`: "Normal" or "Warning".
  virtual void event(const ObjectReference& about, const std::string& type,
                     const std::string& reason, const std::string& message) = 0;
};
using EventRecorderPtr = std::shared_ptr<EventRecorder>;

// Creates an Event through the API, source.component = `component`.
class ApiEventRecorder : public EventRecorder {
 public:
  ApiEventRecorder(client::ApiClientPtr client, std::string component, cube::ClockPtr clock);
  void event(const ObjectReference& about, const std::string& type, const std::string& reason,
             const std::string& message) override;

  // The Event object that event() creates (exposed for tests).
  boost::json::object makeEvent(const ObjectReference& about, const std::string& type,
                                const std::string& reason, const std::string& message);

 private:
  client::ApiClientPtr client_;
  std::string component_;
  cube::ClockPtr clock_;
  std::atomic<uint64_t> sequence_{0};  // keeps names unique when the (fake) clock stands still
};

// Remembers every event; for tests.
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

}  // namespace cube::controllers
