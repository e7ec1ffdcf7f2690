#pragma once
// Which pods go first when a controller scales down, in Kubernetes' order: the pods whose loss
// hurts least. Unscheduled before scheduled; Pending before Unknown before Running; not ready
// before ready; lower controller.kubernetes.io/pod-deletion-cost first; pods sharing a node with
// more of their siblings first (spreads what remains); ready for a shorter time first; more
// container restarts first; newer first. Times are compared in powers of two of their age (the
// LogarithmicScaleDown rule), so pods of similar age are picked at random (by uid) rather than
// always the very newest, which would starve old pods of turnover.

#include "client/informer.h"
#include "common/clock.h"

#include <cstddef>
#include <vector>

namespace cube::controllers {

// The `count` pods of `pods` to delete first. `relatedPods` are the pods whose node sharing
// counts for the ranking (the owner's own pods, or those of all its siblings under one
// Deployment); `now` is the reference for ages.
std::vector<client::ObjectPtr> podsToDelete(const std::vector<client::ObjectPtr>& pods,
                                            const std::vector<client::ObjectPtr>& relatedPods,
                                            size_t count, TimePoint now);

// The ranking itself: pods sorted with the first victim first.
void rankPodsForDeletion(std::vector<client::ObjectPtr>& pods,
                         const std::vector<client::ObjectPtr>& relatedPods, TimePoint now);

}  // namespace cube::controllers
