#include "domain/decimal.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/domain/decimal_testing.h"

namespace svledger::domain {
namespace {

TEST(DecimalTest, ParsesWhatAPersonTypes) {
  struct Case {
    std::string text;
    int64_t micros;
    std::string canonical;
  };
  for (const Case& c : std::vector<Case>{
           {"0", 0, "0"},
           {"5", 5'000'000, "5"},
           {"0.7", 700'000, "0.7"},
           {"0.70", 700'000, "0.7"},
           {"007.250", 7'250'000, "7.25"},
           {"-1.5", -1'500'000, "-1.5"},
           {"0.000001", 1, "0.000001"},
           {"999999999999.999999", Decimal::kMaxParsed, "999999999999.999999"},
       }) {
    absl::StatusOr<Decimal> d = Decimal::Parse(c.text, "quantity");
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.status();
    EXPECT_EQ(d->micros(), c.micros) << c.text;
    EXPECT_EQ(d->ToString(), c.canonical) << c.text;
  }
}

TEST(DecimalTest, RefusesWhatIsNotADecimalNamingTheField) {
  for (const std::string text :
       {"", "1e3", "1.", ".5", "+1", " 1", "1 ", "1,000", "0x10", "NaN", "inf",
        "1.0000001", "1000000000000", "--1", "1.2.3"}) {
    absl::StatusOr<Decimal> d = Decimal::Parse(text, "delivery.quantity");
    ASSERT_FALSE(d.ok()) << text;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().message().rfind("delivery.quantity: ", 0), 0)
        << d.status();
  }
}

TEST(DecimalTest, LegacyDoublesReadAsTyped) {
  EXPECT_EQ(Decimal::FromLegacyDouble(0.7), Dec("0.7"));
  EXPECT_EQ(Decimal::FromLegacyDouble(0.1), Dec("0.1"));
  EXPECT_EQ(Decimal::FromLegacyDouble(1250000.5), Dec("1250000.5"));
  EXPECT_EQ(Decimal::FromLegacyDouble(-3), Dec("-3"));
  EXPECT_EQ(Decimal::FromLegacyDouble(1.25e-7), Dec("0"));
  // A computed double (0.1 + 0.2) rounds to 6 places, halves to even.
  EXPECT_EQ(Decimal::FromLegacyDouble(0.1 + 0.2), Dec("0.3"));
  EXPECT_EQ(Decimal::FromLegacyDouble(0.0000005), Dec("0"));
  EXPECT_EQ(Decimal::FromLegacyDouble(0.0000015), Dec("0.000002"));
  // Clamped so that the text of what is read always parses again.
  EXPECT_EQ(Decimal::FromLegacyDouble(1e300).micros(), Decimal::kMaxParsed);
  EXPECT_EQ(Decimal::FromLegacyDouble(-1e15).micros(), -Decimal::kMaxParsed);
  EXPECT_TRUE(
      Decimal::Parse(Decimal::FromLegacyDouble(1e300).ToString(), "x").ok());
}

TEST(DecimalTest, ArithmeticIsExactAndSaturates) {
  EXPECT_EQ(Dec("0.7") + Dec("0.1"), Dec("0.8"));
  EXPECT_EQ(Dec("0.1") + Dec("0.2") + Dec("0.3"), Dec("0.6"));
  const Decimal max = Decimal::FromMicros(Decimal::kMax);
  EXPECT_EQ(max + Dec("1"), max);
  EXPECT_EQ(MulDiv(Dec("5"), 1, 3), Dec("1.666666"));  // towards zero
  EXPECT_EQ(PercentOf(Dec("1"), Dec("3")), Dec("33.333333"));
  EXPECT_EQ(PercentOf(Dec("1"), Dec("0")), Dec("0"));
  EXPECT_TRUE(RatioAtLeast(Dec("0.8"), Dec("1"), Dec("0.8")));
  EXPECT_FALSE(RatioAtLeast(Dec("0.799999"), Dec("1"), Dec("0.8")));
}

TEST(DecimalTest, ComputedFiguresReadBackEvenWhenSaturated) {
  const Decimal max = Decimal::FromMicros(Decimal::kMax);
  EXPECT_EQ(Decimal::ParseFigure(max.ToString()), max);
  EXPECT_EQ(Decimal::ParseFigure("-12.5"), Dec("-12.5"));
  EXPECT_EQ(Decimal::ParseFigure("not a figure"), Decimal());
  // A sum past what a person may type still reads back.
  const Decimal big = Dec("999999999999") + Dec("999999999999");
  EXPECT_EQ(Decimal::ParseFigure(big.ToString()), big);
}

TEST(DecimalTest, PenceRoundHalfAwayFromZero) {
  struct Case {
    std::string quantity, rate;
    int64_t pence;
  };
  for (const Case& c : std::vector<Case>{{"3", "1.005", 302},  // 3.015 -> 3.02
                                         {"1", "0.004999", 0},
                                         {"1", "0.005", 1},
                                         {"2.5", "17.09", 4273},  // 42.725
                                         {"0.1", "0.1", 1}}) {
    EXPECT_EQ(RoundToPence(Dec(c.quantity), Dec(c.rate)), c.pence)
        << c.quantity << " x " << c.rate;
  }
}

}  // namespace
}  // namespace svledger::domain
