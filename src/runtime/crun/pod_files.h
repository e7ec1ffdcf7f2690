#pragma once
// The files a pod's containers share, built as the kubelet builds them: /etc/hosts (the pod's
// own name and address, then spec.hostAliases), /etc/resolv.conf (by spec.dnsPolicy and
// spec.dnsConfig) and /etc/hostname. Pure functions of the pod and the node's settings; the
// runtime writes them into the sandbox's directory and bind-mounts them into every container.

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace cube::runtime::crun {

struct ClusterDns {
  std::vector<std::string> nameservers = {"10.43.0.10"};
  std::string domain = "cluster.local";
};

// /etc/hosts: localhost lines, then `<podIp> [<hostname>.<subdomain>.<ns>.svc.<domain>]
// <hostname>`, then the pod's hostAliases. A host-network pod gets the node's `hostHosts`
// instead of the localhost and pod lines.
std::string podHostsFile(const boost::json::object& pod, const std::string& podIp,
                         const std::string& hostname, const ClusterDns& dns,
                         const std::string& hostHosts);

// /etc/resolv.conf. dnsPolicy ClusterFirst (the default; the node's resolver for a host-network
// pod), ClusterFirstWithHostNet: the cluster DNS with search <ns>.svc.<domain> svc.<domain>
// <domain> (then the node's search domains) and ndots:5; Default: the node's `hostResolvConf`;
// None: only dnsConfig. dnsConfig's nameservers and searches are appended (duplicates dropped),
// its options replace those of the same name. At most 3 nameservers and 32 search domains.
std::string podResolvConf(const boost::json::object& pod, const ClusterDns& dns,
                          const std::string& hostResolvConf);

// The pod's hostname: spec.hostname or the pod name, at most 63 characters (no trailing '-' or
// '.' after cutting).
std::string podHostname(const boost::json::object& pod);

}  // namespace cube::runtime::crun
