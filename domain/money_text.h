#ifndef SVLEDGER_DOMAIN_MONEY_TEXT_H_
#define SVLEDGER_DOMAIN_MONEY_TEXT_H_

// Money as people write and read it, in pounds sterling. Inside, money is a
// whole number of pence (v1.Money); these turn what a person types into
// pence exactly (no binary floating point) and pence back into text.
//
// Accepted, with an optional leading "£" and surrounding spaces:
//   1200000   1,200,000   1,200,000.00   1200000.5   (pounds and pence)
//   1.2m      £1.2m       250k   £3.5bn              (thousand, million,
//                                                     billion; k, m, bn,
//                                                     any case)
// Commas must group thousands (1,20,000 is refused). At most two decimal
// places without a suffix; with one, the result must be whole pence
// (£1.2345678m is refused). No negative amounts, nothing above
// £999,999,999,999.99.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace svledger::domain {

// Pence from what a person typed. Errors: INVALID_ARGUMENT whose message
// starts with `field` and says what is accepted.
absl::StatusOr<int64_t> ParsePounds(absl::string_view text,
                                    absl::string_view field);

// "£1,200,000.50"; "£1,200,000" when `whole_pounds` (rounded to the
// nearest pound, halves away from zero). Negative amounts as "-£5.00".
std::string FormatPounds(int64_t pence, bool whole_pounds = false);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_MONEY_TEXT_H_
