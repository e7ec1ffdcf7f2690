#include "client/leader_elected_component.h"

#include "common/log.h"

namespace cube::client {

LeaderElectedComponent::LeaderElectedComponent(ApiClientPtr api, LeaseConfig lease, Starter starter,
                                               ClockPtr clock)
    : starter_(std::move(starter)),
      elector_(std::move(api), std::move(lease),
               LeaderCallbacks{[this] { beginTerm(); }, [this] { endTerm(); }}, std::move(clock)) {}

LeaderElectedComponent::~LeaderElectedComponent() {
  stop();
}

void LeaderElectedComponent::start() {
  if (electorThread_.joinable()) return;
  electorThread_ = std::thread([this] { elector_.run(); });
}

void LeaderElectedComponent::stop() {
  elector_.stop();
  // run() ends every term it began (endTerm) before returning.
  if (electorThread_.joinable()) electorThread_.join();
}

int LeaderElectedComponent::terms() const {
  std::lock_guard lock(mutex_);
  return terms_;
}

void LeaderElectedComponent::beginTerm() {
  std::lock_guard lock(mutex_);
  ++terms_;
  stopper_ = nullptr;
  termThread_ = std::thread([this] {
    Stopper stopper = starter_();
    std::lock_guard lock(mutex_);
    // A term that ended while we were starting is stopped by endTerm, which joins us first.
    stopper_ = std::move(stopper);
  });
}

void LeaderElectedComponent::endTerm() {
  std::thread starting;
  {
    std::lock_guard lock(mutex_);
    starting = std::move(termThread_);
  }
  // Waits for a start still in progress (bounded by the component's own sync timeout) so that
  // no instance outlives its term.
  if (starting.joinable()) starting.join();
  Stopper stopper;
  {
    std::lock_guard lock(mutex_);
    stopper = std::move(stopper_);
    stopper_ = nullptr;
  }
  if (stopper) stopper();
  CUBE_LOG(Info) << "leader election: stopped the component of term " << terms();
}

}  // namespace cube::client
