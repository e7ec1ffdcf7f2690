#pragma once
// A fake runtime that holds one sandbox ("sb", of the pod with uid "uid-1") and never runs
// anything by itself: the streaming tests list their own containers in it.

#include "runtime/fake/fake_runtime.h"

namespace cube::agent::testing {

class OneSandboxRuntime : public runtime::FakeRuntime {
 public:
  OneSandboxRuntime() : FakeRuntime(systemClock(), [](TimePoint, std::function<void()>) {}) {}
  std::vector<runtime::SandboxStatus> listSandboxes() override {
    runtime::SandboxStatus s;
    s.id = "sb";
    s.podUid = "uid-1";
    return {s};
  }
};

}  // namespace cube::agent::testing
