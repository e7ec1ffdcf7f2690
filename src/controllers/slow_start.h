#pragma once
// Slow start: run `count` writes in batches of 1, 2, 4, ... and stop after the first batch with a
// failure. A controller whose every create fails (quota, admission, a bad template) then makes a
// handful of failing calls per reconcile instead of flooding the API server with hundreds, while
// one that succeeds reaches full speed after a few batches.

#include <functional>
#include <string>

namespace cube::controllers {

struct BatchResult {
  int successes = 0;
  int attempted = 0;
  std::string firstError;  // the message of the first failure, "" when none failed
  bool failed() const { return attempted != successes; }
};

// Calls `write` (which throws on failure) up to `count` times. The calls of one batch run on at
// most `parallelism` threads (1: in the caller's thread).
BatchResult slowStartBatch(int count, int initialBatchSize, int parallelism,
                           const std::function<void()>& write);

}  // namespace cube::controllers
