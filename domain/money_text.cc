#include "domain/money_text.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "domain/decimal.h"

namespace svledger::domain {
namespace {

constexpr int64_t kMaxPence = 99'999'999'999'999;  // £999,999,999,999.99

absl::Status Refuse(absl::string_view field, absl::string_view text,
                    absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": '", text, "' is not an amount of money (", why,
                   "); write pounds as 1200000, 1,200,000.00, £1.2m or 250k"));
}

// Whether the integer part's commas group thousands: "1,200,000".
bool GroupsThousands(absl::string_view integer) {
  std::vector<absl::string_view> groups = absl::StrSplit(integer, ',');
  if (groups.size() == 1) return true;
  if (groups[0].empty() || groups[0].size() > 3) return false;
  for (size_t i = 1; i < groups.size(); ++i) {
    if (groups[i].size() != 3) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<int64_t> ParsePounds(absl::string_view text,
                                    absl::string_view field) {
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  if (rest.empty()) return Refuse(field, text, "empty");
  if (absl::StartsWith(rest, "-")) {
    return Refuse(field, text, "amounts are never negative");
  }
  absl::ConsumePrefix(&rest, "£");
  rest = absl::StripAsciiWhitespace(rest);
  // Pounds per unit typed: 1, or a thousand, million or billion.
  int64_t pounds_per_unit = 1;
  const std::string lower = absl::AsciiStrToLower(rest);
  for (const auto& [suffix, factor] :
       {std::pair<absl::string_view, int64_t>{"bn", 1'000'000'000},
        {"m", 1'000'000},
        {"k", 1'000}}) {
    if (absl::EndsWith(lower, suffix)) {
      pounds_per_unit = factor;
      rest.remove_suffix(suffix.size());
      rest = absl::StripAsciiWhitespace(rest);
      break;
    }
  }
  const size_t point = rest.find('.');
  const absl::string_view integer = rest.substr(0, point);
  const absl::string_view fraction =
      point == absl::string_view::npos ? "" : rest.substr(point + 1);
  if (!GroupsThousands(integer)) {
    return Refuse(field, text, "commas must separate thousands");
  }
  if (pounds_per_unit == 1 && fraction.size() > 2) {
    return Refuse(field, text, "more than two decimal places of pounds");
  }
  const std::string plain = absl::StrReplaceAll(rest, {{",", ""}});
  absl::StatusOr<Decimal> units = Decimal::Parse(plain, field);
  if (!units.ok()) return Refuse(field, text, "not a number");
  // units is in millionths; pence = units * pounds_per_unit * 100 / 1e6.
  const __int128 millionths =
      static_cast<__int128>(units->micros()) * pounds_per_unit * 100;
  if (millionths % Decimal::kOne != 0) {
    return Refuse(field, text, "not a whole number of pence");
  }
  const __int128 pence = millionths / Decimal::kOne;
  if (pence > kMaxPence) {
    return Refuse(field, text, "more than £999,999,999,999.99");
  }
  return static_cast<int64_t>(pence);
}

std::string FormatPounds(int64_t pence, bool whole_pounds) {
  const bool negative = pence < 0;
  // Magnitude in pence, without overflow for INT64_MIN.
  unsigned __int128 magnitude =
      negative ? -static_cast<__int128>(pence) : static_cast<__int128>(pence);
  if (whole_pounds) magnitude = (magnitude + 50) / 100 * 100;
  const unsigned long long pounds =
      static_cast<unsigned long long>(magnitude / 100);
  const unsigned cents = static_cast<unsigned>(magnitude % 100);
  std::string digits = absl::StrCat(pounds);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  std::string out = absl::StrCat(negative ? "-" : "", "£", grouped);
  if (!whole_pounds) {
    absl::StrAppend(&out, ".", cents < 10 ? "0" : "", cents);
  }
  return out;
}

}  // namespace svledger::domain
