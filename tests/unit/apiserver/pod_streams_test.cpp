// pods/log, exec and attach in the API server: which container, the kubelet's log checks, the
// agent's endpoint from the Node, the request head sent on, and what a caller gets when the
// node's agent cannot be reached.
#include "apiserver/handlers/pod_streams.h"

#include "common/api_error.h"
#include "common/json_util.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/json/parse.hpp>

namespace cube::apiserver {
namespace {

namespace bj = boost::json;

bj::object obj(const char* text) {
  return bj::parse(text).as_object();
}

std::string errorOf(const std::function<void()>& fn, int* code = nullptr) {
  try {
    fn();
  } catch (const ApiError& e) {
    if (code) *code = e.code();
    return e.message();
  }
  return "(no error)";
}

const char* kTwoContainers = R"({"metadata":{"name":"web","namespace":"default"},
  "spec":{"nodeName":"n1","initContainers":[{"name":"setup"}],
          "containers":[{"name":"a"},{"name":"b"}]},
  "status":{"containerStatuses":[
    {"name":"a","state":{"running":{}}},
    {"name":"b","state":{"waiting":{"reason":"ContainerCreating"}}}]}})";

TEST(PodStreamsTest, ContainerMustBeNamedWhenThereAreSeveral) {
  auto pod = obj(kTwoContainers);
  int code = 0;
  EXPECT_EQ(errorOf([&] { selectPodContainer(pod, ""); }, &code),
            "a container name must be specified for pod web, choose one of: [setup a b]");
  EXPECT_EQ(code, 400);
  EXPECT_EQ(errorOf([&] { selectPodContainer(pod, "c"); }), "container c is not valid for pod web");
  EXPECT_EQ(selectPodContainer(pod, "setup"), "setup");
  EXPECT_EQ(selectPodContainer(obj(R"({"spec":{"containers":[{"name":"only"}]}})"), ""), "only");
}

TEST(PodStreamsTest, LogsOfAWaitingOrNeverRestartedContainerAreRefusedAsTheKubeletDoes) {
  auto pod = obj(kTwoContainers);
  EXPECT_NO_THROW(checkLogsAvailable(pod, "a", false));
  EXPECT_EQ(errorOf([&] { checkLogsAvailable(pod, "b", false); }),
            "container \"b\" in pod \"web\" is waiting to start: ContainerCreating");
  EXPECT_EQ(errorOf([&] { checkLogsAvailable(pod, "a", true); }),
            "previous terminated container \"a\" in pod \"web\" not found");
  auto restarted = obj(R"({"metadata":{"name":"p"},"status":{"containerStatuses":[{"name":"c",
    "state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":1}}}]}})");
  EXPECT_NO_THROW(checkLogsAvailable(restarted, "c", false));  // the last instance's log
  EXPECT_NO_THROW(checkLogsAvailable(restarted, "c", true));
  auto pulling = obj(R"({"metadata":{"name":"p"},"status":{"containerStatuses":[{"name":"c",
    "state":{"waiting":{"reason":"ImagePullBackOff"}}}]}})");
  EXPECT_EQ(errorOf([&] { checkLogsAvailable(pulling, "c", false); }),
            "container \"c\" in pod \"p\" is waiting to start: trying and failing to pull image");
}

TEST(PodStreamsTest, AgentEndpointComesFromTheNodeStatus) {
  auto node = obj(R"({"metadata":{"name":"n1"},"status":{
    "addresses":[{"type":"Hostname","address":"n1"},{"type":"InternalIP","address":"10.1.2.3"}],
    "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}})");
  auto e = agentEndpoint(node);
  EXPECT_EQ(e.host, "10.1.2.3");
  EXPECT_EQ(e.port, 10250);
  int code = 0;
  auto noPort = obj(R"({"metadata":{"name":"n1"},"status":{
    "addresses":[{"type":"InternalIP","address":"10.1.2.3"}],
    "daemonEndpoints":{"kubeletEndpoint":{"Port":0}}}})");
  EXPECT_NE(errorOf([&] { agentEndpoint(noPort); }, &code).find("no agent endpoint"),
            std::string::npos);
  EXPECT_EQ(code, 503);
}

TEST(PodStreamsTest, RequestHeadKeepsTheUpgradeAndClosesPlainRequests) {
  http::Request upgrade;
  upgrade.method = "GET";
  upgrade.target = "/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true";
  upgrade.headers = {{"Host", "127.0.0.1:6443"},
                     {"Connection", "Upgrade"},
                     {"Upgrade", "websocket"},
                     {"Sec-WebSocket-Protocol", "v5.channel.k8s.io"},
                     {"Authorization", "Bearer secret"}};
  std::string head = agentRequestHead(upgrade, "/exec/default/web/a", {"10.1.2.3", 10250});
  EXPECT_EQ(head,
            "GET /exec/default/web/a?command=ls&stdout=true HTTP/1.1\r\n"
            "Host: 10.1.2.3:10250\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n");
  http::Request logs;
  logs.method = "GET";
  logs.target = "/api/v1/namespaces/default/pods/web/log?follow=true";
  logs.headers = {{"Connection", "keep-alive"}, {"Accept", "*/*"}};
  EXPECT_EQ(agentRequestHead(logs, "/containerLogs/default/web/a", {"10.1.2.3", 1}),
            "GET /containerLogs/default/web/a?follow=true HTTP/1.1\r\nHost: 10.1.2.3:1\r\n"
            "Accept: */*\r\nConnection: close\r\n\r\n");
}

class NoHijackResponder : public http::Responder {
 public:
  void respond(http::Response) override { responded = true; }
  http::StreamPtr startStream(int, const std::string&) override { return nullptr; }
  bool responded = false;
};

TEST(PodStreamsTest, AnUnreachableAgentIsAnInternalErrorNamingTheDial) {
  // A port nobody listens on: bound, then closed.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(s);

  auto pod = obj(kTwoContainers);
  std::string nodeJson = R"({"metadata":{"name":"n1"},"status":{
    "addresses":[{"type":"InternalIP","address":"127.0.0.1"}],
    "daemonEndpoints":{"kubeletEndpoint":{"Port":)" +
                         std::to_string(port) + "}}}}";
  auto getNode = [&](const std::string& name) {
    EXPECT_EQ(name, "n1");
    return obj(nodeJson.c_str());
  };
  http::Request request;
  request.method = "GET";
  request.query = {{"container", "a"}};
  request.target = "/api/v1/namespaces/default/pods/web/log?container=a";
  auto responder = std::make_shared<NoHijackResponder>();
  int code = 0;
  std::string message =
      errorOf([&] { servePodStream(request, "log", pod, getNode, responder); }, &code);
  EXPECT_EQ(code, 500);
  EXPECT_EQ(message, "Get \"http://127.0.0.1:" + std::to_string(port) +
                         "/containerLogs/default/web/a\": dial tcp 127.0.0.1:" +
                         std::to_string(port) + ": connect: connection refused");
  request.headers = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}};
  message = errorOf([&] { servePodStream(request, "exec", pod, getNode, responder); }, &code);
  EXPECT_EQ(message, "error dialing backend: dial tcp 127.0.0.1:" + std::to_string(port) +
                         ": connect: connection refused");

  auto unbound = obj(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}})");
  request.query.clear();  // its only container
  message = errorOf([&] { servePodStream(request, "log", unbound, getNode, responder); }, &code);
  EXPECT_EQ(code, 400);
  EXPECT_EQ(message, "pod p does not have a host assigned");
  EXPECT_FALSE(responder->responded);
}

}  // namespace
}  // namespace cube::apiserver
