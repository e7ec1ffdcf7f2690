// networking.k8s.io/v1 NetworkPolicy: selectors, ports and IP blocks.
#include "api/kinds/networking/networking_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::networking {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

void validatePeers(const json::array& peers, const std::string& path, Causes& out) {
  for (size_t i = 0; i < peers.size(); ++i) {
    if (!peers[i].is_object()) continue;
    const auto& peer = peers[i].as_object();
    std::string pp = v::index(path, i);
    int set = 0;
    if (const json::value* s = peer.if_contains("podSelector")) {
      ++set;
      v::append(out, v::validateLabelSelector(s, v::child(pp, "podSelector")));
    }
    if (const json::value* s = peer.if_contains("namespaceSelector")) {
      ++set;
      v::append(out, v::validateLabelSelector(s, v::child(pp, "namespaceSelector")));
    }
    if (const auto* block = v::getObject(peer, "ipBlock")) {
      ++set;
      if (v::getString(*block, "cidr").value_or("").empty()) {
        out.push_back(v::required(v::child(pp, "ipBlock.cidr")));
      }
    }
    if (set == 0) {
      out.push_back(v::required(pp, "must specify a peer"));
    } else if (peer.contains("ipBlock") && set > 1) {
      out.push_back(v::forbidden(pp, "may not specify more than 1 peer"));
    }
  }
}

void validatePorts(const json::array& ports, const std::string& path, Causes& out) {
  for (size_t i = 0; i < ports.size(); ++i) {
    if (!ports[i].is_object()) continue;
    const auto& port = ports[i].as_object();
    std::string pp = v::index(path, i);
    auto proto = v::getString(port, "protocol");
    if (proto && *proto != "TCP" && *proto != "UDP" && *proto != "SCTP") {
      out.push_back(
          v::notSupported(v::child(pp, "protocol"), json::value(*proto), {"SCTP", "TCP", "UDP"}));
    }
    if (const json::value* p = port.if_contains("port")) {
      if (p->is_int64()) {
        for (auto& m : v::isValidPortNum(p->as_int64())) {
          out.push_back(v::invalid(v::child(pp, "port"), *p, m));
        }
      } else if (p->is_string()) {
        for (auto& m : v::isValidPortName(p->as_string())) {
          out.push_back(v::invalid(v::child(pp, "port"), *p, m));
        }
      }
    }
  }
}

Causes validateNetworkPolicy(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(obj, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  if (const json::value* s = spec.if_contains("podSelector")) {
    v::append(out, v::validateLabelSelector(s, "spec.podSelector"));
  }
  for (const char* dir : {"ingress", "egress"}) {
    const auto* rules = v::getArray(spec, dir);
    if (!rules) continue;
    for (size_t i = 0; i < rules->size(); ++i) {
      if (!(*rules)[i].is_object()) continue;
      const auto& rule = (*rules)[i].as_object();
      std::string rp = v::index(v::child("spec", dir), i);
      if (const auto* ports = v::getArray(rule, "ports")) {
        validatePorts(*ports, v::child(rp, "ports"), out);
      }
      const char* peersKey = std::string_view(dir) == "ingress" ? "from" : "to";
      if (const auto* peers = v::getArray(rule, peersKey)) {
        validatePeers(*peers, v::child(rp, peersKey), out);
      }
    }
  }
  if (const auto* types = v::getArray(spec, "policyTypes")) {
    for (size_t i = 0; i < types->size(); ++i) {
      const auto& t = (*types)[i];
      if (!t.is_string() || (t.as_string() != "Ingress" && t.as_string() != "Egress")) {
        out.push_back(v::notSupported(v::index("spec.policyTypes", i), t, {"Egress", "Ingress"}));
      }
    }
    if (types->size() > 2)
      out.push_back(v::forbidden("spec.policyTypes", "may not specify more than two policyTypes"));
  }
  return out;
}

}  // namespace

KindStrategy networkPolicyStrategy() {
  KindStrategy s;
  s.validate = validateNetworkPolicy;
  return s;
}

}  // namespace cube::api::kinds::networking
