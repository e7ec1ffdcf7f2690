#include "apiserver/tables/human_duration.h"

#include <gtest/gtest.h>

#include <chrono>

namespace cube::tables {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr auto kDay = hours(24);
constexpr auto kYear = kDay * 365;

struct DurationCase {
  nanoseconds d;
  const char* human;
  const char* shortHuman;
};

TEST(HumanDurationTest, FollowsKubernetesThresholds) {
  const DurationCase cases[] = {
      {seconds(-3), "<invalid>", "<invalid>"},
      {seconds(-2), "<invalid>", "<invalid>"},
      {milliseconds(-1999), "0s", "0s"},  // within clock skew: "now"
      {seconds(-1), "0s", "0s"},
      {milliseconds(-500), "0s", "0s"},
      {seconds(0), "0s", "0s"},
      {milliseconds(999), "0s", "0s"},
      {seconds(1), "1s", "1s"},
      {seconds(59), "59s", "59s"},
      {seconds(60), "60s", "1m"},
      {seconds(119), "119s", "1m"},
      {seconds(120), "2m", "2m"},
      {minutes(5) + seconds(10), "5m10s", "5m"},
      {minutes(9) + seconds(59), "9m59s", "9m"},
      {minutes(10), "10m", "10m"},
      {minutes(10) + seconds(30), "10m", "10m"},
      {minutes(179), "179m", "2h"},
      {hours(3), "3h", "3h"},
      {hours(3) + minutes(4), "3h4m", "3h"},
      {hours(7) + minutes(59), "7h59m", "7h"},
      {hours(8), "8h", "8h"},
      {hours(8) + minutes(30), "8h", "8h"},
      {hours(47), "47h", "1d"},
      {hours(48), "2d", "2d"},
      {hours(51), "2d3h", "2d"},
      {kDay * 7 + hours(23), "7d23h", "7d"},
      {kDay * 8, "8d", "8d"},
      {kDay * 5 + hours(0), "5d", "5d"},
      {kDay * 364, "364d", "364d"},
      {kYear, "365d", "1y"},
      {kYear * 2 - kDay, "729d", "1y"},
      {kYear * 2, "2y", "2y"},
      {kYear * 3 + kDay * 45, "3y45d", "3y"},
      {kYear * 8 - kDay, "7y364d", "7y"},
      {kYear * 8, "8y", "8y"},
      {kYear * 9 + kDay * 100, "9y", "9y"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(humanDuration(c.d), c.human) << c.d.count() << "ns";
    EXPECT_EQ(shortHumanDuration(c.d), c.shortHuman) << c.d.count() << "ns";
  }
}

TEST(HumanDurationTest, ParsesKubernetesTimestamps) {
  auto base = parseRfc3339("2024-03-01T12:00:00Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(std::chrono::duration_cast<seconds>(base->time_since_epoch()).count(), 1709294400);
  auto micro = parseRfc3339("2024-03-01T12:00:00.250000Z");
  ASSERT_TRUE(micro);
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(*micro - *base).count(), 250);
  auto offset = parseRfc3339("2024-03-01T13:30:00+01:30");
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, *base);
  auto negative = parseRfc3339("2024-03-01T10:00:00-02:00");
  ASSERT_TRUE(negative);
  EXPECT_EQ(*negative, *base);

  for (const char* bad : {"", "2024-03-01", "2024-03-01T12:00:00", "2024-13-01T00:00:00Z",
                          "2024-03-01T12:00:00Zjunk", "yesterday", "2024-03-01T12:00:00.Z"}) {
    EXPECT_FALSE(parseRfc3339(bad)) << bad;
  }
  // Go's zero time is what an unset metav1.Time looks like.
  EXPECT_FALSE(parseRfc3339("0001-01-01T00:00:00Z"));
}

TEST(HumanDurationTest, TimestampAge) {
  auto now = *parseRfc3339("2024-03-01T12:00:00Z");
  EXPECT_EQ(timestampAge("2024-03-01T11:54:50Z", now), "5m10s");
  EXPECT_EQ(timestampAge("2024-02-28T09:00:00Z", now), "2d3h");
  EXPECT_EQ(timestampAge("2024-03-01T12:00:01Z", now), "0s");
  EXPECT_EQ(timestampAge("2024-03-01T12:00:05Z", now), "<invalid>");
  EXPECT_EQ(timestampAge("", now), "<unknown>");
  EXPECT_EQ(timestampAge("not a time", now), "<unknown>");
  EXPECT_EQ(timestampAge(std::nullopt, now), "<unknown>");
}

TEST(HumanDurationTest, FormatsRfc3339InUtc) {
  EXPECT_EQ(formatRfc3339(*parseRfc3339("2024-03-01T13:30:00.9+01:30")), "2024-03-01T12:00:00Z");
  EXPECT_EQ(formatRfc3339(TimePoint{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(*parseRfc3339("1969-12-31T23:59:59.5Z")), "1969-12-31T23:59:59Z");
  EXPECT_EQ(formatRfc3339(*parseRfc3339("2000-02-29T23:59:59Z")), "2000-02-29T23:59:59Z");
}

}  // namespace
}  // namespace cube::tables
