#ifndef SVLEDGER_DOMAIN_STATUS_RULES_H_
#define SVLEDGER_DOMAIN_STATUS_RULES_H_

// How far a social value commitment has been kept: the status rules, as pure
// functions of plain data. No RocksDB, no gRPC, no clock: the as-of time is
// an argument, so months of behaviour are tested in microseconds.
//
// For a commitment with target T, start S, due D and an as-of time t:
//   delivered  SUM: the sum of verified quantities; LATEST: the verified
//              quantity with the latest period end (ties: the later
//              recorded, then the larger); RATIO: 100 x sum of numerators /
//              sum of denominators. Exact (domain/decimal.h): the same
//              deliveries give the same figure in any order.
//   elapsed    f = clamp((t - S) / (D - S), 0, 1).
//   expected   with a delivery plan: the plan's cumulative figure at t,
//              linear between milestones, from 0 at S (and from the last
//              milestone to T at D). Without one: E = T x f for SUM,
//              E = T for LATEST and RATIO. Rounded towards zero.
//   status     WITHDRAWN if withdrawn. Else SUM with delivered >= T: MET.
//              Else if t > D + grace (or, for a final judgement, t > D):
//              MET if delivered >= T, else MISSED.
//              Else if t < S + review period: ON_TRACK (too early to judge).
//              Else r = delivered / E, compared exactly: r >= on_track
//              ON_TRACK, r >= at_risk AT_RISK, else OFF_TRACK.

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "domain/decimal.h"

namespace svledger::domain {

// How a measure's deliveries combine into one delivered figure.
enum class Aggregation {
  kSum,     // cumulative: jobs, hours, pounds
  kLatest,  // a level at a point in time: % of staff on the Real Living Wage
  kRatio,   // a share built from sums: local spend over total spend, in %
};

// Ordered from best to worst; WITHDRAWN stands apart.
enum class CommitmentStatus {
  kMet,
  kOnTrack,
  kAtRisk,
  kOffTrack,
  kMissed,
  kWithdrawn,
};

const char* StatusName(CommitmentStatus status);

// One verified delivery, as the rules need it.
struct VerifiedDelivery {
  Decimal quantity;     // for RATIO, the numerator
  Decimal denominator;  // RATIO only; > 0
  absl::Time period_end;
  absl::Time recorded;  // breaks LATEST ties: the later recorded wins
};

// The knobs of the rules, configurable per contract.
struct StatusThresholds {
  // Late reports still count for this long after the due date. Default 30d.
  absl::Duration grace = absl::Hours(24 * 30);
  // Too early to judge before start + this. Default 90 days.
  absl::Duration review_period = absl::Hours(24 * 90);
  // delivered / expected at or above this is ON_TRACK. Default 1.
  Decimal on_track_ratio = Decimal::FromInt(1);
  // ... at or above this (and below on_track_ratio) is AT_RISK. Default 0.8.
  Decimal at_risk_ratio = Decimal::FromMicros(800'000);
};

// A point of a delivery plan: `cumulative` expected by `at`.
struct PlanPoint {
  absl::Time at;
  Decimal cumulative;
};

// What was promised.
struct CommitmentTerms {
  Aggregation aggregation = Aggregation::kSum;
  Decimal target;  // > 0
  absl::Time start;
  absl::Time due;  // >= start
  bool withdrawn = false;
  // Optional delivery plan, in time order, each point in (start, due].
  std::vector<PlanPoint> plan;
  // A final judgement (a closed contract's): no grace after the due date.
  bool final_judgement = false;
};

// The judgement of one commitment at one time.
struct Assessment {
  Decimal delivered;
  double elapsed = 0;  // f, in [0, 1]; for display
  Decimal expected;    // E
  CommitmentStatus status = CommitmentStatus::kOnTrack;
};

// The delivered figure of `deliveries` under `aggregation`; 0 when there are
// none (or, for RATIO, when the denominators sum to 0).
Decimal Delivered(Aggregation aggregation,
                  const std::vector<VerifiedDelivery>& deliveries);

// E at `as_of`, as above.
Decimal Expected(const CommitmentTerms& terms, absl::Time as_of);

// The share of the commitment's period elapsed at `as_of`, in [0, 1]. A
// commitment due at its start is wholly elapsed from that moment.
double Elapsed(const CommitmentTerms& terms, absl::Time as_of);

// Applies the rules. REQUIRES: terms.target > 0 and terms.due >= terms.start.
Assessment Assess(const CommitmentTerms& terms, Decimal delivered,
                  absl::Time as_of, const StatusThresholds& thresholds);

// The first instant after `as_of` at which
// Assess(terms, delivered, t, thresholds).status may differ from its status
// at `as_of` when nothing but time changes; absl::InfiniteFuture() if it
// never will. The status is the same at every t in [as_of, result), and
// result > as_of.
//
// The result is exact where the status moves with the expected figure (the
// instant delivered / E falls below on_track_ratio or at_risk_ratio).
// Otherwise it is an instant where a rule starts or stops applying: the end
// of the review period, a plan milestone, the due date, or the first
// instant after the due date and grace; re-judging there may find the same
// status, and then a later change. This is what a timer queue of
// commitments waits on (incremental judgement, projections/).
//
// Cost: O(plan size x 64) evaluations of the rules.
// REQUIRES: as Assess.
absl::Time NextStatusChange(const CommitmentTerms& terms, Decimal delivered,
                            absl::Time as_of,
                            const StatusThresholds& thresholds);

// One commitment's part in a contract's figures.
struct CommitmentOutcome {
  CommitmentStatus status = CommitmentStatus::kOnTrack;
  Decimal delivered;
  Decimal target;  // > 0
};

// The worst status among non-withdrawn commitments (MISSED, OFF_TRACK,
// AT_RISK, ON_TRACK, MET from worst to best); nullopt if there are none.
std::optional<CommitmentStatus> ContractStatus(
    const std::vector<CommitmentOutcome>& commitments);

// The mean over non-withdrawn commitments of min(1, delivered / target), in
// [0, 1]; nullopt if there are none.
std::optional<double> DeliveryScore(
    const std::vector<CommitmentOutcome>& commitments);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_STATUS_RULES_H_
