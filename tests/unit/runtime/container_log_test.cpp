// CRI log files: the time format, entries, the log shim's line splitting and what kubectl logs
// reads back (tail, since, timestamps, limitBytes, partial lines).
#include "runtime/crun/container_log.h"
#include "runtime/crun/container_shim.h"

#include "test_archives.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace cube::runtime::crun {
namespace {

using images::testing::readWhole;
using images::testing::TempDir;
using namespace std::chrono;

LogClock::time_point at(int64_t seconds, int64_t nanos = 0) {
  return LogClock::time_point(
      duration_cast<LogClock::duration>(std::chrono::seconds(seconds) + nanoseconds(nanos)));
}

std::string readAll(const std::string& path, const LogReadOptions& options,
                    int64_t* bytesLeft = nullptr, uint64_t* end = nullptr) {
  std::string out;
  uint64_t next = readContainerLog(path, 0, options, bytesLeft, [&](std::string_view text) {
    out += text;
    return true;
  });
  if (end) *end = next;
  return out;
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(ContainerLogTest, TimeHasNineFractionDigitsInUtc) {
  EXPECT_EQ(formatLogTime(at(1795331297, 5)), "2026-11-22T07:08:17.000000005Z");
  EXPECT_EQ(formatLogTime(at(0)), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(*parseLogTime("2026-11-22T07:08:17.000000005Z"), at(1795331297, 5));
  EXPECT_EQ(*parseLogTime("2026-11-22T07:08:17Z"), at(1795331297));
  EXPECT_EQ(*parseLogTime("2026-11-22T08:08:17.5+01:00"), at(1795331297, 500000000));
  EXPECT_FALSE(parseLogTime("2026-11-22 07:08:17Z"));
  EXPECT_FALSE(parseLogTime("yesterday"));
}

TEST(ContainerLogTest, ParsesEntriesAndRefusesOtherLines) {
  auto e = parseLogLine("2026-11-22T07:08:17.000000005Z stderr P half a line");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->stream, "stderr");
  EXPECT_TRUE(e->partial);
  EXPECT_EQ(e->text, "half a line");
  auto empty = parseLogLine("2026-11-22T07:08:17Z stdout F ");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->text, "");
  EXPECT_FALSE(parseLogLine("2026-11-22T07:08:17Z stdin F x"));
  EXPECT_FALSE(parseLogLine("plain text"));
  EXPECT_EQ(formatLogLine(at(0), "stdout", false, "hi"),
            "1970-01-01T00:00:00.000000000Z stdout F hi\n");
}

TEST(ContainerLogTest, ReadsWithTailSinceTimestampsAndLimit) {
  TempDir dir;
  std::string path = dir.path() + "/0.log";
  writeFile(path, formatLogLine(at(100), "stdout", false, "one") +
                      formatLogLine(at(200), "stderr", false, "two") +
                      formatLogLine(at(300), "stdout", true, "thr") +
                      formatLogLine(at(301), "stdout", false, "ee") +
                      "2026-11-22T07:08:17Z stdout F an unfinished write");  // no newline yet
  uint64_t end = 0;
  EXPECT_EQ(readAll(path, {}, nullptr, &end), "one\ntwo\nthree\n");
  EXPECT_LT(end, readWhole(path).size());  // the unfinished line is left for a follower

  LogReadOptions tail;
  tail.tailLines = 2;
  EXPECT_EQ(readAll(path, tail), "two\nthree\n");  // P + F count as one line
  tail.tailLines = 0;
  EXPECT_EQ(readAll(path, tail), "");
  tail.tailLines = 10;
  EXPECT_EQ(readAll(path, tail), "one\ntwo\nthree\n");

  LogReadOptions since;
  since.since = at(150);
  EXPECT_EQ(readAll(path, since), "two\nthree\n");

  LogReadOptions stamps;
  stamps.tailLines = 1;
  stamps.timestamps = true;
  EXPECT_EQ(readAll(path, stamps),
            "1970-01-01T00:05:00.000000000Z thr1970-01-01T00:05:01.000000000Z ee\n");

  int64_t left = 6;
  EXPECT_EQ(readAll(path, {}, &left), "one\ntw");
  EXPECT_EQ(left, 0);

  LogReadOptions onlyErr;
  onlyErr.onlyStream = "stderr";
  EXPECT_EQ(readAll(path, onlyErr), "two\n");
}

TEST(ContainerLogTest, ShimWritesOneEntryPerLineAndSplitsLongOnes) {
  TempDir dir;
  std::string path = dir.path() + "/0.log";
  int out[2], err[2];
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::pipe(err), 0);
  int log = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
  ASSERT_GE(log, 0);
  std::thread shim([&] { EXPECT_EQ(runLogShim(out[0], err[0], log), 0); });
  std::string longLine(kMaxLogLineBytes + 10, 'x');
  std::string text = "hello\nwor";
  ASSERT_EQ(::write(out[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ASSERT_EQ(::write(err[1], "oops\n", 5), 5);
  text = "ld\n" + longLine + "\nlast";
  ASSERT_EQ(::write(out[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(out[1]);
  ::close(err[1]);
  shim.join();  // both pipes ended: the shim returns
  ::close(log);

  std::string file = readWhole(path);
  std::vector<LogEntry> entries;
  std::vector<std::string> lines;
  for (size_t start = 0; start < file.size();) {
    size_t end = file.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    lines.push_back(file.substr(start, end - start));
    start = end + 1;
  }
  std::string stdoutText, stderrText;
  int partials = 0;
  for (const auto& line : lines) {
    auto e = parseLogLine(line);
    ASSERT_TRUE(e) << line;
    EXPECT_LE(e->text.size(), kMaxLogLineBytes);
    (e->stream == "stdout" ? stdoutText : stderrText) +=
        std::string(e->text) + (e->partial ? "" : "\n");
    partials += e->partial;
  }
  EXPECT_EQ(stdoutText, "hello\nworld\n" + longLine + "\nlast\n");
  EXPECT_EQ(stderrText, "oops\n");
  EXPECT_EQ(partials, 1);
  EXPECT_EQ(readAll(path, {}).size(), stdoutText.size() + stderrText.size());
}

}  // namespace
}  // namespace cube::runtime::crun
