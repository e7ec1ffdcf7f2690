#pragma once
// Controller: what the ControllerManager runs. A controller is built from a ControllerContext
// (the shared informers, the API client, the clock), registers its informer handlers in its
// constructor, and reconciles keys on `workers` threads between start() and stop().

#include "client/api_client.h"
#include "client/fake_clock.h"
#include "controllers/shared_informers.h"

#include <memory>
#include <string>

namespace cube::controllers {

struct ControllerContext {
  client::ApiClientPtr client;
  SharedInformers* informers = nullptr;  // owned by the manager; outlives every controller
  client::ClockPtr clock;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  // Called once the shared informers have synced.
  virtual void start(int workers) = 0;
  // Stops the workers; returns when none is running.
  virtual void stop() = 0;
};
using ControllerPtr = std::unique_ptr<Controller>;

}  // namespace cube::controllers
