#include "cmd/allocator.h"

#include "common/log.h"

#include <jemalloc/jemalloc.h>

extern "C" {
const char* malloc_conf = "percpu_arena:percpu,dirty_decay_ms:5000,muzzy_decay_ms:0";
}

namespace cube::cmd {

void startAllocatorBackgroundThread() {
  bool enable = true;
  if (int err = mallctl("background_thread", nullptr, nullptr, &enable, sizeof(enable)); err != 0) {
    CUBE_LOG(Warn) << "jemalloc background thread not started (error " << err
                   << "): freed memory is returned only while allocating";
  }
}

}  // namespace cube::cmd
