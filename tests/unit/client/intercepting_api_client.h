#pragma once
// InterceptingApiClient: forwards every call to another ApiClient after calling `before` with
// what is about to happen, so a test can fail a request (throw), hold it (block) or count it —
// e.g. a client cut off from the server, or a server that answers some writes slowly.

#include "client/api_client.h"
#include "fake_api_client.h"

#include <functional>
#include <memory>

namespace cube::client::testing {

class InterceptingApiClient : public ApiClient {
 public:
  using Hook = std::function<void(const FakeAction&)>;
  InterceptingApiClient(std::shared_ptr<ApiClient> inner, Hook before)
      : inner_(std::move(inner)), before_(std::move(before)) {}

  boost::json::object get(const Resource& r, const std::string& ns,
                          const std::string& name) override {
    before_({"get", r.plural, ns, name, ""});
    return inner_->get(r, ns, name);
  }
  ObjectList list(const Resource& r, const std::string& ns, const ListOptions& o) override {
    before_({"list", r.plural, ns, "", ""});
    return inner_->list(r, ns, o);
  }
  boost::json::object create(const Resource& r, const std::string& ns,
                             const boost::json::object& obj, const std::string& sub,
                             const std::string& name) override {
    before_({"create", r.plural, ns, name, sub});
    return inner_->create(r, ns, obj, sub, name);
  }
  boost::json::object update(const Resource& r, const std::string& ns, const std::string& name,
                             const boost::json::object& obj, const std::string& sub) override {
    before_({"update", r.plural, ns, name, sub});
    return inner_->update(r, ns, name, obj, sub);
  }
  boost::json::object patch(const Resource& r, const std::string& ns, const std::string& name,
                            PatchKind kind, const std::string& body,
                            const std::string& sub) override {
    before_({"patch", r.plural, ns, name, sub});
    return inner_->patch(r, ns, name, kind, body, sub);
  }
  void remove(const Resource& r, const std::string& ns, const std::string& name,
              const DeleteOptions& o) override {
    before_({"delete", r.plural, ns, name, ""});
    inner_->remove(r, ns, name, o);
  }
  std::unique_ptr<WatchStream> watch(const Resource& r, const std::string& ns,
                                     const WatchOptions& o) override {
    before_({"watch", r.plural, ns, "", ""});
    return inner_->watch(r, ns, o);
  }

 private:
  std::shared_ptr<ApiClient> inner_;
  Hook before_;
};

}  // namespace cube::client::testing
