#include "domain/decimal.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace svledger::domain {
namespace {

using int128 = __int128;

constexpr int kMaxIntegerDigits = 12;
constexpr int kMaxFractionDigits = 6;

Decimal Saturate(int128 micros) {
  if (micros > Decimal::kMax) return Decimal::FromMicros(Decimal::kMax);
  if (micros < -Decimal::kMax) return Decimal::FromMicros(-Decimal::kMax);
  return Decimal::FromMicros(static_cast<int64_t>(micros));
}

absl::Status NotDecimal(absl::string_view text, absl::string_view field,
                        absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": \"", text.substr(0, 40), text.size() > 40 ? "..." : "",
      "\" is not a decimal number: ", why));
}

// "[-]integer[.fraction]", split; nothing checked.
struct Parts {
  bool negative = false;
  bool has_point = false;
  absl::string_view integer, fraction;
};
Parts Split(absl::string_view text) {
  Parts p;
  p.negative = !text.empty() && text.front() == '-';
  if (p.negative) text.remove_prefix(1);
  const size_t point = text.find('.');
  p.has_point = point != absl::string_view::npos;
  p.integer = text.substr(0, point);
  p.fraction = p.has_point ? text.substr(point + 1) : "";
  return p;
}

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// integer.fraction in millionths. REQUIRES: digits only, at most 19
// integer and 6 fractional digits.
int128 Micros(absl::string_view integer, absl::string_view fraction) {
  int128 micros = 0;
  for (char c : integer) micros = micros * 10 + (c - '0');
  micros *= Decimal::kOne;
  int64_t scale = Decimal::kOne;
  for (char c : fraction) {
    scale /= 10;
    micros += (c - '0') * scale;
  }
  return micros;
}

}  // namespace

Decimal Decimal::ParseFigure(absl::string_view text) {
  const Parts p = Split(text);
  if (p.integer.empty() || p.integer.size() > 19 ||
      p.fraction.size() > kMaxFractionDigits || !AllDigits(p.integer) ||
      !AllDigits(p.fraction)) {
    return Decimal();
  }
  const int128 micros = Micros(p.integer, p.fraction);
  return Saturate(p.negative ? -micros : micros);
}

absl::StatusOr<Decimal> Decimal::Parse(absl::string_view text,
                                       absl::string_view field) {
  if (text.empty()) return NotDecimal(text, field, "empty");
  Parts p = Split(text);
  if (p.integer.empty()) return NotDecimal(text, field, "no digit before '.'");
  if (p.has_point && p.fraction.empty()) {
    return NotDecimal(text, field, "no digit after '.'");
  }
  if (!AllDigits(p.integer) || !AllDigits(p.fraction)) {
    return NotDecimal(text, field,
                      "only digits, one '.' and a leading '-' are allowed");
  }
  while (p.integer.size() > 1 && p.integer.front() == '0') {
    p.integer.remove_prefix(1);
  }
  if (p.integer.size() > kMaxIntegerDigits) {
    return NotDecimal(text, field,
                      absl::StrCat("more than ", kMaxIntegerDigits,
                                   " digits before the point"));
  }
  if (p.fraction.size() > kMaxFractionDigits) {
    return NotDecimal(text, field,
                      absl::StrCat("more than ", kMaxFractionDigits,
                                   " digits after the point"));
  }
  const int128 micros = Micros(p.integer, p.fraction);
  return Decimal(static_cast<int64_t>(p.negative ? -micros : micros));
}

Decimal Decimal::FromLegacyDouble(double value) {
  if (std::isnan(value)) return Decimal();
  // Beyond what a person may type (infinities too): clamped.
  if (std::fabs(value) >= 1e12) {
    return Decimal(value > 0 ? kMaxParsed : -kMaxParsed);
  }
  // Rounds to 0 at 6 places (halves to even), and would need a long text.
  if (std::fabs(value) < 5e-7) return Decimal();
  // The shortest text that reads back as `value`, without an exponent
  // ("0.7", "0.000000125"): at most 12 integer and 17 significant digits.
  char buf[64];
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (r.ec != std::errc()) return Decimal();  // cannot happen in range
  const Parts p = Split(absl::string_view(buf, r.ptr - buf));
  const absl::string_view kept = p.fraction.substr(0, kMaxFractionDigits);
  const absl::string_view rest = p.fraction.substr(kept.size());
  int128 micros = Micros(p.integer, kept);
  // Halves to even on the first digit dropped.
  if (!rest.empty()) {
    const bool above_half =
        rest.front() > '5' ||
        (rest.front() == '5' &&
         rest.substr(1).find_first_not_of('0') != absl::string_view::npos);
    const bool half = rest.front() == '5' && !above_half;
    if (above_half || (half && micros % 2 != 0)) ++micros;
  }
  if (micros > kMaxParsed) micros = kMaxParsed;
  return Decimal(static_cast<int64_t>(p.negative ? -micros : micros));
}

std::string Decimal::ToString() const {
  const bool negative = micros_ < 0;
  // Magnitude as unsigned, so INT64_MIN-adjacent values do not overflow.
  const uint64_t magnitude = negative
                                 ? static_cast<uint64_t>(-(micros_ + 1)) + 1
                                 : static_cast<uint64_t>(micros_);
  const uint64_t units = magnitude / kOne;
  uint64_t fraction = magnitude % kOne;
  std::string out = negative ? "-" : "";
  absl::StrAppend(&out, units);
  if (fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, kMaxFractionDigits - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  return out;
}

Decimal Decimal::operator+(Decimal other) const {
  return Saturate(static_cast<int128>(micros_) + other.micros_);
}

Decimal Decimal::operator-(Decimal other) const {
  return Saturate(static_cast<int128>(micros_) - other.micros_);
}

Decimal MulDiv(Decimal a, int64_t numerator, int64_t denominator) {
  return Saturate(static_cast<int128>(a.micros()) * numerator / denominator);
}

Decimal PercentOf(Decimal numerator, Decimal denominator) {
  if (denominator.micros() <= 0) return Decimal();
  return Saturate(static_cast<int128>(numerator.micros()) * 100 *
                  Decimal::kOne / denominator.micros());
}

bool RatioAtLeast(Decimal a, Decimal b, Decimal ratio) {
  // a / b >= ratio / kOne  <=>  a x kOne >= ratio x b  (b > 0).
  return static_cast<int128>(a.micros()) * Decimal::kOne >=
         static_cast<int128>(ratio.micros()) * b.micros();
}

double CappedShare(Decimal a, Decimal b) {
  if (b.micros() <= 0) return 0;
  if (a >= b) return 1;
  return static_cast<double>(a.micros()) / static_cast<double>(b.micros());
}

int64_t RoundToPence(Decimal quantity, Decimal gbp_per_unit) {
  // quantity x rate is in 10^-12 pounds: 10^-10 pence.
  const int128 product =
      static_cast<int128>(quantity.micros()) * gbp_per_unit.micros();
  constexpr int128 kPerPenny = 10'000'000'000;
  int128 pence = product / kPerPenny;
  int128 r = product % kPerPenny;
  if (r < 0) r = -r;
  if (2 * r >= kPerPenny) pence += product < 0 ? -1 : 1;
  if (pence > INT64_MAX) return INT64_MAX;
  if (pence < -INT64_MAX) return -INT64_MAX;
  return static_cast<int64_t>(pence);
}

double DisplayDouble(absl::string_view text) {
  return Decimal::ParseFigure(text).ToDouble();
}

absl::StatusOr<Decimal> DecimalOr(absl::string_view text, double legacy,
                                  absl::string_view field) {
  if (text.empty()) return Decimal::FromLegacyDouble(legacy);
  return Decimal::Parse(text, field);
}

}  // namespace svledger::domain
