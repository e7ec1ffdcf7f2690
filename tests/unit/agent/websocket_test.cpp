// The WebSocket pieces of kubectl exec/attach: the handshake key, frames both ways (masks,
// lengths, fragments, control frames), subprotocol choice, channel messages over a socket pair
// and the Status that carries the exit code.
#include "agent/streaming/websocket.h"
#include "agent/streaming/exec_handler.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/json/parse.hpp>

namespace cube::agent::streaming {
namespace {

namespace bj = boost::json;

TEST(WebSocketTest, AcceptKeyIsTheRfcExample) {
  EXPECT_EQ(websocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketTest, ChoosesOurPreferredOfferedSubprotocol) {
  std::vector<std::string> ours = {"v5.channel.k8s.io", "v4.channel.k8s.io"};
  EXPECT_EQ(chooseSubprotocol("v4.channel.k8s.io, v5.channel.k8s.io", ours), "v5.channel.k8s.io");
  EXPECT_EQ(chooseSubprotocol("channel.k8s.io,v4.channel.k8s.io", ours), "v4.channel.k8s.io");
  EXPECT_EQ(chooseSubprotocol("base64.channel.k8s.io", ours), "");
  EXPECT_EQ(chooseSubprotocol("", ours), "");
}

TEST(WebSocketTest, ParsesMaskedFramesOfEveryLengthForm) {
  for (size_t size : {size_t{0}, size_t{125}, size_t{126}, size_t{65535}, size_t{65536}}) {
    std::string payload(size, 'a');
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<char>(i * 7);
    std::string frame = encodeWsFrame(WsOpcode::Binary, payload, 0x11223344u);
    WsFrameParser parser;
    // Byte by byte for the small ones: a frame split anywhere still comes out whole.
    if (size < 200) {
      for (char c : frame) {
        EXPECT_FALSE(parser.next());
        parser.feed(std::string_view(&c, 1));
      }
    } else {
      parser.feed(frame);
    }
    auto m = parser.next();
    ASSERT_TRUE(m) << size;
    EXPECT_EQ(m->opcode, WsOpcode::Binary);
    EXPECT_EQ(m->payload, payload) << size;
    EXPECT_FALSE(parser.next());
  }
}

TEST(WebSocketTest, JoinsFragmentsAndPassesControlFramesBetweenThem) {
  std::string first = encodeWsFrame(WsOpcode::Binary, "\x01he", 1u);
  first[0] = static_cast<char>(0x02);  // not final
  std::string ping = encodeWsFrame(WsOpcode::Ping, "p", 2u);
  std::string last = encodeWsFrame(WsOpcode::Continuation, "llo", 3u);
  WsFrameParser parser;
  parser.feed(first + ping + last);
  auto control = parser.next();
  ASSERT_TRUE(control);
  EXPECT_EQ(control->opcode, WsOpcode::Ping);
  auto m = parser.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "\x01hello");
}

TEST(WebSocketTest, RefusesUnknownOpcodes) {
  std::string frame = encodeWsFrame(WsOpcode::Binary, "x", 1u);
  frame[0] = static_cast<char>(0x83);
  WsFrameParser parser;
  parser.feed(frame);
  EXPECT_FALSE(parser.next());
  EXPECT_FALSE(parser.feed("more"));
}

TEST(WebSocketTest, ChannelMessagesOverASocketAndPingsAnswered) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  // The client sent a ping and stdin before the server started reading.
  std::string early = encodeWsFrame(WsOpcode::Ping, "hb", 5u) +
                      encodeWsFrame(WsOpcode::Binary, std::string("\0in", 3), 6u);
  WebSocket ws(fds[0], early);
  auto m = ws.readMessage();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, std::string("\0in", 3));
  ASSERT_TRUE(ws.writeChannel(1, "out"));
  ws.close();

  std::string received;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[1], buf, sizeof buf)) > 0;) received.append(buf, n);
  WsFrameParser client;
  client.feed(received);
  auto pong = client.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, WsOpcode::Pong);
  EXPECT_EQ(pong->payload, "hb");
  auto out = client.next();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->payload, "\x01out");
  auto closeFrame = client.next();
  ASSERT_TRUE(closeFrame);
  EXPECT_EQ(closeFrame->opcode, WsOpcode::Close);
  EXPECT_FALSE(ws.writeChannel(1, "late"));  // nothing after close
  ::close(fds[1]);
}

TEST(WebSocketTest, ExitStatusCarriesTheCodeAsKubectlReadsIt) {
  auto ok = bj::parse(execExitStatus(0)).as_object();
  EXPECT_EQ(ok.at("status"), "Success");
  auto failed = bj::parse(execExitStatus(3)).as_object();
  EXPECT_EQ(failed.at("status"), "Failure");
  EXPECT_EQ(failed.at("reason"), "NonZeroExitCode");
  auto cause = failed.at("details").at("causes").at(0).as_object();
  EXPECT_EQ(cause.at("reason"), "ExitCode");
  EXPECT_EQ(cause.at("message"), "3");
}

}  // namespace
}  // namespace cube::agent::streaming
