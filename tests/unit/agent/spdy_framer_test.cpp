// SPDY/3.1 framing: the wire layout of each frame type, header compression with the spec's
// dictionary (shared context per direction), and decoding from input split anywhere.

#include "agent/streaming/spdy_framer.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace cube::agent::spdy {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(char(v));
  return out;
}

// One sync-flushed block of a fresh zlib stream primed with the dictionary, from plain bytes the
// test chooses (HeaderCompressor only takes well-formed blocks).
std::string deflateWithDictionary(const std::string& plain) {
  z_stream z{};
  EXPECT_EQ(deflateInit(&z, Z_DEFAULT_COMPRESSION), Z_OK);
  const std::string& dict = headerDictionary();
  deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dict.data()), uInt(dict.size()));
  std::string out(plain.size() + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = uInt(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&z, Z_SYNC_FLUSH), Z_OK);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

std::vector<Frame> decodeAll(FrameDecoder& decoder) {
  std::vector<Frame> frames;
  while (auto f = decoder.next()) frames.push_back(std::move(*f));
  return frames;
}

TEST(SpdyFramer, DictionaryIsTheSpecs) {
  const std::string& d = headerDictionary();
  EXPECT_EQ(d.size(), 1423u);
  // The id every SPDY/3 peer expects in the zlib preamble of a header stream.
  EXPECT_EQ(adler32(1, reinterpret_cast<const Bytef*>(d.data()), uInt(d.size())), 0xe3c6a7c2u);
  EXPECT_EQ(d.substr(0, 11), bytes({0, 0, 0, 7}) + "options");
}

TEST(SpdyFramer, HeaderBlocksRoundTripOverOneContext) {
  HeaderCompressor compressor;
  HeaderDecompressor decompressor;
  HeaderBlock first = {{"streamtype", "error"}, {"port", "8080"}, {"requestid", "0"}};
  HeaderBlock second = {{"streamtype", "data"}, {"port", "8080"}, {"requestid", "0"}};
  HeaderBlock multi = {{"x-values", std::string("a\0b", 3)}, {"empty", ""}};
  std::string c1 = compressor.compress(first);
  std::string c2 = compressor.compress(second);
  std::string c3 = compressor.compress(multi);
  // The first block carries the zlib preamble naming the dictionary (FDICT, id e3c6a7c2).
  ASSERT_GE(c1.size(), 6u);
  EXPECT_TRUE(uint8_t(c1[1]) & 0x20);
  EXPECT_EQ(c1.substr(2, 4), bytes({0xe3, 0xc6, 0xa7, 0xc2}));
  // Later blocks reuse the context: the repeated names make the second block much smaller.
  EXPECT_LT(c2.size(), c1.size());
  EXPECT_EQ(decompressor.decompress(c1), first);
  EXPECT_EQ(decompressor.decompress(c2), second);
  HeaderBlock got = decompressor.decompress(c3);
  EXPECT_EQ(got, multi);
  EXPECT_EQ(headerValue(got, "x-values"), "a");  // the first of NUL-separated values
  EXPECT_EQ(headerValue(got, "missing"), std::nullopt);
}

TEST(SpdyFramer, DecodesSynStreamsCompressedElsewhere) {
  // Two SYN_STREAMs as kubectl opens them, compressed by another zlib user (Python's, level 9)
  // with the dictionary bytes taken from another SPDY implementation.
  const std::string wire(
      "\x80\x03\x00\x01\x00\x00\x00\x3d\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x78\xf9\xe3\xc6"
      "\xa7\xc2\x02\x25\x3a\x48\xf9\x5b\x04\x4e\xea\x16\x06\x16\x06\x40\x9a\xb3\x08\x12\x5f\x99"
      "\xa0\x74\xcc\x68\x00\x4e\x89\x25\x45\xa9\x89\xb9\xd0\xc2\x86\x35\x15\x14\x15\x00\x00\x00"
      "\x00\xff\xff\x80\x03\x00\x01\x00\x00\x00\x16\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x22"
      "\x53\x33\xa8\xa4\x4a\x04\x00\x00\x00\xff\xff",
      99);
  FrameDecoder decoder;
  decoder.feed(wire);
  auto frames = decodeAll(decoder);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].type, FrameType::SynStream);
  EXPECT_EQ(frames[0].streamId, 1u);
  EXPECT_EQ(frames[0].headers,
            (HeaderBlock{{"port", "8080"}, {"requestid", "0"}, {"streamtype", "error"}}));
  EXPECT_EQ(frames[1].streamId, 3u);
  EXPECT_EQ(headerValue(frames[1].headers, "streamtype"), "data");
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(SpdyFramer, WireLayoutOfFixedFrames) {
  FrameEncoder e;
  EXPECT_EQ(e.ping(7), bytes({0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 7}));
  EXPECT_EQ(e.rstStream(5, RstStatus::Cancel),
            bytes({0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0, 5}));
  EXPECT_EQ(e.goAway(9, GoAwayStatus::ProtocolError),
            bytes({0x80, 3, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 1}));
  EXPECT_EQ(e.windowUpdate(0, 0x10000), bytes({0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(e.data(3, "hi", true), bytes({0, 0, 0, 3, 1, 0, 0, 2}) + "hi");
  EXPECT_EQ(e.data(0x7fffffff, ""), bytes({0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}));
  EXPECT_EQ(e.settings({{0, kSettingsInitialWindowSize, 1024}}),
            bytes({0x80, 3, 0, 4, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 4, 0}));
  std::string reply = e.synReply(1);
  EXPECT_EQ(reply.substr(0, 12),
            bytes({0x80, 3, 0, 2, 0, 0, 0, char(reply.size() - 8), 0, 0, 0, 1}));
}

TEST(SpdyFramer, EveryTypeRoundTrips) {
  FrameEncoder e;
  std::string wire;
  wire += e.synStream(1, {{"streamtype", "data"}, {"port", "80"}}, kFlagFin);
  wire += e.synReply(1, {{"x", "y"}});
  wire += e.data(1, std::string(70000, 'z'), true);
  wire += e.rstStream(1, RstStatus::FlowControlError);
  wire += e.settings({{1, 7, 65536}, {0, 4, 100}});
  wire += e.ping(0xfffffffe);
  wire += e.goAway(11, GoAwayStatus::Ok);
  wire += e.windowUpdate(3, 12345);
  Frame headers;
  headers.type = FrameType::Headers;
  headers.streamId = 3;
  headers.headers = {{"a", "b"}};
  wire += e.encode(headers);

  FrameDecoder d;
  d.feed(wire);
  auto f = decodeAll(d);
  ASSERT_EQ(f.size(), 9u);
  EXPECT_EQ(f[0].type, FrameType::SynStream);
  EXPECT_TRUE(f[0].fin());
  EXPECT_EQ(headerValue(f[0].headers, "port"), "80");
  EXPECT_EQ(f[1].type, FrameType::SynReply);
  EXPECT_EQ(f[1].headers, (HeaderBlock{{"x", "y"}}));
  EXPECT_EQ(f[2].type, FrameType::Data);
  EXPECT_EQ(f[2].data, std::string(70000, 'z'));
  EXPECT_TRUE(f[2].fin());
  EXPECT_EQ(f[3].type, FrameType::RstStream);
  EXPECT_EQ(f[3].status, uint32_t(RstStatus::FlowControlError));
  EXPECT_EQ(f[4].type, FrameType::Settings);
  ASSERT_EQ(f[4].settings.size(), 2u);
  EXPECT_EQ(f[4].settings[0].flags, 1);
  EXPECT_EQ(f[4].settings[0].id, 7u);
  EXPECT_EQ(f[4].settings[0].value, 65536u);
  EXPECT_EQ(f[5].pingId, 0xfffffffeu);
  EXPECT_EQ(f[6].type, FrameType::GoAway);
  EXPECT_EQ(f[6].lastGoodStreamId, 11u);
  EXPECT_EQ(f[7].type, FrameType::WindowUpdate);
  EXPECT_EQ(f[7].streamId, 3u);
  EXPECT_EQ(f[7].deltaWindowSize, 12345u);
  EXPECT_EQ(f[8].type, FrameType::Headers);
  EXPECT_EQ(f[8].headers, (HeaderBlock{{"a", "b"}}));
}

TEST(SpdyFramer, DecodesInputSplitAnywhere) {
  FrameEncoder e;
  std::string wire;
  for (uint32_t id = 1; id < 12; id += 2) {
    wire += e.synStream(id, {{"streamtype", "data"}, {"port", std::to_string(id)}});
    wire += e.data(id, std::string(id * 10, char('a' + id)));
    wire += e.ping(id);
  }
  FrameDecoder whole;
  whole.feed(wire);
  auto expected = decodeAll(whole);
  ASSERT_EQ(expected.size(), 18u);

  for (size_t step : {size_t(1), size_t(3), size_t(7), size_t(64)}) {
    FrameDecoder d;
    std::vector<Frame> got;
    for (size_t at = 0; at < wire.size(); at += step) {
      d.feed(std::string_view(wire).substr(at, step));
      while (auto f = d.next()) got.push_back(std::move(*f));
    }
    ASSERT_EQ(got.size(), expected.size()) << "step " << step;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].type, expected[i].type);
      EXPECT_EQ(got[i].streamId, expected[i].streamId);
      EXPECT_EQ(got[i].headers, expected[i].headers);
      EXPECT_EQ(got[i].data, expected[i].data);
      EXPECT_EQ(got[i].pingId, expected[i].pingId);
    }
    EXPECT_EQ(d.buffered(), 0u);
  }
}

TEST(SpdyFramer, UnknownControlFramesAreSkipped) {
  FrameDecoder d;
  // A NOOP (type 5, SPDY/2) with a 4-byte body, then a PING.
  d.feed(bytes({0x80, 3, 0, 5, 0, 0, 0, 4, 1, 2, 3, 4}));
  d.feed(FrameEncoder().ping(1));
  auto f = decodeAll(d);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].unknownType, 5);
  EXPECT_EQ(f[1].type, FrameType::Ping);
}

TEST(SpdyFramer, RejectsWhatIsNotSpdy3) {
  {
    FrameDecoder d;
    d.feed(bytes({0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1}));  // a SPDY/2 PING
    EXPECT_THROW(d.next(), FramingError);
  }
  {
    FrameDecoder d;
    d.feed(bytes({0x80, 3, 0, 6, 0, 0, 0, 2, 0, 0}));  // a PING too short to hold its id
    EXPECT_THROW(d.next(), FramingError);
  }
  {
    FrameDecoder d;  // a SYN_STREAM whose header block is not a zlib stream
    d.feed(bytes({0x80, 3, 0, 1, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}));
    EXPECT_THROW(d.next(), FramingError);
  }
  {
    // A well-formed zlib stream whose block promises five pairs and holds none.
    HeaderDecompressor d;
    EXPECT_THROW(d.decompress(deflateWithDictionary(bytes({0, 0, 0, 5}))), FramingError);
  }
  {
    // A later block of one context cannot start another: it lacks the preamble.
    HeaderCompressor c;
    c.compress({{"a", "b"}});
    std::string continuation = c.compress({{"c", "d"}});
    HeaderDecompressor fresh;
    EXPECT_THROW(fresh.decompress(continuation), FramingError);
  }
}

TEST(SpdyFramer, RefusesToEncodeOversizedData) {
  FrameEncoder e;
  EXPECT_THROW(e.data(1, std::string(0x1000000, 'x')), std::invalid_argument);
}

}  // namespace
}  // namespace cube::agent::spdy
