#ifndef SVLEDGER_DOMAIN_DECIMAL_H_
#define SVLEDGER_DOMAIN_DECIMAL_H_

// Exact decimal quantities: what a person typed as a target, a delivered
// quantity, a numerator or a denominator, held and summed without binary
// floating point, so 0.7 + 0.1 is 0.8 and a sum does not depend on the
// order of its terms.
//
// A Decimal is a count of millionths (fixed point, 6 fractional digits) in
// an int64. The text form, on the API and in the events, is
//   [-]digits[.digits]    at most 12 integer and 6 fractional digits
// (e.g. "5", "0.7", "1250000.50"); no exponent, no spaces, no "+". A value
// is kept in its events as the text the person typed; figures the rules
// compute are shown in the canonical form ToString() writes (no trailing
// zeros, "0" for zero).
//
// Rounding, wherever a computed figure needs more than 6 fractional digits
// (a share, an expected-to-date, a mean): towards zero, so a figure never
// claims more than was delivered. Money is rounded to the penny by
// RoundToPence (halves away from zero), per commitment.
//
// Values stored before decimals (doubles in the events of format 1, see
// domain/contract.h) are read by FromLegacyDouble.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace svledger::domain {

class Decimal {
 public:
  // Millionths in one.
  static constexpr int64_t kOne = 1'000'000;
  // The largest magnitude a parsed value may have: 999,999,999,999.999999.
  static constexpr int64_t kMaxParsed = 1'000'000'000'000 * kOne - 1;
  // The largest magnitude any value has; sums beyond it saturate.
  static constexpr int64_t kMax = INT64_MAX;

  constexpr Decimal() = default;

  // Parses the text form above. Errors: INVALID_ARGUMENT whose message
  // starts with `field` (e.g. "quantity: not a decimal number ...").
  static absl::StatusOr<Decimal> Parse(absl::string_view text,
                                       absl::string_view field);
  // Parses a figure the rules wrote (ToString of any value, up to kMax, so
  // a saturated sum reads back); 0 for text that is not one. Not for input.
  static Decimal ParseFigure(absl::string_view text);
  static constexpr Decimal FromMicros(int64_t micros) {
    return Decimal(micros);
  }
  static constexpr Decimal FromInt(int64_t units) {
    return Decimal(units * kOne);
  }
  // A double written before decimals: the shortest decimal that reads back
  // as the same double (what was typed, for up to 15 significant digits),
  // then rounded to 6 fractional digits, halves to even, and clamped to
  // +-kMaxParsed (so its text parses). NaN reads as 0.
  static Decimal FromLegacyDouble(double value);

  constexpr int64_t micros() const { return micros_; }
  // For display and metrics only: never decide anything on it.
  double ToDouble() const { return static_cast<double>(micros_) / kOne; }
  // The canonical text form.
  std::string ToString() const;

  // Saturating arithmetic (at +-kMax).
  Decimal operator+(Decimal other) const;
  Decimal operator-(Decimal other) const;
  Decimal& operator+=(Decimal other) { return *this = *this + other; }

  friend constexpr auto operator<=>(Decimal, Decimal) = default;

 private:
  explicit constexpr Decimal(int64_t micros) : micros_(micros) {}
  int64_t micros_ = 0;
};

// a x numerator / denominator, rounded towards zero (saturating).
// REQUIRES: denominator > 0.
Decimal MulDiv(Decimal a, int64_t numerator, int64_t denominator);

// 100 x numerator / denominator: a share in percent, rounded towards zero;
// 0 when denominator <= 0.
Decimal PercentOf(Decimal numerator, Decimal denominator);

// Whether a / b >= ratio, exactly. REQUIRES: b > 0.
bool RatioAtLeast(Decimal a, Decimal b, Decimal ratio);

// min(1, a / b) as a double, for scores; 0 when b <= 0.
double CappedShare(Decimal a, Decimal b);

// Pence of `quantity` x `gbp_per_unit`, rounded to the nearest penny,
// halves away from zero (saturating).
int64_t RoundToPence(Decimal quantity, Decimal gbp_per_unit);

// The value of decimal text as a double, for display and metrics only; 0
// for text that is not a decimal.
double DisplayDouble(absl::string_view text);

// Parses `text` as Parse does, or reads `legacy` when `text` is empty (an
// event written before decimals).
absl::StatusOr<Decimal> DecimalOr(absl::string_view text, double legacy,
                                  absl::string_view field);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_DECIMAL_H_
