#include "scheduler/binder.h"

namespace cube::scheduler {

namespace bj = boost::json;

namespace {
const client::Resource kPods{"", "v1", "pods", true};
}

Binder::Binder(client::ApiClientPtr client, size_t threads)
    : client_(std::move(client)), pool_(threads) {}

bj::object Binder::bindingObject(const PodInfo& pod, const std::string& node) {
  bj::object meta{{"name", pod.name}, {"namespace", pod.ns}};
  if (!pod.uid.empty()) meta["uid"] = pod.uid;
  return bj::object{{"apiVersion", "v1"},
                    {"kind", "Binding"},
                    {"metadata", std::move(meta)},
                    {"target", bj::object{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
}

void Binder::bind(const PodInfoPtr& pod, const std::string& node, BindCallback done) {
  pool_.post([this, pod, node, done = std::move(done)] {
    std::optional<ApiError> error;
    try {
      client_->create(kPods, pod->ns, bindingObject(*pod, node), "binding", pod->name);
    } catch (const ApiError& e) {
      error = e;
    } catch (const std::exception& e) {
      error = ApiError::internal(e.what());
    }
    done(error);
  });
}

}  // namespace cube::scheduler
