#include "controllers/shared_informers.h"

#include <stdexcept>

namespace cube::controllers {

SharedInformers::SharedInformers(client::ApiClientPtr client,
                                 std::chrono::milliseconds resyncPeriod)
    : client_(std::move(client)), resyncPeriod_(resyncPeriod) {}

SharedInformers::~SharedInformers() {
  stop();
}

std::shared_ptr<client::Informer> SharedInformers::informerFor(const client::Resource& resource) {
  std::lock_guard lock(mutex_);
  std::string key = resource.apiVersion() + "/" + resource.plural;
  auto it = informers_.find(key);
  if (it != informers_.end()) return it->second;
  // Handlers can only be added before an informer runs; a late request is a wiring bug.
  if (started_) throw std::logic_error("SharedInformers: informer for " + key + " after start()");
  auto informer = std::make_shared<client::Informer>(client_, resource, "", client::ListOptions{},
                                                     resyncPeriod_);
  informers_[key] = informer;
  return informer;
}

void SharedInformers::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  for (auto& [key, informer] : informers_) informer->start();
}

bool SharedInformers::waitForSync(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<std::string, std::shared_ptr<client::Informer>> all;
  {
    std::lock_guard lock(mutex_);
    all = informers_;
  }
  for (auto& [key, informer] : all) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!informer->waitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

void SharedInformers::stop() {
  std::map<std::string, std::shared_ptr<client::Informer>> all;
  {
    std::lock_guard lock(mutex_);
    if (!started_) return;
    all = informers_;
  }
  for (auto& [key, informer] : all) informer->stop();
}

}  // namespace cube::controllers
