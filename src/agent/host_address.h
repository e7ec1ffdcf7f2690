#pragma once
// What a real node calls itself by default, as the kubelet decides it: the host's name
// (lower-cased) and the IPv4 address of the interface that holds the default route (else the
// first other non-loopback address, else 127.0.0.1 for a host with loopback only).

#include <string>

namespace cube::agent {

std::string hostNodeName();

// `skipInterface`: the node's own pod bridge, whose address is a pod gateway, not the node's.
std::string hostInternalIP(const std::string& skipInterface);

}  // namespace cube::agent
