// Money as people write it (domain/money_text.h): exact pence from "£1.2m"
// and "1,200,000.00", refusals that name the field, and pounds shown with
// thousands separators.

#include "domain/money_text.h"

#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

TEST(MoneyTextTest, ParsesWhatAPersonTypes) {
  struct Case {
    const char* text;
    int64_t pence;
  } cases[] = {
      {"1200000", 120000000},
      {"1,200,000", 120000000},
      {"1,200,000.00", 120000000},
      {"£1,200,000.50", 120000050},
      {"1200000.5", 120000050},
      {"£1.2m", 120000000},
      {"1.2M", 120000000},
      {"250k", 25000000},
      {" £ 3.5bn ", 350000000000},
      {"£0.01", 1},
      {"0", 0},
      {"£1.234567m", 123456700},
      {"999,999,999,999.99", 99999999999999},
  };
  for (const Case& c : cases) {
    absl::StatusOr<int64_t> pence = ParsePounds(c.text, "value");
    ASSERT_TRUE(pence.ok()) << c.text << ": " << pence.status();
    EXPECT_EQ(*pence, c.pence) << c.text;
  }
}

TEST(MoneyTextTest, RefusesWhatIsNotMoneyNamingTheField) {
  for (const char* text :
       {"", "£", "-5", "1,20,000", ",100", "1.234", "£1.2345678m", "12x", "1e6",
        "1,000,000,000,000", "£1.5.0", "m"}) {
    absl::StatusOr<int64_t> pence = ParsePounds(text, "--value");
    ASSERT_FALSE(pence.ok()) << "'" << text << "' parsed as " << *pence;
    EXPECT_EQ(pence.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(pence.status().message().substr(0, 8), "--value:") << text;
    EXPECT_NE(pence.status().message().find("£1.2m"), std::string::npos);
  }
}

TEST(MoneyTextTest, FormatsWithThousandsSeparators) {
  EXPECT_EQ(FormatPounds(120000050), "£1,200,000.50");
  EXPECT_EQ(FormatPounds(5), "£0.05");
  EXPECT_EQ(FormatPounds(0), "£0.00");
  EXPECT_EQ(FormatPounds(-12345), "-£123.45");
  EXPECT_EQ(FormatPounds(120000050, /*whole_pounds=*/true), "£1,200,001");
  EXPECT_EQ(FormatPounds(99999, true), "£1,000");
  EXPECT_EQ(FormatPounds(100049, true), "£1,000");
  EXPECT_EQ(FormatPounds(INT64_MIN, true), "-£92,233,720,368,547,758");
  // What it shows, read back, is what it was.
  for (int64_t pence :
       {int64_t{1}, int64_t{99}, int64_t{123456789}, int64_t{99999999999999}}) {
    EXPECT_EQ(*ParsePounds(FormatPounds(pence), "x"), pence);
  }
}

}  // namespace
}  // namespace svledger::domain
