#include "domain/status_rules.h"

#include <algorithm>
#include <tuple>

namespace svledger::domain {

const char* StatusName(CommitmentStatus status) {
  switch (status) {
    case CommitmentStatus::kMet:
      return "MET";
    case CommitmentStatus::kOnTrack:
      return "ON_TRACK";
    case CommitmentStatus::kAtRisk:
      return "AT_RISK";
    case CommitmentStatus::kOffTrack:
      return "OFF_TRACK";
    case CommitmentStatus::kMissed:
      return "MISSED";
    case CommitmentStatus::kWithdrawn:
      return "WITHDRAWN";
  }
  return "UNKNOWN";
}

Decimal Delivered(Aggregation aggregation,
                  const std::vector<VerifiedDelivery>& deliveries) {
  if (deliveries.empty()) return Decimal();
  switch (aggregation) {
    case Aggregation::kSum: {
      Decimal sum;
      for (const VerifiedDelivery& d : deliveries) sum += d.quantity;
      return sum;
    }
    case Aggregation::kLatest: {
      const VerifiedDelivery* latest = &deliveries.front();
      for (const VerifiedDelivery& d : deliveries) {
        if (std::tie(d.period_end, d.recorded, d.quantity) >
            std::tie(latest->period_end, latest->recorded, latest->quantity)) {
          latest = &d;
        }
      }
      return latest->quantity;
    }
    case Aggregation::kRatio: {
      Decimal numerator, denominator;
      for (const VerifiedDelivery& d : deliveries) {
        numerator += d.quantity;
        denominator += d.denominator;
      }
      return PercentOf(numerator, denominator);
    }
  }
  return Decimal();
}

double Elapsed(const CommitmentTerms& terms, absl::Time as_of) {
  if (terms.due <= terms.start) return as_of >= terms.due ? 1 : 0;
  const double f =
      absl::FDivDuration(as_of - terms.start, terms.due - terms.start);
  return std::clamp(f, 0.0, 1.0);
}

namespace {

// from + (to - from) x (t - t0) / (t1 - t0), for t in [t0, t1], rounded
// towards zero; exact in microseconds.
Decimal Interpolate(Decimal from, Decimal to, absl::Time t0, absl::Time t1,
                    absl::Time t) {
  if (t >= t1) return to;
  if (t <= t0) return from;
  const int64_t span = absl::ToInt64Microseconds(t1 - t0);
  const int64_t done = absl::ToInt64Microseconds(t - t0);
  return from + MulDiv(to - from, done, span);
}

}  // namespace

Decimal Expected(const CommitmentTerms& terms, absl::Time as_of) {
  if (terms.plan.empty()) {
    if (terms.aggregation != Aggregation::kSum) return terms.target;
    if (terms.due <= terms.start) {
      return as_of >= terms.due ? terms.target : Decimal();
    }
    return Interpolate(Decimal(), terms.target, terms.start, terms.due, as_of);
  }
  absl::Time t0 = terms.start;
  Decimal from;
  for (const PlanPoint& p : terms.plan) {
    if (as_of < p.at) return Interpolate(from, p.cumulative, t0, p.at, as_of);
    t0 = p.at;
    from = p.cumulative;
  }
  if (t0 >= terms.due) return from;
  return Interpolate(from, terms.target, t0, terms.due, as_of);
}

Assessment Assess(const CommitmentTerms& terms, Decimal delivered,
                  absl::Time as_of, const StatusThresholds& thresholds) {
  Assessment a;
  a.delivered = delivered;
  a.elapsed = Elapsed(terms, as_of);
  a.expected = Expected(terms, as_of);
  const bool reached = delivered >= terms.target;
  const absl::Time judged_by =
      terms.final_judgement ? terms.due : terms.due + thresholds.grace;
  if (terms.withdrawn) {
    a.status = CommitmentStatus::kWithdrawn;
  } else if (terms.aggregation == Aggregation::kSum && reached) {
    a.status = CommitmentStatus::kMet;
  } else if (as_of > judged_by) {
    a.status = reached ? CommitmentStatus::kMet : CommitmentStatus::kMissed;
  } else if (as_of < terms.start + thresholds.review_period ||
             a.expected <= Decimal()) {
    a.status = CommitmentStatus::kOnTrack;  // too early to judge
  } else {
    a.status = RatioAtLeast(delivered, a.expected, thresholds.on_track_ratio)
                   ? CommitmentStatus::kOnTrack
               : RatioAtLeast(delivered, a.expected, thresholds.at_risk_ratio)
                   ? CommitmentStatus::kAtRisk
                   : CommitmentStatus::kOffTrack;
  }
  return a;
}

namespace {

// absl::Time's resolution: a quarter of a nanosecond.
const absl::Duration kTick = absl::Nanoseconds(1) / 4;

// The instants at which the rules themselves change for a commitment: the
// phase (too early, judged by ratio, judged at the end) or the piece of the
// expected figure's line. Between two of them the status is a monotone
// function of time.
std::vector<absl::Time> RuleInstants(const CommitmentTerms& terms,
                                     const StatusThresholds& thresholds) {
  const absl::Time judged_by =
      terms.final_judgement ? terms.due : terms.due + thresholds.grace;
  std::vector<absl::Time> instants = {
      terms.start, terms.start + thresholds.review_period, terms.due,
      judged_by + kTick};
  for (const PlanPoint& p : terms.plan) instants.push_back(p.at);
  std::sort(instants.begin(), instants.end());
  return instants;
}

}  // namespace

absl::Time NextStatusChange(const CommitmentTerms& terms, Decimal delivered,
                            absl::Time as_of,
                            const StatusThresholds& thresholds) {
  const absl::Time judged_by =
      terms.final_judgement ? terms.due : terms.due + thresholds.grace;
  // Withdrawn, met (SUM) or judged at the end: final.
  if (terms.withdrawn || as_of > judged_by ||
      (terms.aggregation == Aggregation::kSum && delivered >= terms.target)) {
    return absl::InfiniteFuture();
  }
  const std::vector<absl::Time> instants = RuleInstants(terms, thresholds);
  const absl::Time end =
      *std::upper_bound(instants.begin(), instants.end(), as_of);
  // Within [as_of, end) the expected figure is one piece of its line, so
  // the status moves one way only: the first instant it differs is found by
  // bisection. The last instant before `end` is end - kTick.
  auto status_at = [&](absl::Time t) {
    return Assess(terms, delivered, t, thresholds).status;
  };
  const CommitmentStatus now = status_at(as_of);
  if (end - kTick <= as_of || status_at(end - kTick) == now) return end;
  // Invariant: status_at(as_of + lo) == now, status_at(as_of + hi) != now.
  absl::Duration lo = absl::ZeroDuration();
  absl::Duration hi = end - kTick - as_of;
  while (hi - lo > kTick) {
    const absl::Duration mid = lo + (hi - lo) / 2;
    if (status_at(as_of + mid) == now) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return as_of + hi;
}

std::optional<CommitmentStatus> ContractStatus(
    const std::vector<CommitmentOutcome>& commitments) {
  std::optional<CommitmentStatus> worst;
  for (const CommitmentOutcome& c : commitments) {
    if (c.status == CommitmentStatus::kWithdrawn) continue;
    // The enum is ordered best to worst.
    if (!worst.has_value() || c.status > *worst) worst = c.status;
  }
  return worst;
}

std::optional<double> DeliveryScore(
    const std::vector<CommitmentOutcome>& commitments) {
  double sum = 0;
  int counted = 0;
  for (const CommitmentOutcome& c : commitments) {
    if (c.status == CommitmentStatus::kWithdrawn || c.target <= Decimal()) {
      continue;
    }
    sum += CappedShare(c.delivered, c.target);
    ++counted;
  }
  if (counted == 0) return std::nullopt;
  return sum / counted;
}

}  // namespace svledger::domain
