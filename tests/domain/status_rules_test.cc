#include "domain/status_rules.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/domain/decimal_testing.h"

namespace svledger::domain {
namespace {

const absl::Time kStart =
    absl::FromCivil(absl::CivilDay(2025, 4, 1), absl::UTCTimeZone());
absl::Time Day(double d) { return kStart + absl::Hours(24 * d); }

struct Case {
  std::string name;
  Aggregation aggregation;
  Decimal target;
  Decimal delivered;
  absl::Time as_of;
  CommitmentStatus want;
  bool withdrawn = false;
};

// Due a year after the start: D = Day(365). Default thresholds: grace 30
// days, review period 90 days, ON_TRACK from 1.0, AT_RISK from 0.8.
TEST(AssessTest, TableOfRules) {
  using enum CommitmentStatus;
  using enum Aggregation;
  const std::vector<Case> cases = {
      // SUM: expected grows with time.
      {"sum too early to judge", kSum, Dec("100"), Dec("0"), Day(30), kOnTrack},
      {"sum just before review ends", kSum, Dec("100"), Dec("0"), Day(89.99),
       kOnTrack},
      {"sum review over, nothing delivered", kSum, Dec("100"), Dec("0"),
       Day(90), kOffTrack},
      {"sum half way, exactly expected", kSum, Dec("100"), Dec("50"),
       Day(182.5), kOnTrack},
      {"sum half way, just under expected", kSum, Dec("100"), Dec("49.99"),
       Day(182.5), kAtRisk},
      {"sum half way, exactly 80%", kSum, Dec("100"), Dec("40"), Day(182.5),
       kAtRisk},
      {"sum half way, under 80%", kSum, Dec("100"), Dec("39.99"), Day(182.5),
       kOffTrack},
      {"sum met early, even before review", kSum, Dec("100"), Dec("100"),
       Day(10), kMet},
      {"sum over-delivered", kSum, Dec("100"), Dec("120"), Day(200), kMet},
      {"sum at due, short", kSum, Dec("100"), Dec("90"), Day(365), kAtRisk},
      {"sum at the end of grace, short", kSum, Dec("100"), Dec("90"), Day(395),
       kAtRisk},
      {"sum after grace, short", kSum, Dec("100"), Dec("90"), Day(395.0001),
       kMissed},
      {"sum after grace, met", kSum, Dec("100"), Dec("100"), Day(500), kMet},
      {"withdrawn beats everything", kSum, Dec("100"), Dec("100"), Day(500),
       kWithdrawn, true},
      {"withdrawn when behind", kSum, Dec("100"), Dec("0"), Day(200),
       kWithdrawn, true},
      // LATEST: expected is the whole target; MET only once judged at the end.
      {"latest early", kLatest, Dec("75"), Dec("0"), Day(10), kOnTrack},
      {"latest at target mid-way", kLatest, Dec("75"), Dec("75"), Day(200),
       kOnTrack},
      {"latest above target mid-way", kLatest, Dec("75"), Dec("80"), Day(200),
       kOnTrack},
      {"latest at 80%", kLatest, Dec("75"), Dec("60"), Day(200), kAtRisk},
      {"latest under 80%", kLatest, Dec("75"), Dec("59"), Day(200), kOffTrack},
      {"latest after grace, met", kLatest, Dec("75"), Dec("75"), Day(400),
       kMet},
      {"latest after grace, short", kLatest, Dec("75"), Dec("74.9"), Day(400),
       kMissed},
      // RATIO: delivered is a percentage; expected is the target percentage.
      {"ratio above", kRatio, Dec("30"), Dec("31"), Day(200), kOnTrack},
      {"ratio at 80%", kRatio, Dec("30"), Dec("24"), Day(200), kAtRisk},
      {"ratio under 80%", kRatio, Dec("30"), Dec("23.9"), Day(200), kOffTrack},
      {"ratio after grace, met", kRatio, Dec("30"), Dec("30"), Day(400), kMet},
      {"ratio after grace, short", kRatio, Dec("30"), Dec("29"), Day(400),
       kMissed},
  };
  for (const Case& c : cases) {
    CommitmentTerms terms{.aggregation = c.aggregation,
                          .target = c.target,
                          .start = kStart,
                          .due = Day(365),
                          .withdrawn = c.withdrawn};
    Assessment a = Assess(terms, c.delivered, c.as_of, StatusThresholds());
    EXPECT_EQ(StatusName(a.status), std::string(StatusName(c.want))) << c.name;
    EXPECT_EQ(a.delivered, c.delivered) << c.name;
  }
}

TEST(AssessTest, ExpectedFollowsElapsedForSumOnly) {
  CommitmentTerms sum{.aggregation = Aggregation::kSum,
                      .target = Dec("200"),
                      .start = kStart,
                      .due = Day(100)};
  Assessment a = Assess(sum, Decimal(), Day(25), StatusThresholds());
  EXPECT_DOUBLE_EQ(a.elapsed, 0.25);
  EXPECT_EQ(a.expected, Dec("50"));
  CommitmentTerms latest = sum;
  latest.aggregation = Aggregation::kLatest;
  EXPECT_EQ(Assess(latest, Decimal(), Day(25), StatusThresholds()).expected,
            Dec("200"));
}

TEST(AssessTest, ThresholdsAreConfigurable) {
  StatusThresholds strict{.grace = absl::ZeroDuration(),
                          .review_period = absl::ZeroDuration(),
                          .on_track_ratio = Dec("0.9"),
                          .at_risk_ratio = Dec("0.5")};
  CommitmentTerms terms{.aggregation = Aggregation::kSum,
                        .target = Dec("100"),
                        .start = kStart,
                        .due = Day(100)};
  // No review period: judged from the first day.
  EXPECT_EQ(Assess(terms, Decimal(), Day(1), strict).status,
            CommitmentStatus::kOffTrack);
  EXPECT_EQ(Assess(terms, Dec("45"), Day(50), strict).status,
            CommitmentStatus::kOnTrack);  // 0.9 of expected 50
  EXPECT_EQ(Assess(terms, Dec("25"), Day(50), strict).status,
            CommitmentStatus::kAtRisk);  // 0.5
  // No grace: missed the moment after the due date.
  EXPECT_EQ(Assess(terms, Dec("99"), Day(100.0001), strict).status,
            CommitmentStatus::kMissed);
}

TEST(ElapsedTest, ClampedAndDegenerate) {
  CommitmentTerms terms{.start = kStart, .due = Day(10)};
  EXPECT_EQ(Elapsed(terms, Day(-5)), 0);
  EXPECT_DOUBLE_EQ(Elapsed(terms, Day(5)), 0.5);
  EXPECT_EQ(Elapsed(terms, Day(50)), 1);
  CommitmentTerms instant{.start = kStart, .due = kStart};
  EXPECT_EQ(Elapsed(instant, Day(-1)), 0);
  EXPECT_EQ(Elapsed(instant, kStart), 1);
}

TEST(DeliveredTest, EachAggregation) {
  const std::vector<VerifiedDelivery> deliveries = {
      {.quantity = Dec("10"),
       .denominator = Dec("100"),
       .period_end = Day(30),
       .recorded = Day(31)},
      {.quantity = Dec("30"),
       .denominator = Dec("50"),
       .period_end = Day(90),
       .recorded = Day(95)},
      // Same period end as the one above, recorded later: wins LATEST.
      {.quantity = Dec("20"),
       .denominator = Dec("50"),
       .period_end = Day(90),
       .recorded = Day(96)},
      // Recorded last but for an earlier period: does not win LATEST.
      {.quantity = Dec("99"),
       .denominator = Dec("0"),
       .period_end = Day(60),
       .recorded = Day(120)},
  };
  EXPECT_EQ(Delivered(Aggregation::kSum, deliveries), Dec("159"));
  EXPECT_EQ(Delivered(Aggregation::kLatest, deliveries), Dec("20"));
  EXPECT_EQ(Delivered(Aggregation::kRatio, deliveries), Dec("79.5"));
  EXPECT_EQ(Delivered(Aggregation::kSum, {}), Decimal());
  EXPECT_EQ(Delivered(Aggregation::kLatest, {}), Decimal());
  EXPECT_EQ(Delivered(Aggregation::kRatio, {{.quantity = Dec("5")}}),
            Decimal());
}

TEST(ContractRollupTest, WorstStatusIgnoresWithdrawn) {
  using enum CommitmentStatus;
  EXPECT_EQ(ContractStatus({{kMet, Dec("1"), Dec("1")},
                            {kAtRisk, Dec("1"), Dec("1")},
                            {kOnTrack, Dec("1"), Dec("1")}}),
            kAtRisk);
  EXPECT_EQ(ContractStatus({{kOffTrack, Dec("1"), Dec("1")},
                            {kMissed, Dec("1"), Dec("1")}}),
            kMissed);
  EXPECT_EQ(ContractStatus(
                {{kMet, Dec("1"), Dec("1")}, {kWithdrawn, Dec("0"), Dec("1")}}),
            kMet);
  EXPECT_EQ(ContractStatus({{kWithdrawn, Dec("0"), Dec("1")}}), std::nullopt);
  EXPECT_EQ(ContractStatus({}), std::nullopt);
}

TEST(ContractRollupTest, DeliveryScoreIsTheCappedMean) {
  using enum CommitmentStatus;
  // min(1, 150/100) = 1, 50/100 = 0.5, 0/10 = 0; withdrawn ignored.
  std::optional<double> score =
      DeliveryScore({{kMet, Dec("150"), Dec("100")},
                     {kAtRisk, Dec("50"), Dec("100")},
                     {kOffTrack, Dec("0"), Dec("10")},
                     {kWithdrawn, Dec("0"), Dec("100")}});
  ASSERT_TRUE(score.has_value());
  EXPECT_DOUBLE_EQ(*score, 0.5);
  EXPECT_EQ(DeliveryScore({{kWithdrawn, Dec("1"), Dec("1")}}), std::nullopt);
}

// The floating-point cases: exact sums in any order.
TEST(DeliveredTest, ExactInEveryOrder) {
  struct Case {
    std::vector<std::string> quantities;
    std::string target;
  };
  const std::vector<Case> cases = {
      {{"0.1", "0.2", "0.3"}, "0.6"},
      {{"0.7", "0.1"}, "0.8"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> order = c.quantities;
    std::sort(order.begin(), order.end());
    do {
      std::vector<VerifiedDelivery> deliveries;
      for (const std::string& q : order) {
        deliveries.push_back({.quantity = Dec(q), .period_end = Day(10)});
      }
      const Decimal sum = Delivered(Aggregation::kSum, deliveries);
      EXPECT_EQ(sum, Dec(c.target));
      CommitmentTerms terms{.aggregation = Aggregation::kSum,
                            .target = Dec(c.target),
                            .start = kStart,
                            .due = Day(365)};
      EXPECT_EQ(Assess(terms, sum, Day(200), StatusThresholds()).status,
                CommitmentStatus::kMet)
          << c.target;
      EXPECT_EQ(PercentOf(sum, Dec(c.target)), Dec("100"));
    } while (std::next_permutation(order.begin(), order.end()));
  }
}

TEST(DeliveredTest, LatestTiesDoNotDependOnOrder) {
  VerifiedDelivery a{
      .quantity = Dec("40"), .period_end = Day(90), .recorded = Day(91)};
  VerifiedDelivery b{
      .quantity = Dec("60"), .period_end = Day(90), .recorded = Day(91)};
  EXPECT_EQ(Delivered(Aggregation::kLatest, {a, b}),
            Delivered(Aggregation::kLatest, {b, a}));
}

// A plan of cumulative milestones: expected-to-date follows it, linear in
// between, from 0 at the start and to the target at the due date.
TEST(ExpectedTest, FollowsTheDeliveryPlan) {
  CommitmentTerms terms{.aggregation = Aggregation::kSum,
                        .target = Dec("5"),
                        .start = kStart,
                        .due = Day(1000)};
  // Nothing in the first 200 days, 1 by day 400, 4 by day 800.
  terms.plan = {{.at = Day(200), .cumulative = Dec("0")},
                {.at = Day(400), .cumulative = Dec("1")},
                {.at = Day(800), .cumulative = Dec("4")}};
  struct Case {
    double day;
    std::string want;
  };
  for (const Case& c : std::vector<Case>{{0, "0"},
                                         {100, "0"},
                                         {200, "0"},
                                         {300, "0.5"},
                                         {400, "1"},
                                         {600, "2.5"},
                                         {800, "4"},
                                         {900, "4.5"},
                                         {1000, "5"},
                                         {2000, "5"}}) {
    EXPECT_EQ(Expected(terms, Day(c.day)), Dec(c.want)) << c.day;
  }
  // Without the plan: a straight line.
  terms.plan.clear();
  EXPECT_EQ(Expected(terms, Day(100)), Dec("0.5"));
  // Five jobs over three years, ramping: not OFF_TRACK after the review
  // period when the plan expects none yet; OFF_TRACK on a straight line.
  CommitmentTerms ramp{.aggregation = Aggregation::kSum,
                       .target = Dec("5"),
                       .start = kStart,
                       .due = Day(3 * 365)};
  EXPECT_EQ(Assess(ramp, Decimal(), Day(100), StatusThresholds()).status,
            CommitmentStatus::kOffTrack);
  ramp.plan = {{.at = Day(365), .cumulative = Dec("0")},
               {.at = Day(730), .cumulative = Dec("2")}};
  EXPECT_EQ(Assess(ramp, Decimal(), Day(100), StatusThresholds()).status,
            CommitmentStatus::kOnTrack);
}

// A final judgement (a closed contract's) has no grace after the due date.
TEST(AssessTest, FinalJudgementHasNoGrace) {
  CommitmentTerms terms{.aggregation = Aggregation::kSum,
                        .target = Dec("10"),
                        .start = kStart,
                        .due = Day(100)};
  EXPECT_EQ(Assess(terms, Dec("9"), Day(101), StatusThresholds()).status,
            CommitmentStatus::kAtRisk);
  terms.final_judgement = true;
  EXPECT_EQ(Assess(terms, Dec("9"), Day(101), StatusThresholds()).status,
            CommitmentStatus::kMissed);
}

}  // namespace
}  // namespace svledger::domain
