#include "network/nft_host_port_mapper.h"

#include "network/network_error.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace cube::network {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// nft's name for a container port's protocol (TCP, UDP, SCTP).
std::string l4proto(const std::string& protocol) {
  std::string p = lower(protocol.empty() ? "TCP" : protocol);
  if (p != "tcp" && p != "udp" && p != "sctp") throw NetworkError("unknown protocol " + protocol);
  return p;
}

// Runs `nft -f script`; returns its exit status and what it printed.
int runNft(const std::string& nftPath, const std::string& script, std::string* output) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw NetworkError("pipe", errno);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw NetworkError("fork", errno);
  }
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execlp(nftPath.c_str(), nftPath.c_str(), "-f", script.c_str(), nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) output->append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

std::string hostPortRuleset(const std::string& tableName, const std::string& bridgeName,
                            const std::vector<PodPortMapping>& mappings) {
  std::ostringstream s;
  // Adding first makes the delete valid when the table does not exist yet; one transaction.
  s << "table ip " << tableName << "\n"
    << "delete table ip " << tableName << "\n";
  if (mappings.empty()) return s.str();
  s << "table ip " << tableName << " {\n"
    << "  chain hostports {\n";
  for (const auto& m : mappings) {
    s << "    ";
    if (!m.port.hostIP.empty() && m.port.hostIP != "0.0.0.0") {
      s << "ip daddr " << m.port.hostIP << " ";
    }
    s << "meta l4proto " << l4proto(m.port.protocol) << " th dport " << m.port.hostPort
      << " dnat to " << formatAddress(m.podIp) << ":" << m.port.containerPort << "\n";
  }
  s << "  }\n"
    << "  chain prerouting {\n"
    << "    type nat hook prerouting priority dstnat; policy accept;\n"
    << "    fib daddr type local jump hostports\n"
    << "  }\n"
    << "  chain output {\n"
    << "    type nat hook output priority -100; policy accept;\n"
    << "    fib daddr type local jump hostports\n"
    << "  }\n"
    << "  chain postrouting {\n"
    << "    type nat hook postrouting priority srcnat; policy accept;\n"
    << "    iifname \"" << bridgeName << "\" oifname \"" << bridgeName
    << "\" ct status dnat masquerade\n"
    << "  }\n"
    << "}\n";
  return s.str();
}

NftHostPortMapper::NftHostPortMapper(NftHostPortConfig config) : config_(std::move(config)) {}

std::string NftHostPortMapper::unavailableReason(const std::string& nftPath) {
  if (nftPath.find('/') != std::string::npos) {
    return ::access(nftPath.c_str(), X_OK) == 0 ? "" : nftPath + " is not executable";
  }
  const char* path = ::getenv("PATH");
  std::stringstream dirs(path ? std::string(path) + ":/usr/sbin:/sbin" : "/usr/sbin:/sbin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + nftPath).c_str(), X_OK) == 0) return "";
  }
  return "no " + nftPath + " on PATH (Debian package nftables)";
}

void NftHostPortMapper::add(const std::string& sandboxId, uint32_t podIp,
                            const std::vector<PortMapping>& ports) {
  std::lock_guard lock(mutex_);
  fs::create_directories(config_.stateDir);
  const fs::path file = config_.stateDir / sandboxId;
  if (ports.empty()) {
    if (!fs::exists(file)) return;  // nothing to change: no nft run for port-less pods
    fs::remove(file);
  } else {
    std::ofstream out(file.string() + ".tmp", std::ios::trunc);
    for (const auto& p : ports) {
      out << l4proto(p.protocol) << ' ' << (p.hostIP.empty() ? "-" : p.hostIP) << ' ' << p.hostPort
          << ' ' << formatAddress(podIp) << ' ' << p.containerPort << '\n';
    }
    out.close();
    if (!out) throw NetworkError("cannot write " + file.string());
    fs::rename(file.string() + ".tmp", file);
  }
  try {
    apply();
  } catch (...) {
    fs::remove(file);  // a mapping nft refused is not kept
    throw;
  }
}

void NftHostPortMapper::remove(const std::string& sandboxId) {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (!fs::remove(config_.stateDir / sandboxId, ec)) return;
  apply();
}

std::vector<PodPortMapping> NftHostPortMapper::mappings() const {
  std::vector<PodPortMapping> out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(config_.stateDir, ec)) {
    const std::string name = e.path().filename().string();
    if (name[0] != '.' && e.path().extension() != ".tmp") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string proto, hostIP, podIP;
    unsigned hostPort = 0, containerPort = 0;
    while (in >> proto >> hostIP >> hostPort >> podIP >> containerPort) {
      auto ip = parseAddress(podIP);
      if (!ip || hostPort == 0 || hostPort > 65535 || containerPort > 65535) continue;
      PodPortMapping m;
      m.sandboxId = f.filename().string();
      m.podIp = *ip;
      m.port.protocol = proto;
      m.port.hostIP = hostIP == "-" ? "" : hostIP;
      m.port.hostPort = static_cast<uint16_t>(hostPort);
      m.port.containerPort = static_cast<uint16_t>(containerPort);
      out.push_back(std::move(m));
    }
  }
  return out;
}

void NftHostPortMapper::apply() {
  const std::string script = (config_.stateDir / ".ruleset.nft").string();
  {
    std::ofstream out(script, std::ios::trunc);
    out << hostPortRuleset(config_.tableName, config_.bridgeName, mappings());
    if (!out) throw NetworkError("cannot write " + script);
  }
  std::string output;
  if (int rc = runNft(config_.nftPath, script, &output); rc != 0) {
    while (!output.empty() && output.back() == '\n') output.pop_back();
    throw NetworkError("nft: " + (output.empty() ? "exit " + std::to_string(rc) : output));
  }
}

}  // namespace cube::network
