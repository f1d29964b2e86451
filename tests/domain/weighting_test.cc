#include "domain/weighting.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

using ::testing::HasSubstr;

struct Case {
  const char* name;
  WeightingInput in;
  int percent;
  bool criteria_met;
};

TEST(WeightingTest, LancashireTable) {
  using enum AdditionalImpact;
  const Case cases[] = {
      {"all 10% criteria", {kSignificant, 3, 1}, 10, true},
      {"second worst fifth is highest need", {kSignificant, 4, 2}, 10, true},
      {"middle fifth is less need", {kSignificant, 3, 3}, 5, true},
      {"county-wide reaches highest need",
       {kSignificant, 3, 5, true},
       10,
       true},
      {"two objectives are not multiple", {kSignificant, 2, 1}, 5, true},
      {"some impact caps at 5%", {kSome, 5, 1}, 5, true},
      {"5% criteria exactly", {kSome, 2, 5}, 5, true},
      {"one objective: below the 5% criteria", {kSome, 1, 3}, 5, false},
      {"no additional impact", {kNone, 5, 1}, 5, false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<WeightingAdvice> advice = RecommendWeighting(c.in);
    ASSERT_TRUE(advice.ok()) << c.name << ": " << advice.status();
    EXPECT_EQ(advice->percent, c.percent) << c.name;
    EXPECT_EQ(advice->criteria_met, c.criteria_met) << c.name;
    EXPECT_EQ(advice->reasons.size(), 4u) << c.name;
  }
}

TEST(WeightingTest, ReasonsExplainTheAnswer) {
  absl::StatusOr<WeightingAdvice> advice =
      RecommendWeighting({AdditionalImpact::kSignificant, 2, 4});
  ASSERT_TRUE(advice.ok());
  EXPECT_THAT(advice->reasons[1], HasSubstr("10% needs 3 or more"));
  EXPECT_THAT(advice->reasons[2], HasSubstr("less significant needs"));
}

TEST(WeightingTest, BadInputNamesTheField) {
  EXPECT_THAT(
      RecommendWeighting({AdditionalImpact::kSome, 2, 0}).status().message(),
      HasSubstr("needs_quintile"));
  EXPECT_THAT(
      RecommendWeighting({AdditionalImpact::kSome, 2, 6}).status().message(),
      HasSubstr("needs_quintile"));
  EXPECT_THAT(
      RecommendWeighting({AdditionalImpact::kSome, -1, 3}).status().message(),
      HasSubstr("objectives"));
  EXPECT_TRUE(RecommendWeighting({AdditionalImpact::kSome, 2, 0, true}).ok());
}

}  // namespace
}  // namespace svledger::domain
