// ControllerManager: one informer per resource however many controllers use it; controllers start
// after the caches sync and stop cleanly.

#include "controllers/controller_manager.h"
#include "../client/fake_api_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace cube::controllers {
namespace {

using client::testing::FakeApiClient;

TEST(SharedInformers, OneInformerPerResource) {
  auto api = std::make_shared<FakeApiClient>();
  SharedInformers informers(api, std::chrono::milliseconds(0));
  client::Resource pods{"", "v1", "pods", true};
  EXPECT_EQ(informers.informerFor(pods), informers.informerFor(pods));
  EXPECT_NE(informers.informerFor(pods),
            informers.informerFor({"apps", "v1", "replicasets", true}));
}

TEST(ControllerManager, DefaultControllersShareThePodInformer) {
  auto api = std::make_shared<FakeApiClient>();
  ControllerManagerOptions options;
  options.workersPerController = 2;
  ControllerManager manager(api, options);
  manager.addDefaultControllers();
  // The list grows with every controller; these two come first and every name is distinct.
  auto names = manager.controllerNames();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "replicaset-controller");
  EXPECT_EQ(names[1], "replication-controller");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  ASSERT_TRUE(manager.start());
  auto actions = api->actions();
  auto lists = [&](const std::string& resource) {
    return std::count_if(actions.begin(), actions.end(),
                         [&](const auto& a) { return a.verb == "list" && a.resource == resource; });
  };
  EXPECT_EQ(lists("pods"), 1);
  EXPECT_EQ(lists("replicasets.apps"), 1);
  EXPECT_EQ(lists("replicationcontrollers"), 1);
  manager.stop();
  // Registering after start is a wiring bug, refused loudly.
  ControllerManager started(api, options);
  started.start();
  EXPECT_THROW(started.addDefaultControllers(), std::logic_error);
}

}  // namespace
}  // namespace cube::controllers
