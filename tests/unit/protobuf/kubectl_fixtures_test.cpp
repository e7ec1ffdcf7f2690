// Bodies captured from the real kubectl v1.32 (`kubectl create namespace captured`, `kubectl
// create deployment cap --image=nginx --replicas=3`) through a recording proxy on 127.0.0.1, as
// hex.
#include "api/protobuf/kind_resolver.h"
#include "api/protobuf/protobuf_decoder.h"

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace cube::api {
namespace {

namespace json = boost::json;

std::string fromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

json::value decodeHex(std::string_view hex) {
  const auto& registry = ResourceRegistry::builtin();
  return decodeKubernetesProtobuf(fromHex(hex), registry.types(), protobufResolver(registry));
}

constexpr std::string_view kCreateNamespace =
    "6b3873000a0f0a02763112094e616d65737061636512200a180a08636170747572656412001a0022"
    "002a0032003800420012001a020a001a002200";

constexpr std::string_view kCreateDeployment =
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b2010a260a0363617012001a"
    "0764656661756c7422002a003200380042005a0a0a036170701203636170127a0803120c0a0a0a03"
    "61707012036361701a600a1c0a0012001a0022002a003200380042005a0a0a036170701203636170"
    "124012220a056e67696e7812056e67696e782a0042006a007200800100880100900100a201001a00"
    "320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c08001000"
    "18002000280038001a002200";

TEST(KubectlFixtures, CreateNamespace) {
  EXPECT_EQ(decodeHex(kCreateNamespace), json::parse(R"({"apiVersion": "v1", "kind": "Namespace",
      "metadata": {"name": "captured"}, "spec": {}, "status": {}})"));
}

TEST(KubectlFixtures, CreateDeployment) {
  EXPECT_EQ(decodeHex(kCreateDeployment), json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "cap", "namespace": "default", "labels": {"app": "cap"}},
    "spec": {
      "replicas": 3,
      "selector": {"matchLabels": {"app": "cap"}},
      "template": {
        "metadata": {"labels": {"app": "cap"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]}},
      "strategy": {}},
    "status": {}})"));
}

}  // namespace
}  // namespace cube::api
