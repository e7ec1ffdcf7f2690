#pragma once
// EventCorrelator: what the event recorder writes for an event, as client-go's correlator
// decides it (so a busy cluster writes the Events Kubernetes writes, not one per occurrence):
//  - spam filter: one source may report 25 events about one object at once, then one per 5
//    minutes (a token bucket per source + object); the rest are dropped.
//  - similar events: the 10th distinct message within 10 minutes for the same source, object,
//    type and reason (e.g. the 10th "Created pod: ..." of a ReplicaSet) and every one after it
//    become one Event "(combined from similar events): <latest message>" whose count grows.
//  - the same event again (same everything) bumps the count of the Event already written; that
//    is the broadcaster's part, keyed by `key`.

#include "common/clock.h"
#include "common/lru_map.h"

#include <chrono>
#include <set>
#include <string>

namespace cube::client {

struct ObjectReference;
struct EventSource;

struct EventCorrelatorOptions {
  size_t cacheSize = 4096;           // entries in each of the LRU memories
  double spamBurst = 25;             // events about an object a source may send at once
  double spamPerSecond = 1.0 / 300;  // and the refill after that
  size_t maxSimilar = 10;            // distinct messages before similar events are combined
  std::chrono::seconds similarInterval{600};  // a quieter group starts afresh
};

struct CorrelatedEvent {
  bool skip = false;    // spam: write nothing
  std::string message;  // the message to write (combined ones carry the prefix)
  std::string key;      // which written Event a repeat bumps: exact or combined
};

class EventCorrelator {
 public:
  explicit EventCorrelator(EventCorrelatorOptions options = {});

  CorrelatedEvent correlate(const ObjectReference& about, const EventSource& source,
                            const std::string& type, const std::string& reason,
                            const std::string& message, TimePoint now);

 private:
  struct TokenBucket {
    double tokens = 0;
    TimePoint refilledAt;
  };
  struct SimilarGroup {
    std::set<std::string> messages;
    TimePoint lastSeen;
  };

  EventCorrelatorOptions options_;
  LruMap<TokenBucket> spam_;
  LruMap<SimilarGroup> similar_;
};

}  // namespace cube::client
