#include "domain/status_rules.h"

#include <algorithm>

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

double Delivered(Aggregation aggregation,
                 const std::vector<VerifiedDelivery>& deliveries) {
  if (deliveries.empty()) return 0;
  switch (aggregation) {
    case Aggregation::kSum: {
      double sum = 0;
      for (const VerifiedDelivery& d : deliveries) sum += d.quantity;
      return sum;
    }
    case Aggregation::kLatest: {
      const VerifiedDelivery* latest = &deliveries.front();
      for (const VerifiedDelivery& d : deliveries) {
        if (d.period_end > latest->period_end ||
            (d.period_end == latest->period_end &&
             d.recorded > latest->recorded)) {
          latest = &d;
        }
      }
      return latest->quantity;
    }
    case Aggregation::kRatio: {
      double numerator = 0, denominator = 0;
      for (const VerifiedDelivery& d : deliveries) {
        numerator += d.quantity;
        denominator += d.denominator;
      }
      return denominator > 0 ? 100 * numerator / denominator : 0;
    }
  }
  return 0;
}

double Elapsed(const CommitmentTerms& terms, absl::Time as_of) {
  if (terms.due <= terms.start) return as_of >= terms.due ? 1 : 0;
  const double f =
      absl::FDivDuration(as_of - terms.start, terms.due - terms.start);
  return std::clamp(f, 0.0, 1.0);
}

Assessment Assess(const CommitmentTerms& terms, double delivered,
                  absl::Time as_of, const StatusThresholds& thresholds) {
  Assessment a;
  a.delivered = delivered;
  a.elapsed = Elapsed(terms, as_of);
  a.expected = terms.aggregation == Aggregation::kSum ? terms.target * a.elapsed
                                                      : terms.target;
  const bool reached = delivered >= terms.target;
  if (terms.withdrawn) {
    a.status = CommitmentStatus::kWithdrawn;
  } else if (terms.aggregation == Aggregation::kSum && reached) {
    a.status = CommitmentStatus::kMet;
  } else if (as_of > terms.due + thresholds.grace) {
    a.status = reached ? CommitmentStatus::kMet : CommitmentStatus::kMissed;
  } else if (as_of < terms.start + thresholds.review_period ||
             a.expected <= 0) {
    a.status = CommitmentStatus::kOnTrack;  // too early to judge
  } else {
    const double r = delivered / a.expected;
    a.status = r >= thresholds.on_track_ratio  ? CommitmentStatus::kOnTrack
               : r >= thresholds.at_risk_ratio ? CommitmentStatus::kAtRisk
                                               : CommitmentStatus::kOffTrack;
  }
  return a;
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
    if (c.status == CommitmentStatus::kWithdrawn || c.target <= 0) continue;
    sum += std::min(1.0, c.delivered / c.target);
    ++counted;
  }
  if (counted == 0) return std::nullopt;
  return sum / counted;
}

}  // namespace svledger::domain
