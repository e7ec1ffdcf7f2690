#pragma once
// SharedInformers: one informer per resource for the whole controller manager, however many
// controllers watch it — one LIST+WATCH and one cache of pods, not one per controller. Controllers
// ask for the informers they need (and add their handlers) before start().

#include "client/informer.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace cube::controllers {

class SharedInformers {
 public:
  SharedInformers(client::ApiClientPtr client, std::chrono::milliseconds resyncPeriod);
  ~SharedInformers();

  // The informer of `resource` (all namespaces), created on first request. Only before start().
  std::shared_ptr<client::Informer> informerFor(const client::Resource& resource);

  void start();
  // True once every informer has its first LIST (waits at most `timeout` in all).
  bool waitForSync(std::chrono::milliseconds timeout);
  void stop();

 private:
  client::ApiClientPtr client_;
  std::chrono::milliseconds resyncPeriod_;
  std::mutex mutex_;  // guards informers_ and started_
  std::map<std::string, std::shared_ptr<client::Informer>> informers_;  // "group/version/plural"
  bool started_ = false;
};

}  // namespace cube::controllers
