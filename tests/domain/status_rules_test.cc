#include "domain/status_rules.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

const absl::Time kStart =
    absl::FromCivil(absl::CivilDay(2025, 4, 1), absl::UTCTimeZone());
absl::Time Day(double d) { return kStart + absl::Hours(24 * d); }

struct Case {
  std::string name;
  Aggregation aggregation;
  double target;
  double delivered;
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
      {"sum too early to judge", kSum, 100, 0, Day(30), kOnTrack},
      {"sum just before review ends", kSum, 100, 0, Day(89.99), kOnTrack},
      {"sum review over, nothing delivered", kSum, 100, 0, Day(90), kOffTrack},
      {"sum half way, exactly expected", kSum, 100, 50, Day(182.5), kOnTrack},
      {"sum half way, just under expected", kSum, 100, 49.99, Day(182.5),
       kAtRisk},
      {"sum half way, exactly 80%", kSum, 100, 40, Day(182.5), kAtRisk},
      {"sum half way, under 80%", kSum, 100, 39.99, Day(182.5), kOffTrack},
      {"sum met early, even before review", kSum, 100, 100, Day(10), kMet},
      {"sum over-delivered", kSum, 100, 120, Day(200), kMet},
      {"sum at due, short", kSum, 100, 90, Day(365), kAtRisk},
      {"sum at the end of grace, short", kSum, 100, 90, Day(395), kAtRisk},
      {"sum after grace, short", kSum, 100, 90, Day(395.0001), kMissed},
      {"sum after grace, met", kSum, 100, 100, Day(500), kMet},
      {"withdrawn beats everything", kSum, 100, 100, Day(500), kWithdrawn,
       true},
      {"withdrawn when behind", kSum, 100, 0, Day(200), kWithdrawn, true},
      // LATEST: expected is the whole target; MET only once judged at the end.
      {"latest early", kLatest, 75, 0, Day(10), kOnTrack},
      {"latest at target mid-way", kLatest, 75, 75, Day(200), kOnTrack},
      {"latest above target mid-way", kLatest, 75, 80, Day(200), kOnTrack},
      {"latest at 80%", kLatest, 75, 60, Day(200), kAtRisk},
      {"latest under 80%", kLatest, 75, 59, Day(200), kOffTrack},
      {"latest after grace, met", kLatest, 75, 75, Day(400), kMet},
      {"latest after grace, short", kLatest, 75, 74.9, Day(400), kMissed},
      // RATIO: delivered is a percentage; expected is the target percentage.
      {"ratio above", kRatio, 30, 31, Day(200), kOnTrack},
      {"ratio at 80%", kRatio, 30, 24, Day(200), kAtRisk},
      {"ratio under 80%", kRatio, 30, 23.9, Day(200), kOffTrack},
      {"ratio after grace, met", kRatio, 30, 30, Day(400), kMet},
      {"ratio after grace, short", kRatio, 30, 29, Day(400), kMissed},
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
                      .target = 200,
                      .start = kStart,
                      .due = Day(100)};
  Assessment a = Assess(sum, 0, Day(25), StatusThresholds());
  EXPECT_DOUBLE_EQ(a.elapsed, 0.25);
  EXPECT_DOUBLE_EQ(a.expected, 50);
  CommitmentTerms latest = sum;
  latest.aggregation = Aggregation::kLatest;
  EXPECT_DOUBLE_EQ(Assess(latest, 0, Day(25), StatusThresholds()).expected,
                   200);
}

TEST(AssessTest, ThresholdsAreConfigurable) {
  StatusThresholds strict{.grace = absl::ZeroDuration(),
                          .review_period = absl::ZeroDuration(),
                          .on_track_ratio = 0.9,
                          .at_risk_ratio = 0.5};
  CommitmentTerms terms{.aggregation = Aggregation::kSum,
                        .target = 100,
                        .start = kStart,
                        .due = Day(100)};
  // No review period: judged from the first day.
  EXPECT_EQ(Assess(terms, 0, Day(1), strict).status,
            CommitmentStatus::kOffTrack);
  EXPECT_EQ(Assess(terms, 45, Day(50), strict).status,
            CommitmentStatus::kOnTrack);  // 0.9 of expected 50
  EXPECT_EQ(Assess(terms, 25, Day(50), strict).status,
            CommitmentStatus::kAtRisk);  // 0.5
  // No grace: missed the moment after the due date.
  EXPECT_EQ(Assess(terms, 99, Day(100.0001), strict).status,
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
      {.quantity = 10,
       .denominator = 100,
       .period_end = Day(30),
       .recorded = Day(31)},
      {.quantity = 30,
       .denominator = 50,
       .period_end = Day(90),
       .recorded = Day(95)},
      // Same period end as the one above, recorded later: wins LATEST.
      {.quantity = 20,
       .denominator = 50,
       .period_end = Day(90),
       .recorded = Day(96)},
      // Recorded last but for an earlier period: does not win LATEST.
      {.quantity = 99,
       .denominator = 0,
       .period_end = Day(60),
       .recorded = Day(120)},
  };
  EXPECT_DOUBLE_EQ(Delivered(Aggregation::kSum, deliveries), 159);
  EXPECT_DOUBLE_EQ(Delivered(Aggregation::kLatest, deliveries), 20);
  EXPECT_DOUBLE_EQ(Delivered(Aggregation::kRatio, deliveries),
                   100.0 * 159 / 200);
  EXPECT_EQ(Delivered(Aggregation::kSum, {}), 0);
  EXPECT_EQ(Delivered(Aggregation::kLatest, {}), 0);
  EXPECT_EQ(Delivered(Aggregation::kRatio, {{.quantity = 5}}), 0);
}

TEST(ContractRollupTest, WorstStatusIgnoresWithdrawn) {
  using enum CommitmentStatus;
  EXPECT_EQ(ContractStatus({{kMet, 1, 1}, {kAtRisk, 1, 1}, {kOnTrack, 1, 1}}),
            kAtRisk);
  EXPECT_EQ(ContractStatus({{kOffTrack, 1, 1}, {kMissed, 1, 1}}), kMissed);
  EXPECT_EQ(ContractStatus({{kMet, 1, 1}, {kWithdrawn, 0, 1}}), kMet);
  EXPECT_EQ(ContractStatus({{kWithdrawn, 0, 1}}), std::nullopt);
  EXPECT_EQ(ContractStatus({}), std::nullopt);
}

TEST(ContractRollupTest, DeliveryScoreIsTheCappedMean) {
  using enum CommitmentStatus;
  // min(1, 150/100) = 1, 50/100 = 0.5, 0/10 = 0; withdrawn ignored.
  std::optional<double> score = DeliveryScore({{kMet, 150, 100},
                                               {kAtRisk, 50, 100},
                                               {kOffTrack, 0, 10},
                                               {kWithdrawn, 0, 100}});
  ASSERT_TRUE(score.has_value());
  EXPECT_DOUBLE_EQ(*score, 0.5);
  EXPECT_EQ(DeliveryScore({{kWithdrawn, 1, 1}}), std::nullopt);
}

}  // namespace
}  // namespace svledger::domain
