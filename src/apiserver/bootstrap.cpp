#include "apiserver/bootstrap.h"

#include "common/json_util.h"
#include "common/log.h"

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

void ensure(ResourceStore& store, const std::string& group, const std::string& version,
            const std::string& plural, const std::string& ns, bj::object obj) {
  auto info = store.registry().find(group, version, plural);
  if (!info) return;
  std::string name = json::getString(*json::getObject(obj, "metadata"), "name");
  if (store.cache().get(store.key(*info, ns, name))) return;
  try {
    store.create(*info, ns, std::move(obj), {});
  } catch (const ApiError& e) {
    if (e.code() != 409) {
      CUBE_LOG(Warn) << "bootstrap " << plural << ": " << e.message();
    }
  }
}

bj::object objectNamed(const std::string& apiVersion, const std::string& kind,
                       const std::string& name, const std::string& ns) {
  bj::object o;
  o["apiVersion"] = apiVersion;
  o["kind"] = kind;
  bj::object meta;
  meta["name"] = name;
  if (!ns.empty()) meta["namespace"] = ns;
  o["metadata"] = std::move(meta);
  return o;
}

}  // namespace

void ensureBootstrapObjects(ResourceStore& store, const std::string& serviceIp,
                            const std::string& apiServerIp, uint16_t apiServerPort) {
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    ensure(store, "", "v1", "namespaces", "", objectNamed("v1", "Namespace", name, ""));
  }

  bj::object svc = objectNamed("v1", "Service", "kubernetes", "default");
  svc["metadata"].get_object()["labels"] =
      bj::object{{"component", "apiserver"}, {"provider", "kubernetes"}};
  bj::object port{
      {"name", "https"}, {"port", 443}, {"protocol", "TCP"}, {"targetPort", apiServerPort}};
  svc["spec"] = bj::object{{"type", "ClusterIP"},
                           {"clusterIP", serviceIp},
                           {"sessionAffinity", "None"},
                           {"ports", bj::array{port}}};
  ensure(store, "", "v1", "services", "default", std::move(svc));

  bj::object ep = objectNamed("v1", "Endpoints", "kubernetes", "default");
  ep["metadata"].get_object()["labels"] =
      bj::object{{"endpointslice.kubernetes.io/skip-mirror", "true"}};
  ep["subsets"] = bj::array{bj::object{
      {"addresses", bj::array{bj::object{{"ip", apiServerIp}}}},
      {"ports",
       bj::array{bj::object{{"name", "https"}, {"port", apiServerPort}, {"protocol", "TCP"}}}}}};
  ensure(store, "", "v1", "endpoints", "default", std::move(ep));

  bj::object slice = objectNamed("discovery.k8s.io/v1", "EndpointSlice", "kubernetes", "default");
  slice["metadata"].get_object()["labels"] =
      bj::object{{"kubernetes.io/service-name", "kubernetes"},
                 {"endpointslice.kubernetes.io/managed-by", "cube-apiserver"}};
  slice["addressType"] = "IPv4";
  slice["endpoints"] = bj::array{bj::object{{"addresses", bj::array{bj::value(apiServerIp)}},
                                            {"conditions", bj::object{{"ready", true}}}}};
  slice["ports"] =
      bj::array{bj::object{{"name", "https"}, {"port", apiServerPort}, {"protocol", "TCP"}}};
  ensure(store, "discovery.k8s.io", "v1", "endpointslices", "default", std::move(slice));
}

}  // namespace cube::apiserver
