#include "cmd/log_shim.h"

#include "runtime/crun/container_shim.h"

#include <sys/prctl.h>

namespace cube::cmd {

void registerLogShim() {
  // /proc/self/exe in the shim's own exec names this very binary, even if it was replaced since.
  runtime::crun::setLogShimCommand({"/proc/self/exe", kLogShimCommand});
}

int runLogShim(int argc, char** argv) {
  // exec named it "exe" (of /proc/self/exe): the name the runner reaps its zombie by.
  ::prctl(PR_SET_NAME, "cube-log-shim", 0, 0, 0);
  return runtime::crun::runLogShim(runtime::crun::shimFdsFromArgs(argc, argv));
}

}  // namespace cube::cmd
