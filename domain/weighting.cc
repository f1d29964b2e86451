#include "domain/weighting.h"

#include "absl/strings/str_cat.h"

namespace svledger::domain {

absl::StatusOr<WeightingAdvice> RecommendWeighting(const WeightingInput& in) {
  if (in.objectives < 0) {
    return absl::InvalidArgumentError("objectives: must not be negative");
  }
  if (!(in.needs_quintile >= 1 && in.needs_quintile <= 5) &&
      !(in.county_wide && in.needs_quintile == 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "needs_quintile: must be 1 (worst fifth) to 5 (best fifth), got ",
        in.needs_quintile));
  }
  WeightingAdvice out;
  const bool significant = in.impact == AdditionalImpact::kSignificant;
  const bool some = significant || in.impact == AdditionalImpact::kSome;
  const bool multiple = in.objectives >= kMultipleObjectives;
  const bool two = in.objectives >= 2;
  const bool highest_need =
      in.county_wide || (in.needs_quintile >= 1 && in.needs_quintile <= 2);

  out.reasons.push_back(
      significant ? "additional impact: significant (10% criterion met)"
      : some      ? "additional impact: some (5% criterion met, 10% needs "
                    "significant)"
                  : "additional impact: none (5% needs at least some)");
  out.reasons.push_back(absl::StrCat(
      "objectives met: ", in.objectives,
      multiple ? " (multiple, i.e. 3 or more: 10% criterion met)"
      : two    ? " (at least two: 5% criterion met; 10% needs 3 or more)"
               : " (5% needs at least two)"));
  out.reasons.push_back(
      in.county_wide
          ? "area impacted: county-wide, so it reaches the communities with "
            "the highest needs (10% criterion met)"
      : highest_need
          ? absl::StrCat("area impacted: needs quintile ", in.needs_quintile,
                         " (worst or second worst fifth: highest needs, 10% "
                         "criterion met)")
          : absl::StrCat("area impacted: needs quintile ", in.needs_quintile,
                         " (middle to best fifth: less significant needs, "
                         "5% criterion met)"));
  if (significant && multiple && highest_need) {
    out.percent = 10;
    out.criteria_met = true;
    out.reasons.push_back("all three 10% criteria are met: 10%");
  } else if (some && two) {
    out.percent = 5;
    out.criteria_met = true;
    out.reasons.push_back(
        "the 5% criteria are met but not all three 10% criteria: 5%");
  } else {
    out.percent = 5;
    out.criteria_met = false;
    out.reasons.push_back(
        "not even the 5% criteria are met: 5% is the policy minimum unless "
        "the Procurement Board agrees otherwise");
  }
  return out;
}

}  // namespace svledger::domain
