// NextStatusChange against the reference, Assess: over random commitments
// and random times, the status holds until the instant it names, and
// changes there unless that instant is one where a rule starts or stops.

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "domain/status_rules.h"
#include "gtest/gtest.h"
#include "tests/domain/decimal_testing.h"

namespace svledger::domain {
namespace {

const absl::Time kStart =
    absl::FromCivil(absl::CivilDay(2025, 4, 1), absl::UTCTimeZone());
absl::Time Day(double d) { return kStart + absl::Hours(24 * d); }
const absl::Duration kTick = absl::Nanoseconds(1) / 4;

CommitmentStatus StatusAt(const CommitmentTerms& terms, Decimal delivered,
                          absl::Time t, const StatusThresholds& thresholds) {
  return Assess(terms, delivered, t, thresholds).status;
}

// A random commitment: any aggregation, a target of 1 to 10,000 (to the
// millionth), a term of 0 to 3 years, sometimes a plan, sometimes a final
// judgement, and thresholds around the defaults.
struct Scenario {
  CommitmentTerms terms;
  StatusThresholds thresholds;
  Decimal delivered;
};

Scenario RandomScenario(std::mt19937_64& rng) {
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Scenario s;
  CommitmentTerms& t = s.terms;
  t.aggregation = static_cast<Aggregation>(uniform(0, 2));
  t.target = Decimal::FromMicros(uniform(1, 10'000) * Decimal::kOne +
                                 uniform(0, 999'999));
  t.start = kStart + absl::Microseconds(uniform(0, 86'400'000'000));
  t.due = t.start + absl::Microseconds(uniform(0, 3) == 0
                                           ? 0
                                           : uniform(1, 1095LL * 86'400'000'000));
  t.final_judgement = uniform(0, 4) == 0;
  if (uniform(0, 2) == 0 && t.due > t.start) {
    const int points = static_cast<int>(uniform(1, 4));
    std::vector<int64_t> offsets;
    const int64_t span = absl::ToInt64Microseconds(t.due - t.start);
    for (int i = 0; i < points; ++i) offsets.push_back(uniform(1, span));
    std::sort(offsets.begin(), offsets.end());
    offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
    int64_t cumulative = 0;
    for (int64_t off : offsets) {
      cumulative += uniform(0, t.target.micros());
      t.plan.push_back({t.start + absl::Microseconds(off),
                        Decimal::FromMicros(cumulative)});
    }
  }
  s.thresholds.grace = absl::Hours(24 * uniform(0, 60));
  s.thresholds.review_period = absl::Hours(24 * uniform(0, 120));
  s.thresholds.at_risk_ratio = Decimal::FromMicros(uniform(500'000, 900'000));
  s.thresholds.on_track_ratio = Decimal::FromMicros(uniform(900'000, 1'200'000));
  // Delivered: nothing, some share of the target, or more than it.
  s.delivered = uniform(0, 5) == 0
                    ? Decimal()
                    : Decimal::FromMicros(t.target.micros() / 1000 *
                                          uniform(0, 1300));
  return s;
}

// The instants where NextStatusChange may wake with nothing changed.
bool IsRuleInstant(const Scenario& s, absl::Time t) {
  const CommitmentTerms& terms = s.terms;
  const absl::Time judged_by =
      terms.final_judgement ? terms.due : terms.due + s.thresholds.grace;
  if (t == terms.start || t == terms.start + s.thresholds.review_period ||
      t == terms.due || t == judged_by + kTick) {
    return true;
  }
  for (const PlanPoint& p : terms.plan) {
    if (t == p.at) return true;
  }
  return false;
}

TEST(NextStatusChangeTest, StatusHoldsUntilItAndChangesAtIt) {
  std::mt19937_64 rng(20261204);
  int exact = 0, woken = 0, final = 0;
  for (int i = 0; i < 4000; ++i) {
    const Scenario s = RandomScenario(rng);
    const absl::Time as_of =
        s.terms.start +
        absl::Microseconds(std::uniform_int_distribution<int64_t>(
            -30LL * 86'400'000'000, 1300LL * 86'400'000'000)(rng)) +
        kTick * std::uniform_int_distribution<int>(0, 3)(rng);
    const CommitmentStatus now =
        StatusAt(s.terms, s.delivered, as_of, s.thresholds);
    const absl::Time next =
        NextStatusChange(s.terms, s.delivered, as_of, s.thresholds);
    ASSERT_GT(next, as_of) << "scenario " << i;
    if (next == absl::InfiniteFuture()) {
      ++final;
      for (double d : {1.0, 400.0, 4000.0}) {
        ASSERT_EQ(StatusAt(s.terms, s.delivered, as_of + absl::Hours(24 * d),
                           s.thresholds),
                  now)
            << "scenario " << i << " changed after a final status";
      }
      continue;
    }
    // Holds on [as_of, next): at its ends and at random instants inside.
    ASSERT_EQ(StatusAt(s.terms, s.delivered, next - kTick, s.thresholds), now)
        << "scenario " << i;
    for (int k = 0; k < 8; ++k) {
      const double share = std::uniform_real_distribution<double>(0, 1)(rng);
      const absl::Time t = as_of + (next - as_of) * share;
      if (t >= next) continue;
      ASSERT_EQ(StatusAt(s.terms, s.delivered, t, s.thresholds), now)
          << "scenario " << i << " changed before " << next;
    }
    if (StatusAt(s.terms, s.delivered, next, s.thresholds) != now) {
      ++exact;
    } else {
      ASSERT_TRUE(IsRuleInstant(s, next))
          << "scenario " << i << ": woke at " << next
          << " with nothing changed, not at a rule's instant";
      ++woken;
    }
  }
  // The random scenarios reach every kind of answer.
  EXPECT_GT(exact, 200);
  EXPECT_GT(woken, 200);
  EXPECT_GT(final, 200);
}

// A timer queue in miniature: a walker that keeps the status and re-judges
// only at the instants NextStatusChange names agrees with Assess at every
// time, and takes a handful of steps over a commitment's whole life.
TEST(NextStatusChangeTest, WalkingTheInstantsAgreesWithAssessEverywhere) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    const Scenario s = RandomScenario(rng);
    absl::Time t = s.terms.start - absl::Hours(24);
    CommitmentStatus held = StatusAt(s.terms, s.delivered, t, s.thresholds);
    absl::Time next = NextStatusChange(s.terms, s.delivered, t, s.thresholds);
    std::vector<absl::Time> probes;
    for (int k = 0; k < 40; ++k) {
      probes.push_back(s.terms.start +
                       absl::Hours(24 * std::uniform_real_distribution<double>(
                                            -1, 1300)(rng)));
    }
    std::sort(probes.begin(), probes.end());
    int steps = 0;
    for (absl::Time probe : probes) {
      if (probe < t) continue;
      while (next <= probe) {
        t = next;
        held = StatusAt(s.terms, s.delivered, t, s.thresholds);
        next = NextStatusChange(s.terms, s.delivered, t, s.thresholds);
        ASSERT_LT(++steps, 32) << "scenario " << i << " does not settle";
      }
      ASSERT_EQ(held, StatusAt(s.terms, s.delivered, probe, s.thresholds))
          << "scenario " << i << " at " << probe;
    }
  }
}

TEST(NextStatusChangeTest, KnownInstants) {
  using enum CommitmentStatus;
  CommitmentTerms terms;
  terms.target = Dec("100");
  terms.start = kStart;
  terms.due = Day(365);
  const StatusThresholds defaults;
  // 40 delivered, expected 100 x f: ON_TRACK until review ends (day 90),
  // then 40 >= E until E = 40 at f = 0.4 (day 146), AT_RISK until 40 =
  // 0.8 E (E = 50, day 182.5), OFF_TRACK until the grace ends, MISSED.
  const Decimal d = Dec("40");
  EXPECT_EQ(NextStatusChange(terms, d, Day(10), defaults), Day(90));
  const absl::Time at_risk = NextStatusChange(terms, d, Day(90), defaults);
  EXPECT_EQ(StatusAt(terms, d, at_risk, defaults), kAtRisk);
  EXPECT_EQ(StatusAt(terms, d, at_risk - kTick, defaults), kOnTrack);
  EXPECT_NEAR(absl::ToDoubleHours(at_risk - kStart) / 24, 146, 0.001);
  const absl::Time off = NextStatusChange(terms, d, at_risk, defaults);
  EXPECT_EQ(StatusAt(terms, d, off, defaults), kOffTrack);
  EXPECT_NEAR(absl::ToDoubleHours(off - kStart) / 24, 182.5, 0.001);
  EXPECT_EQ(NextStatusChange(terms, d, off, defaults), Day(365));
  EXPECT_EQ(NextStatusChange(terms, d, Day(365), defaults), Day(395) + kTick);
  EXPECT_EQ(StatusAt(terms, d, Day(395) + kTick, defaults), kMissed);
  EXPECT_EQ(NextStatusChange(terms, d, Day(395) + kTick, defaults),
            absl::InfiniteFuture());
  // Met and withdrawn never change.
  EXPECT_EQ(NextStatusChange(terms, Dec("100"), Day(10), defaults),
            absl::InfiniteFuture());
  terms.withdrawn = true;
  EXPECT_EQ(NextStatusChange(terms, d, Day(10), defaults),
            absl::InfiniteFuture());
}

}  // namespace
}  // namespace svledger::domain
