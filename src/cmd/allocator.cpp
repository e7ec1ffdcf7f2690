#include "cmd/allocator.h"

#include "common/log.h"

#include <jemalloc/jemalloc.h>
#include <unistd.h>

#include <cstdlib>

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

void useAgentAllocatorSettings(char** argv) {
  if (std::getenv("MALLOC_CONF") != nullptr) return;
  if (::setenv("MALLOC_CONF", "tcache:false", 0) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Not re-executed (no /proc?): run with the built-in settings, and keep MALLOC_CONF out of
  // the children's environment.
  ::unsetenv("MALLOC_CONF");
}

}  // namespace cube::cmd
