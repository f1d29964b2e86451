#include "domain/decimal.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
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

// Rounds value / divisor to the nearest integer, halves to even.
int128 RoundHalfEven(int128 value, int128 divisor) {
  int128 q = value / divisor;
  int128 r = value % divisor;
  if (r < 0) r = -r;
  const int128 twice = 2 * r;
  if (twice > divisor || (twice == divisor && (q % 2 != 0))) {
    q += value < 0 ? -1 : 1;
  }
  return q;
}

}  // namespace

Decimal Decimal::ParseFigure(absl::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const size_t dot = text.find('.');
  absl::string_view integer = text.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? "" : text.substr(dot + 1);
  if (integer.empty() || integer.size() > 19 ||
      fraction.size() > kMaxFractionDigits) {
    return Decimal();
  }
  int128 micros = 0;
  for (char c : integer) {
    if (c < '0' || c > '9') return Decimal();
    micros = micros * 10 + (c - '0');
  }
  micros *= kOne;
  int64_t scale = kOne;
  for (char c : fraction) {
    if (c < '0' || c > '9') return Decimal();
    scale /= 10;
    micros += (c - '0') * scale;
  }
  return Saturate(negative ? -micros : micros);
}

absl::StatusOr<Decimal> Decimal::Parse(absl::string_view text,
                                       absl::string_view field) {
  if (text.empty()) return NotDecimal(text, field, "empty");
  absl::string_view rest = text;
  const bool negative = rest.front() == '-';
  if (negative) rest.remove_prefix(1);
  const size_t dot = rest.find('.');
  absl::string_view integer = rest.substr(0, dot);
  absl::string_view fraction =
      dot == absl::string_view::npos ? "" : rest.substr(dot + 1);
  if (integer.empty()) return NotDecimal(text, field, "no digit before '.'");
  if (dot != absl::string_view::npos && fraction.empty()) {
    return NotDecimal(text, field, "no digit after '.'");
  }
  for (absl::string_view part : {integer, fraction}) {
    for (char c : part) {
      if (c < '0' || c > '9') {
        return NotDecimal(text, field,
                          "only digits, one '.' and a leading '-' are allowed");
      }
    }
  }
  while (integer.size() > 1 && integer.front() == '0') integer.remove_prefix(1);
  if (integer.size() > kMaxIntegerDigits) {
    return NotDecimal(text, field,
                      absl::StrCat("more than ", kMaxIntegerDigits,
                                   " digits before the point"));
  }
  if (fraction.size() > kMaxFractionDigits) {
    return NotDecimal(text, field,
                      absl::StrCat("more than ", kMaxFractionDigits,
                                   " digits after the point"));
  }
  int64_t micros = 0;
  for (char c : integer) micros = micros * 10 + (c - '0');
  micros *= kOne;
  int64_t scale = kOne;
  for (char c : fraction) {
    scale /= 10;
    micros += (c - '0') * scale;
  }
  return Decimal(negative ? -micros : micros);
}

Decimal Decimal::FromLegacyDouble(double value) {
  if (std::isnan(value)) return Decimal();
  if (std::isinf(value)) return Decimal(value > 0 ? kMaxParsed : -kMaxParsed);
  // The shortest decimal that round-trips, e.g. "0.7" or "1.25e-07".
  char buf[64];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, value);
  std::string shortest(buf, r.ptr);
  // Split into digits and a power of ten: value = digits x 10^exponent.
  int exponent = 0;
  if (size_t e = shortest.find('e'); e != std::string::npos) {
    exponent = std::atoi(shortest.c_str() + e + 1);
    shortest.resize(e);
  }
  const bool negative = !shortest.empty() && shortest.front() == '-';
  if (negative) shortest.erase(0, 1);
  std::string digits;
  for (char c : shortest) {
    if (c == '.') {
      exponent -= static_cast<int>(shortest.size() - shortest.find('.') - 1);
    } else {
      digits.push_back(c);
    }
  }
  // micros = digits x 10^(exponent + 6), rounded half to even.
  int128 mantissa = 0;
  for (char c : digits) {
    mantissa = mantissa * 10 + (c - '0');
    if (mantissa > (static_cast<int128>(1) << 100)) break;  // saturates below
  }
  int shift = exponent + kMaxFractionDigits;
  int128 micros;
  if (shift >= 0) {
    micros = mantissa;
    for (int i = 0; i < shift && micros <= kMax; ++i) micros *= 10;
  } else if (shift < -30) {
    micros = 0;
  } else {
    int128 divisor = 1;
    for (int i = 0; i < -shift; ++i) divisor *= 10;
    micros = RoundHalfEven(mantissa, divisor);
  }
  micros = negative ? -micros : micros;
  if (micros > kMaxParsed) micros = kMaxParsed;
  if (micros < -kMaxParsed) micros = -kMaxParsed;
  return Decimal(static_cast<int64_t>(micros));
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
