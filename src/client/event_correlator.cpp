#include "client/event_correlator.h"

#include "client/event_recorder.h"

#include <algorithm>

namespace cube::client {

namespace {

std::string joinKey(std::initializer_list<const std::string*> parts) {
  std::string key;
  for (const std::string* part : parts) {
    key += *part;
    key += '\x1f';  // unit separator: no field contains it
  }
  return key;
}

}  // namespace

EventCorrelator::EventCorrelator(EventCorrelatorOptions options)
    : options_(options), spam_(options.cacheSize), similar_(options.cacheSize) {}

CorrelatedEvent EventCorrelator::correlate(const ObjectReference& about, const EventSource& source,
                                           const std::string& type, const std::string& reason,
                                           const std::string& message, TimePoint now) {
  CorrelatedEvent out;
  // Spam filter: a token bucket per source + object.
  std::string spamKey = joinKey({&source.component, &source.host, &about.kind, &about.namespace_,
                                 &about.name, &about.uid, &about.apiVersion});
  TokenBucket* bucket = spam_.find(spamKey);
  if (!bucket) bucket = &spam_.put(spamKey, {options_.spamBurst, now});
  double elapsed = std::chrono::duration<double>(now - bucket->refilledAt).count();
  if (elapsed > 0) {
    bucket->tokens =
        std::min(options_.spamBurst, bucket->tokens + elapsed * options_.spamPerSecond);
    bucket->refilledAt = now;
  }
  if (bucket->tokens < 1) {
    out.skip = true;
    return out;
  }
  bucket->tokens -= 1;

  // Similar events: same source, object, type and reason; only the message differs.
  std::string groupKey = joinKey({&source.component, &source.host, &about.kind, &about.namespace_,
                                  &about.name, &about.uid, &about.apiVersion, &type, &reason});
  SimilarGroup* group = similar_.find(groupKey);
  if (!group || now - group->lastSeen > options_.similarInterval) {
    group = &similar_.put(groupKey, {});
  }
  group->messages.insert(message);
  group->lastSeen = now;
  if (group->messages.size() < options_.maxSimilar) {
    out.message = message;
    out.key = joinKey({&source.component, &source.host, &about.kind, &about.namespace_, &about.name,
                       &about.fieldPath, &about.uid, &about.apiVersion, &type, &reason, &message});
    return out;
  }
  // Keep the set below the threshold: every further distinct message is combined too.
  group->messages.erase(group->messages.begin());
  out.message = "(combined from similar events): " + message;
  out.key = groupKey;
  return out;
}

}  // namespace cube::client
