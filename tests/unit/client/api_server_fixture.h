#pragma once
// A real API server on a free loopback port, on the memory store, for client tests.

#include "apiserver/api_server.h"
#include "client/http_api_client.h"
#include "common/api_error.h"
#include "store/memory/memory_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

namespace cube::client {

class ApiServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    apiserver::ApiServerOptions options;
    options.port = 0;
    options.workerThreads = 8;
    server_ = apiserver::makeApiServer(options, store::makeMemoryStore());
    server_->start();
    client_ = std::make_shared<HttpApiClient>("127.0.0.1", server_->port());
  }
  void TearDown() override { server_->stop(); }

  // Polls `check` every 20 ms until it holds; false after `limit` (a guard against a hung test,
  // never an assertion on speed). An ApiError from `check` (the object is not there yet) counts
  // as "not yet".
  static bool eventually(const std::function<bool()>& check,
                         std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      try {
        if (check()) return true;
      } catch (const ApiError&) {
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  static Resource pods() { return {"", "v1", "pods", true}; }
  static Resource configMaps() { return {"", "v1", "configmaps", true}; }
  static boost::json::object configMap(const std::string& name, const std::string& value) {
    return boost::json::object{{"apiVersion", "v1"},
                               {"kind", "ConfigMap"},
                               {"metadata", boost::json::object{{"name", name}}},
                               {"data", boost::json::object{{"k", value}}}};
  }

  std::unique_ptr<apiserver::ApiServer> server_;
  std::shared_ptr<HttpApiClient> client_;
};

}  // namespace cube::client
