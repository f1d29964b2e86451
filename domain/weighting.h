#ifndef SVLEDGER_DOMAIN_WEIGHTING_H_
#define SVLEDGER_DOMAIN_WEIGHTING_H_

// Lancashire County Council's rule for the share of award criteria given to
// social value (draft Social Value Policy and Framework, section 5): either
// 5% or 10% of the award criteria of a competitively awarded contract above
// the threshold, decided by
//
//          additional impact  objectives met  area impacted
//   10%    significant        multiple        communities with the highest
//                                             needs (worst or second worst
//                                             fifth of the area profiles)
//   5%     some               at least two    communities with less
//                                             significant needs (middle to
//                                             best fifth)
//
// Decisions where the policy is ambiguous (also given as reasons):
//   - "Multiple" objectives is read as three or more, since the table sets
//     it against "at least two" for 5%.
//   - A county-wide service reaches the highest-need areas ("very likely to
//     meet the criteria for 10%"), whatever quintile is given.
//   - When not even the 5% criteria are met, the answer is still 5% (the
//     policy's minimum, "unless otherwise agreed by the Procurement Board")
//     with criteria_met false.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace svledger::domain {

enum class AdditionalImpact { kNone, kSome, kSignificant };

struct WeightingInput {
  AdditionalImpact impact = AdditionalImpact::kNone;
  // Distinct Lancashire objectives the contract can serve.
  int objectives = 0;
  // 1 (worst fifth, highest need) to 5 (best fifth).
  int needs_quintile = 0;
  bool county_wide = false;
};

struct WeightingAdvice {
  int percent = 5;
  bool criteria_met = false;
  std::vector<std::string> reasons;  // one per criterion, in plain words
};

inline constexpr int kMultipleObjectives = 3;

// Errors: INVALID_ARGUMENT for a quintile outside 1-5 (unless county_wide
// and 0) or a negative objective count.
absl::StatusOr<WeightingAdvice> RecommendWeighting(const WeightingInput& in);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_WEIGHTING_H_
