#include "common/quantity.h"

#include <gtest/gtest.h>

namespace cube {
namespace {

struct Case {
  const char* in;
  const char* canonical;  // nullptr: invalid
};

TEST(Quantity, CanonicalForm) {
  const Case cases[] = {
      {"0", "0"},
      {"0m", "0"},
      {"0Ki", "0"},
      {"-0", "0"},
      {"1", "1"},
      {"0.5", "500m"},
      {"0.1", "100m"},
      {"1000m", "1"},
      {"1500m", "1500m"},
      {"10000m", "10"},
      {"500000000n", "500m"},
      {"1024Mi", "1Gi"},
      {"2048Ki", "2Mi"},
      {"1.5Gi", "1536Mi"},
      {"0.5Mi", "512Ki"},
      {"1.5Ki", "1536"},
      {"100M", "100M"},
      {"1000M", "1G"},
      {"1e3", "1e3"},
      {"1.2e3", "1200"},
      {"1E6", "1E6"},
      {"0.5e-9", "1e-9"},
      {"0.0001", "100u"},
      {"3.001n", "4n"},
      {".001Ki", "1024m"},
      {".000000000001Ki", "2n"},
      {"0.00000012345", "124n"},
      {"100.035Ki", "102435840m"},
      {"9Ei", "9223372036854775807"},
      {"12E", "12E"},
      {"-1Ki", "-1Ki"},
      {"-0.5", "-500m"},
      {"1.", "1."},
      {".", "0"},
      // Kubernetes keeps text it considers canonical verbatim, signs and zeros included.
      {"+1", "+1"},
      {"007", "007"},
      {"1.500", "1.500"},
      {"", nullptr},
      {"1.1.M", nullptr},
      {"1+1.0M", nullptr},
      {"0.1mi", nullptr},
      {"0.1am", nullptr},
      {"aoeu", nullptr},
      {".5i", nullptr},
      {"1i", nullptr},
      {"-3.01e-", nullptr},
      {"1 Gi", nullptr},
  };
  for (const auto& c : cases) {
    auto got = canonicalQuantity(c.in);
    if (c.canonical) {
      ASSERT_TRUE(got.has_value()) << c.in;
      EXPECT_EQ(*got, c.canonical) << c.in;
    } else {
      EXPECT_FALSE(got.has_value()) << c.in << " -> " << got.value_or("");
    }
  }
  // Surrounding whitespace is trimmed as the JSON decoder does.
  EXPECT_EQ(canonicalQuantity(" 2Gi "), "2Gi");
}

TEST(Quantity, Values) {
  EXPECT_EQ(quantityMilliValue("100m"), 100);
  EXPECT_EQ(quantityMilliValue("1"), 1000);
  EXPECT_EQ(quantityMilliValue("0.0001"), 1);  // rounded up
  EXPECT_EQ(quantityMilliValue("1Ki"), 1024000);
  EXPECT_EQ(quantityMilliValue("-1080m"), -1080);
  EXPECT_EQ(quantityValue("1Gi"), 1073741824);
  EXPECT_EQ(quantityValue("500m"), 1);
  EXPECT_EQ(quantityValue("128974848"), 128974848);
  EXPECT_EQ(quantityValue("129e6"), 129000000);
  EXPECT_EQ(quantityValue("123Mi"), 128974848);
  EXPECT_FALSE(quantityValue("x").has_value());
  EXPECT_FALSE(quantityMilliValue("9Ei").has_value());  // overflows int64 milli-units
}

}  // namespace
}  // namespace cube
