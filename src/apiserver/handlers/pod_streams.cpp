#include "apiserver/handlers/pod_streams.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "http/socket_io.h"

#include <unistd.h>

#include <thread>
#include <vector>

namespace cube::apiserver {

namespace bj = boost::json;

namespace {

std::string nameOf(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  return meta ? json::getString(*meta, "name") : "";
}

std::vector<std::string> containerNames(const bj::object& pod, const char* list) {
  std::vector<std::string> names;
  const auto* spec = json::getObject(pod, "spec");
  const auto* items = spec ? json::getArray(*spec, list) : nullptr;
  if (!items) return names;
  for (const auto& c : *items) {
    if (c.is_object()) names.push_back(json::getString(c.as_object(), "name"));
  }
  return names;
}

const bj::object* containerStatus(const bj::object& pod, const std::string& container) {
  const auto* status = json::getObject(pod, "status");
  if (!status) return nullptr;
  for (const char* list :
       {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
    const auto* items = json::getArray(*status, list);
    if (!items) continue;
    for (const auto& s : *items) {
      if (s.is_object() && json::getString(s.as_object(), "name") == container) {
        return &s.as_object();
      }
    }
  }
  return nullptr;
}

bool isUpgrade(const http::Request& request) {
  std::string connection = request.header("Connection");
  for (auto& ch : connection) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return connection.find("upgrade") != std::string::npos && !request.header("Upgrade").empty();
}

bool hopByHop(const std::string& name, bool upgrade) {
  std::string n = name;
  for (auto& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (n == "host" || n == "content-length" || n == "transfer-encoding" || n == "keep-alive" ||
      n == "proxy-connection" || n == "te" || n == "trailer" || n == "authorization") {
    return true;
  }
  if (n == "connection" || n == "upgrade") return !upgrade;
  return false;
}

}  // namespace

std::string selectPodContainer(const bj::object& pod, const std::string& requested) {
  auto init = containerNames(pod, "initContainers");
  auto regular = containerNames(pod, "containers");
  auto ephemeral = containerNames(pod, "ephemeralContainers");
  if (requested.empty()) {
    if (regular.size() == 1) return regular[0];
    if (regular.empty()) {
      throw ApiError::badRequest("pod " + nameOf(pod) + " does not have a container");
    }
    std::string all;
    for (const auto* list : {&init, &regular, &ephemeral}) {
      for (const auto& n : *list) all += (all.empty() ? "" : " ") + n;
    }
    throw ApiError::badRequest("a container name must be specified for pod " + nameOf(pod) +
                               ", choose one of: [" + all + "]");
  }
  for (const auto* list : {&init, &regular, &ephemeral}) {
    for (const auto& n : *list) {
      if (n == requested) return requested;
    }
  }
  throw ApiError::badRequest("container " + requested + " is not valid for pod " + nameOf(pod));
}

void checkLogsAvailable(const bj::object& pod, const std::string& container, bool previous) {
  std::string quoted = "container \"" + container + "\" in pod \"" + nameOf(pod) + "\"";
  const auto* status = containerStatus(pod, container);
  if (!status) throw ApiError::badRequest(quoted + " is not available");
  const auto* state = json::getObject(*status, "state");
  const auto* last = json::getObject(*status, "lastState");
  const auto* lastTerminated = last ? json::getObject(*last, "terminated") : nullptr;
  if (previous) {
    if (!lastTerminated) {
      throw ApiError::badRequest("previous terminated " + quoted + " not found");
    }
    return;
  }
  if (state && (json::getObject(*state, "running") || json::getObject(*state, "terminated"))) {
    return;
  }
  if (lastTerminated) return;  // waiting to restart: the last instance's log
  const auto* waiting = state ? json::getObject(*state, "waiting") : nullptr;
  if (!waiting) throw ApiError::badRequest(quoted + " is waiting to start - no logs yet");
  std::string reason = json::getString(*waiting, "reason");
  if (reason == "ErrImagePull") {
    throw ApiError::badRequest(quoted + " is waiting to start: image can't be pulled");
  }
  if (reason == "ImagePullBackOff") {
    throw ApiError::badRequest(quoted + " is waiting to start: trying and failing to pull image");
  }
  throw ApiError::badRequest(quoted + " is waiting to start: " + reason);
}

AgentEndpoint agentEndpoint(const bj::object& node) {
  AgentEndpoint e;
  std::string name = nameOf(node);
  const auto* status = json::getObject(node, "status");
  if (status) {
    if (const auto* addresses = json::getArray(*status, "addresses")) {
      for (const auto& a : *addresses) {
        if (a.is_object() && json::getString(a.as_object(), "type") == "InternalIP") {
          e.host = json::getString(a.as_object(), "address");
          break;
        }
      }
    }
    if (const auto* endpoints = json::getObject(*status, "daemonEndpoints")) {
      if (const auto* kubelet = json::getObject(*endpoints, "kubeletEndpoint")) {
        if (const auto* port = kubelet->if_contains("Port"); port && port->is_int64()) {
          e.port = static_cast<uint16_t>(port->as_int64());
        }
      }
    }
  }
  if (e.host.empty()) throw ApiError::internal("node " + name + " has no InternalIP address");
  if (e.port == 0) {
    throw ApiError::serviceUnavailable("node " + name +
                                       " has no agent endpoint (daemonEndpoints.kubeletEndpoint"
                                       ".Port is 0): its agent serves no logs or exec");
  }
  return e;
}

std::string agentRequestHead(const http::Request& request, const std::string& path,
                             const AgentEndpoint& endpoint) {
  bool upgrade = isUpgrade(request);
  std::string query;
  if (auto q = request.target.find('?'); q != std::string::npos) query = request.target.substr(q);
  std::string head = request.method + " " + path + query + " HTTP/1.1\r\n";
  head += "Host: " + endpoint.host + ":" + std::to_string(endpoint.port) + "\r\n";
  for (const auto& [k, v] : request.headers) {
    if (!hopByHop(k, upgrade)) head += k + ": " + v + "\r\n";
  }
  if (!upgrade) head += "Connection: close\r\n";
  if (!request.body.empty())
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  head += "\r\n";
  return head;
}

void servePodStream(const http::Request& request, const std::string& subresource,
                    const bj::object& pod, const NodeGetter& getNode,
                    const http::ResponderPtr& responder) {
  const auto* meta = json::getObject(pod, "metadata");
  std::string ns = meta ? json::getString(*meta, "namespace") : "";
  std::string name = nameOf(pod);
  std::string container;
  if (subresource != "portforward") container = selectPodContainer(pod, request.param("container"));
  const auto* spec = json::getObject(pod, "spec");
  std::string nodeName = spec ? json::getString(*spec, "nodeName") : "";
  if (nodeName.empty()) {
    throw ApiError::badRequest("pod " + name + " does not have a host assigned");
  }
  std::string path;
  if (subresource == "log") {
    if (request.method != "GET") throw ApiError::methodNotAllowed("pods/log is read with GET");
    std::string previous = request.param("previous");
    checkLogsAvailable(pod, container, previous == "true" || previous == "1");
    path = "/containerLogs/" + ns + "/" + name + "/" + container;
  } else if (subresource == "portforward") {
    if (request.method != "GET" && request.method != "POST") {
      throw ApiError::methodNotAllowed("pods/portforward is GET or POST");
    }
    path = "/portForward/" + ns + "/" + name;
  } else if (subresource == "exec" || subresource == "attach") {
    if (request.method != "GET" && request.method != "POST") {
      throw ApiError::methodNotAllowed("pods/" + subresource + " is GET or POST");
    }
    path = "/" + subresource + "/" + ns + "/" + name + "/" + container;
  } else {
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  }
  AgentEndpoint endpoint = agentEndpoint(getNode(nodeName));
  std::string head = agentRequestHead(request, path, endpoint);
  int agent;
  try {
    agent = http::dialTcp(endpoint.host, endpoint.port, std::chrono::seconds(5));
  } catch (const std::exception& e) {
    if (subresource == "log") {
      throw ApiError::internal("Get \"http://" + endpoint.host + ":" +
                               std::to_string(endpoint.port) + path + "\": " + e.what());
    }
    throw ApiError::internal(std::string("error dialing backend: ") + e.what());
  }
  if (!http::writeAll(agent, head) || !http::writeAll(agent, request.body)) {
    ::close(agent);
    throw ApiError::internal("node " + nodeName + ": the agent closed the connection");
  }
  http::HijackedConnection client;
  try {
    client = responder->hijack();
  } catch (...) {
    ::close(agent);
    throw;
  }
  // The copy lasts as long as the log is followed or the session runs: a thread of its own,
  // not one of the server's workers.
  std::thread([agent, client = std::move(client)] {
    if (client.buffered.empty() || http::writeAll(agent, client.buffered)) {
      http::spliceConnections(client.fd, agent);
    }
    ::close(client.fd);
    ::close(agent);
  }).detach();
}

}  // namespace cube::apiserver
