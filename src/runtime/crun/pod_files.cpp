#include "runtime/crun/pod_files.h"

#include "common/json_util.h"

#include <algorithm>
#include <sstream>

namespace cube::runtime::crun {

namespace bj = boost::json;

namespace {

constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearches = 32;

const bj::object& specOf(const bj::object& pod) {
  static const bj::object empty;
  const auto* spec = json::getObject(pod, "spec");
  return spec ? *spec : empty;
}

std::string namespaceOf(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  std::string ns = meta ? json::getString(*meta, "namespace") : "";
  return ns.empty() ? "default" : ns;
}

struct Resolver {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<std::string> options;  // "name" or "name:value"
};

Resolver parseResolvConf(const std::string& text) {
  Resolver r;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    if (!(words >> key) || key[0] == '#' || key[0] == ';') continue;
    std::string word;
    if (key == "nameserver") {
      if (words >> word) r.nameservers.push_back(word);
    } else if (key == "search" || key == "domain") {
      r.searches.clear();  // the last search/domain line wins, as in the resolver
      while (words >> word) r.searches.push_back(word);
    } else if (key == "options") {
      while (words >> word) r.options.push_back(word);
    }
  }
  return r;
}

void appendUnique(std::vector<std::string>& to, const std::vector<std::string>& more) {
  for (const auto& m : more) {
    if (std::find(to.begin(), to.end(), m) == to.end()) to.push_back(m);
  }
}

std::string optionName(const std::string& option) {
  return option.substr(0, option.find(':'));
}

void mergeOption(std::vector<std::string>& options, const std::string& option) {
  auto name = optionName(option);
  auto it = std::find_if(options.begin(), options.end(),
                         [&](const std::string& o) { return optionName(o) == name; });
  if (it == options.end()) {
    options.push_back(option);
  } else {
    *it = option;
  }
}

}  // namespace

std::string podHostname(const bj::object& pod) {
  std::string name = json::getString(specOf(pod), "hostname");
  if (name.empty()) {
    if (const auto* meta = json::getObject(pod, "metadata")) name = json::getString(*meta, "name");
  }
  if (name.size() > 63) {
    name.resize(63);
    while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  }
  return name;
}

std::string podHostsFile(const bj::object& pod, const std::string& podIp,
                         const std::string& hostname, const ClusterDns& dns,
                         const std::string& hostHosts) {
  const auto& spec = specOf(pod);
  std::string out;
  if (json::getBool(spec, "hostNetwork")) {
    out = "# Kubernetes-managed hosts file (host network).\n" + hostHosts;
    if (!out.empty() && out.back() != '\n') out += '\n';
  } else {
    out =
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n";
    if (!podIp.empty()) {
      std::string subdomain = json::getString(spec, "subdomain");
      out += podIp + "\t";
      if (!subdomain.empty()) {
        out += hostname + "." + subdomain + "." + namespaceOf(pod) + ".svc." + dns.domain + "\t";
      }
      out += hostname + "\n";
    }
  }
  if (const auto* aliases = json::getArray(spec, "hostAliases"); aliases && !aliases->empty()) {
    out += "\n# Entries added by HostAliases.\n";
    for (const auto& a : *aliases) {
      if (!a.is_object()) continue;
      std::string line = json::getString(a.get_object(), "ip");
      for (const auto& h : json::getStrings(a.get_object(), "hostnames")) line += "\t" + h;
      out += line + "\n";
    }
  }
  return out;
}

std::string podResolvConf(const bj::object& pod, const ClusterDns& dns,
                          const std::string& hostResolvConf) {
  const auto& spec = specOf(pod);
  std::string policy = json::getString(spec, "dnsPolicy");
  if (policy.empty()) policy = "ClusterFirst";
  bool hostNetwork = json::getBool(spec, "hostNetwork");
  if (policy == "ClusterFirst" && hostNetwork) policy = "Default";

  Resolver host = parseResolvConf(hostResolvConf);
  Resolver r;
  if (policy == "ClusterFirst" || policy == "ClusterFirstWithHostNet") {
    r.nameservers = dns.nameservers;
    std::string ns = namespaceOf(pod);
    r.searches = {ns + ".svc." + dns.domain, "svc." + dns.domain, dns.domain};
    appendUnique(r.searches, host.searches);
    r.options = {"ndots:5"};
  } else if (policy == "Default") {
    r = host;
  }  // None: only dnsConfig
  if (const auto* config = json::getObject(spec, "dnsConfig")) {
    appendUnique(r.nameservers, json::getStrings(*config, "nameservers"));
    appendUnique(r.searches, json::getStrings(*config, "searches"));
    if (const auto* options = json::getArray(*config, "options")) {
      for (const auto& o : *options) {
        if (!o.is_object()) continue;
        std::string option = json::getString(o.get_object(), "name");
        if (option.empty()) continue;
        if (auto it = o.get_object().find("value");
            it != o.get_object().end() && it->value().is_string()) {
          option += ":" + std::string(it->value().get_string());
        }
        mergeOption(r.options, option);
      }
    }
  }
  if (r.nameservers.size() > kMaxNameservers) r.nameservers.resize(kMaxNameservers);
  if (r.searches.size() > kMaxSearches) r.searches.resize(kMaxSearches);

  std::string out;
  for (const auto& n : r.nameservers) out += "nameserver " + n + "\n";
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
    return s;
  };
  if (!r.searches.empty()) out += "search " + joined(r.searches) + "\n";
  if (!r.options.empty()) out += "options " + joined(r.options) + "\n";
  return out;
}

}  // namespace cube::runtime::crun
