// networking.k8s.io/v1 Ingress: rules, paths (pathType required) and backends (exactly one of
// service and resource), with Kubernetes' messages.
#include "api/kinds/networking/networking_strategies.h"
#include "api/validation/validation.h"

#include <array>

namespace cube::api::kinds::networking {

namespace json = boost::json;
namespace v = cube::api::validation;
using v::Causes;

namespace {

// IsWildcardDNS1123Subdomain: "*." followed by a DNS subdomain.
std::vector<std::string> isWildcardDns1123Subdomain(std::string_view value) {
  std::vector<std::string> out;
  if (value.size() > 253) out.push_back(v::maxLenError(253));
  bool ok = value.size() > 2 && value.substr(0, 2) == "*." &&
            v::isDns1123Subdomain(value.substr(2)).empty();
  if (!ok) {
    out.push_back(v::regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
        "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
        "alphanumeric character",
        "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
        {"*.example.com"}));
  }
  return out;
}

void validateHost(std::string_view host, const std::string& path, Causes& out) {
  if (v::isValidIp(host).empty()) {
    out.push_back(v::invalid(path, json::value(host), "must be a DNS name, not an IP address"));
  }
  auto msgs = host.find('*') != std::string_view::npos ? isWildcardDns1123Subdomain(host)
                                                       : v::isDns1123Subdomain(host);
  for (auto& m : msgs) out.push_back(v::invalid(path, json::value(host), m));
}

void validateBackend(const json::object& backend, const std::string& path, Causes& out) {
  const auto* resource = v::getObject(backend, "resource");
  const auto* service = v::getObject(backend, "service");
  if (resource && service) {
    out.push_back(
        v::invalid(path, json::value(""), "cannot set both resource and service backends"));
    return;
  }
  if (resource) {
    std::string rp = v::child(path, "resource");
    if (v::getString(*resource, "kind").value_or("").empty()) {
      out.push_back(v::required(v::child(rp, "kind")));
    }
    if (v::getString(*resource, "name").value_or("").empty()) {
      out.push_back(v::required(v::child(rp, "name")));
    }
    if (auto group = v::getString(*resource, "apiGroup"); group && !group->empty()) {
      for (auto& m : v::isDns1123Subdomain(*group)) {
        out.push_back(v::invalid(v::child(rp, "apiGroup"), json::value(*group), m));
      }
    }
    return;
  }
  if (service) {
    auto name = v::getString(*service, "name").value_or("");
    std::string np = v::child(path, "service.name");
    if (name.empty()) {
      out.push_back(v::required(np));
    } else {
      for (auto& m : v::nameIsDns1035Label(name, false)) {
        out.push_back(v::invalid(np, json::value(name), m));
      }
    }
    static const json::object kEmpty;
    const auto* portPtr = v::getObject(*service, "port");
    const auto& port = portPtr ? *portPtr : kEmpty;
    auto portName = v::getString(port, "name").value_or("");
    auto portNumber = v::getInt(port, "number").value_or(0);
    if (!portName.empty() && portNumber != 0) {
      out.push_back(v::invalid(path, json::value(""), "cannot set both port name & port number"));
    } else if (!portName.empty()) {
      for (auto& m : v::isValidPortName(portName)) {
        out.push_back(v::invalid(v::child(path, "service.port.name"), json::value(portName), m));
      }
    } else if (portNumber != 0) {
      for (auto& m : v::isValidPortNum(portNumber)) {
        out.push_back(
            v::invalid(v::child(path, "service.port.number"), json::value(portNumber), m));
      }
    } else {
      out.push_back(v::required(path, "port name or number is required"));
    }
    return;
  }
  out.push_back(v::invalid(path, json::value(""), "resource or service backend is required"));
}

void validatePath(const json::object& p, const std::string& path, Causes& out) {
  const json::value* pathType = p.if_contains("pathType");
  if (!pathType || pathType->is_null()) {
    out.push_back(v::required(v::child(path, "pathType"), "pathType must be specified"));
    return;
  }
  std::string type = pathType->is_string() ? std::string(pathType->as_string()) : "";
  std::string value(v::getString(p, "path").value_or(""));
  std::string pp = v::child(path, "path");
  if (type == "Exact" || type == "Prefix") {
    if (value.empty() || value[0] != '/') {
      out.push_back(v::invalid(pp, json::value(value), "must be an absolute path"));
    }
    if (!value.empty()) {
      for (const char* seq : {"//", "/./", "/../", "%2f", "%2F"}) {
        if (value.find(seq) != std::string::npos) {
          out.push_back(
              v::invalid(pp, json::value(value), std::string("must not contain '") + seq + "'"));
        }
      }
      for (std::string_view suffix : {"/..", "/."}) {
        if (value.size() >= suffix.size() &&
            value.compare(value.size() - suffix.size(), suffix.size(), suffix) == 0) {
          out.push_back(
              v::invalid(pp, json::value(value), "cannot end with '" + std::string(suffix) + "'"));
        }
      }
    }
  } else if (type == "ImplementationSpecific") {
    if (!value.empty() && value[0] != '/') {
      out.push_back(v::invalid(pp, json::value(value), "must be an absolute path"));
    }
  } else {
    out.push_back(v::notSupported(v::child(path, "pathType"), *pathType,
                                  {"Exact", "ImplementationSpecific", "Prefix"}));
  }
  static const json::object kEmpty;
  const auto* backend = v::getObject(p, "backend");
  validateBackend(backend ? *backend : kEmpty, v::child(path, "backend"), out);
}

void validateRules(const json::array& rules, Causes& out) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!rules[i].is_object()) continue;
    const auto& rule = rules[i].as_object();
    std::string rp = v::index("spec.rules", i);
    if (auto host = v::getString(rule, "host"); host && !host->empty()) {
      validateHost(*host, v::child(rp, "host"), out);
    }
    const auto* http = v::getObject(rule, "http");
    if (!http) continue;
    std::string hp = v::child(rp, "http");
    const auto* paths = v::getArray(*http, "paths");
    if (!paths || paths->empty()) out.push_back(v::required(v::child(hp, "paths")));
    if (!paths) continue;
    for (size_t j = 0; j < paths->size(); ++j) {
      static const json::object kEmpty;
      const auto& p = (*paths)[j].is_object() ? (*paths)[j].as_object() : kEmpty;
      validatePath(p, v::index(v::child(hp, "paths"), j), out);
    }
  }
}

Causes validateIngress(const json::object& obj, const json::object* old) {
  Causes out = v::validateMeta(obj, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* specPtr = v::getObject(obj, "spec");
  const auto& spec = specPtr ? *specPtr : kEmpty;
  const auto* rules = v::getArray(spec, "rules");
  const auto* defaultBackend = v::getObject(spec, "defaultBackend");
  if ((!rules || rules->empty()) && !defaultBackend) {
    out.push_back(v::invalidPrinted(
        "spec", rules ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)",
        "either `defaultBackend` or `rules` must be specified"));
  }
  if (defaultBackend) validateBackend(*defaultBackend, "spec.defaultBackend", out);
  if (rules) validateRules(*rules, out);
  if (const auto* tls = v::getArray(spec, "tls")) {
    for (size_t i = 0; i < tls->size(); ++i) {
      if (!(*tls)[i].is_object()) continue;
      const auto* hosts = v::getArray((*tls)[i].as_object(), "hosts");
      if (!hosts) continue;
      for (size_t j = 0; j < hosts->size(); ++j) {
        if (!(*hosts)[j].is_string()) continue;
        std::string_view h = (*hosts)[j].as_string();
        std::string hp = v::index(v::child(v::index("spec.tls", i), "hosts"), j);
        auto msgs = h.find('*') != std::string_view::npos ? isWildcardDns1123Subdomain(h)
                                                          : v::isDns1123Subdomain(h);
        for (auto& m : msgs) out.push_back(v::invalid(hp, json::value(h), m));
      }
    }
  }
  if (auto cls = v::getString(spec, "ingressClassName")) {
    for (auto& m : v::nameIsDnsSubdomain(*cls, false)) {
      out.push_back(v::invalid("spec.ingressClassName", json::value(*cls), m));
    }
  }
  return out;
}

}  // namespace

KindStrategy ingressStrategy() {
  KindStrategy s;
  s.validate = validateIngress;
  return s;
}

}  // namespace cube::api::kinds::networking
