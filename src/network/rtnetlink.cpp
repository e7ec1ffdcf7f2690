#include "network/rtnetlink.h"

#include "network/network_error.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace cube::network {

// One request: a netlink header, a family header, then attributes (nested ones by offset, so
// growing the buffer never leaves a dangling pointer).
class NetlinkMessage {
 public:
  NetlinkMessage(uint16_t type, uint16_t flags) {
    buf_.resize(NLMSG_HDRLEN);
    header()->nlmsg_type = type;
    header()->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }

  template <typename T>
  void append(const T& value) {
    appendBytes(&value, sizeof(value));
  }
  void attr(uint16_t type, const void* data, size_t len) {
    rtattr head{};
    head.rta_len = RTA_LENGTH(len);
    head.rta_type = type;
    appendBytes(&head, sizeof(head));
    appendBytes(data, len);
  }
  void attr(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  void attrU32(uint16_t type, uint32_t v) { attr(type, &v, sizeof(v)); }
  void attrAddress(uint16_t type, uint32_t hostOrder) {
    uint32_t be = htonl(hostOrder);
    attr(type, &be, sizeof(be));
  }
  size_t beginNested(uint16_t type) {
    size_t at = buf_.size();
    attr(type, nullptr, 0);
    return at;
  }
  void endNested(size_t at) {
    reinterpret_cast<rtattr*>(buf_.data() + at)->rta_len = buf_.size() - at;
  }

  std::vector<char>& finish() {
    header()->nlmsg_len = buf_.size();
    return buf_;
  }

 private:
  void appendBytes(const void* data, size_t len) {
    size_t at = buf_.size();
    buf_.resize(at + NLMSG_ALIGN(len), 0);
    if (len) std::memcpy(buf_.data() + at, data, len);
  }
  std::vector<char> buf_;
};

namespace {

UniqueFd openRouteSocket() {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) throw NetworkError("netlink: socket", errno);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    throw NetworkError("netlink: bind", errno);
  }
  int on = 1;  // errors come back with the kernel's extended message when it has one
  ::setsockopt(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
  return fd;
}

ifinfomsg linkHeader(int index = 0) {
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = index;
  return info;
}

void check(int err, const std::string& what) {
  if (err != 0) throw NetworkError("netlink: " + what, err);
}

}  // namespace

RtNetlink::RtNetlink() : fd_(openRouteSocket()) {}

RtNetlink::RtNetlink(UniqueFd fd) : fd_(std::move(fd)) {}

RtNetlink RtNetlink::inNamespace(int netnsFd) {
  // Namespace membership is per thread: a throwaway thread enters the namespace and opens the
  // socket there, which stays bound to that namespace after the thread is gone.
  UniqueFd fd;
  int err = 0;
  std::string what;
  std::thread([&] {
    if (::setns(netnsFd, CLONE_NEWNET) != 0) {
      err = errno;
      what = "setns";
      return;
    }
    try {
      fd = openRouteSocket();
    } catch (const NetworkError& e) {
      err = e.error();
      what = "socket in namespace";
    }
  }).join();
  if (err) throw NetworkError("netlink: " + what, err);
  return RtNetlink(std::move(fd));
}

int RtNetlink::request(NetlinkMessage& message, std::string* reply) {
  uint32_t seq = ++seq_;
  message.header()->nlmsg_seq = seq;
  auto& out = message.finish();
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof(kernel)) < 0) {
    throw NetworkError("netlink: send", errno);
  }
  std::vector<char> in(64 * 1024);
  for (;;) {
    ssize_t n = ::recv(fd_.get(), in.data(), in.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw NetworkError("netlink: recv", errno);
    }
    int len = int(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(in.data()); NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;  // a late answer to an earlier request
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        return -e->error;  // 0 is the ack
      }
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (reply && reply->empty()) {
        reply->assign(static_cast<char*>(NLMSG_DATA(h)), h->nlmsg_len - NLMSG_HDRLEN);
      }
    }
  }
}

std::optional<int> RtNetlink::linkIndex(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return std::nullopt;
  NetlinkMessage m(RTM_GETLINK, 0);
  m.append(linkHeader());
  m.attr(IFLA_IFNAME, name);
  std::string reply;
  int err = request(m, &reply);
  if (err == ENODEV) return std::nullopt;
  check(err, "get link " + name);
  if (reply.size() < sizeof(ifinfomsg)) throw NetworkError("netlink: short reply for " + name);
  return reinterpret_cast<const ifinfomsg*>(reply.data())->ifi_index;
}

void RtNetlink::createBridge(const std::string& name, const std::array<uint8_t, 6>& mac) {
  NetlinkMessage m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.append(linkHeader());
  m.attr(IFLA_IFNAME, name);
  m.attr(IFLA_ADDRESS, mac.data(), mac.size());
  size_t info = m.beginNested(IFLA_LINKINFO);
  m.attr(IFLA_INFO_KIND, "bridge");
  m.endNested(info);
  check(request(m), "create bridge " + name);
}

void RtNetlink::createVethPair(const std::string& name, const std::string& peerName,
                               int peerNetnsFd) {
  NetlinkMessage m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.append(linkHeader());
  m.attr(IFLA_IFNAME, name);
  size_t info = m.beginNested(IFLA_LINKINFO);
  m.attr(IFLA_INFO_KIND, "veth");
  size_t data = m.beginNested(IFLA_INFO_DATA);
  size_t peer = m.beginNested(VETH_INFO_PEER);
  m.append(linkHeader());
  m.attr(IFLA_IFNAME, peerName);
  m.attrU32(IFLA_NET_NS_FD, uint32_t(peerNetnsFd));
  m.endNested(peer);
  m.endNested(data);
  m.endNested(info);
  check(request(m), "create veth " + name + " (peer " + peerName + ")");
}

void RtNetlink::setLinkUp(int index) {
  NetlinkMessage m(RTM_NEWLINK, 0);
  ifinfomsg info = linkHeader(index);
  info.ifi_flags = IFF_UP;
  info.ifi_change = IFF_UP;
  m.append(info);
  check(request(m), "set link " + std::to_string(index) + " up");
}

void RtNetlink::setMaster(int index, int masterIndex) {
  NetlinkMessage m(RTM_NEWLINK, 0);
  m.append(linkHeader(index));
  m.attrU32(IFLA_MASTER, uint32_t(masterIndex));
  check(request(m), "set master of link " + std::to_string(index));
}

void RtNetlink::deleteLink(int index) {
  NetlinkMessage m(RTM_DELLINK, 0);
  m.append(linkHeader(index));
  int err = request(m);
  if (err == ENODEV) return;
  check(err, "delete link " + std::to_string(index));
}

void RtNetlink::addAddress(int index, uint32_t ip, int prefix) {
  NetlinkMessage m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg addr{};
  addr.ifa_family = AF_INET;
  addr.ifa_prefixlen = uint8_t(prefix);
  addr.ifa_scope = RT_SCOPE_UNIVERSE;
  addr.ifa_index = uint32_t(index);
  m.append(addr);
  m.attrAddress(IFA_LOCAL, ip);
  m.attrAddress(IFA_ADDRESS, ip);
  uint32_t hostMask = prefix >= 32 ? 0 : ~uint32_t(0) >> prefix;
  m.attrAddress(IFA_BROADCAST, ip | hostMask);
  int err = request(m);
  if (err == EEXIST) return;
  check(err, "add address to link " + std::to_string(index));
}

void RtNetlink::addDefaultRoute(uint32_t gateway, int index) {
  NetlinkMessage m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  rtmsg route{};
  route.rtm_family = AF_INET;
  route.rtm_table = RT_TABLE_MAIN;
  route.rtm_protocol = RTPROT_BOOT;
  route.rtm_scope = RT_SCOPE_UNIVERSE;
  route.rtm_type = RTN_UNICAST;
  m.append(route);
  m.attrAddress(RTA_GATEWAY, gateway);
  m.attrU32(RTA_OIF, uint32_t(index));
  int err = request(m);
  if (err == EEXIST) return;
  check(err, "add default route");
}

}  // namespace cube::network
