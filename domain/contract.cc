#include "domain/contract.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "domain/enforcement.h"
#include "domain/framework_catalog.h"
#include "svledger/v1/framework_change.pb.h"

namespace svledger::domain {
namespace {

constexpr size_t kMaxTextBytes = 2000;  // titles, names, notes, reasons
constexpr size_t kMaxUriBytes = 2048;
constexpr int kMaxCommitmentsPerCall = 100;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

absl::Status RequireOpen(const ContractState& state) {
  if (!state.registered) {
    return NotRegisteredError();
  }
  if (state.closed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "contract '", state.contract.contract_id(), "' is closed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const CommitmentRecord*> LiveCommitment(
    const ContractState& state, const std::string& id,
    absl::string_view field) {
  if (absl::Status s = CheckId(id, field); !s.ok()) return s;
  auto it = state.commitments.find(id);
  if (it == state.commitments.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": commitment '", id, "' is not part of contract '",
                     state.contract.contract_id(), "'"));
  }
  if (it->second.withdrawn) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": commitment '", id, "' is withdrawn"));
  }
  return &it->second;
}

absl::StatusOr<const DeliveryRecord*> PendingDelivery(
    const ContractState& state, const std::string& id) {
  if (!state.registered) {
    return NotRegisteredError();
  }
  if (absl::Status s = CheckId(id, "delivery_id"); !s.ok()) return s;
  auto it = state.deliveries.find(id);
  if (it == state.deliveries.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("delivery_id: delivery '", id, "' was never reported"));
  }
  if (it->second.state != DeliveryState::kPending) {
    return absl::FailedPreconditionError(absl::StrCat(
        "delivery_id: delivery '", id, "' is already ",
        it->second.state == DeliveryState::kVerified ? "verified"
                                                     : "rejected"));
  }
  return &it->second;
}

// Whether [from, to] lies within the contract's [start, end].
bool WithinContract(const v1::ContractRegistered& c, absl::CivilDay from,
                    absl::CivilDay to) {
  return from >= *ToCivilDay(c.start(), "start") &&
         to <= *ToCivilDay(c.end(), "end");
}

constexpr int kMaxMilestones = 120;  // monthly over ten years

// A delivery plan: dated milestones strictly after the start and on or
// before the due date, in date order, cumulative figures never falling and
// none above the target.
absl::Status CheckPlan(const v1::Commitment& c, Decimal target,
                       absl::CivilDay start, absl::CivilDay due,
                       absl::string_view f) {
  if (c.plan_size() > kMaxMilestones) {
    return Invalid(absl::StrCat(f, ".plan"),
                   absl::StrCat("at most ", kMaxMilestones, " milestones"));
  }
  std::optional<absl::CivilDay> last_day;
  Decimal last;
  for (int i = 0; i < c.plan_size(); ++i) {
    const std::string m = absl::StrCat(f, ".plan[", i, "]");
    absl::StatusOr<absl::CivilDay> on = ToCivilDay(c.plan(i).on(), m + ".on");
    if (!on.ok()) return on.status();
    if (*on <= start || *on > due) {
      return Invalid(m + ".on", "must be after start and on or before due");
    }
    if (last_day.has_value() && *on <= *last_day) {
      return Invalid(m + ".on", "milestones must be in date order");
    }
    absl::StatusOr<Decimal> cumulative =
        Decimal::Parse(c.plan(i).cumulative(), m + ".cumulative");
    if (!cumulative.ok()) return cumulative.status();
    if (*cumulative < last) {
      return Invalid(
          m + ".cumulative",
          "a cumulative plan never falls below an earlier milestone");
    }
    if (*cumulative > target) {
      return Invalid(m + ".cumulative", "is above the target");
    }
    last_day = *on;
    last = *cumulative;
  }
  return absl::OkStatus();
}

// Whether a delivery still counts towards its commitment (or a new report
// must not overlap it): pending or verified, and not superseded.
bool Counts(const DeliveryRecord& d) {
  return d.state != DeliveryState::kRejected && d.superseded_by.empty();
}

// The decimal figures of a report, the legacy doubles carried over.
void CarryOverLegacy(v1::DeliveryReported& e) {
  if (e.quantity().empty()) {
    e.set_quantity(Decimal::FromLegacyDouble(e.legacy_quantity()).ToString());
  }
  if (e.denominator().empty() && e.legacy_denominator() != 0) {
    e.set_denominator(
        Decimal::FromLegacyDouble(e.legacy_denominator()).ToString());
  }
  e.clear_legacy_quantity();
  e.clear_legacy_denominator();
}
void CarryOverLegacy(v1::Commitment& c) {
  if (c.target().empty()) {
    c.set_target(Decimal::FromLegacyDouble(c.legacy_target()).ToString());
  }
  c.clear_legacy_target();
}
void CarryOverLegacy(v1::CommitmentAmended& a) {
  if (a.target().empty() && a.has_legacy_target()) {
    a.set_target(Decimal::FromLegacyDouble(a.legacy_target()).ToString());
  }
  a.clear_legacy_target();
}

template <typename Message>
absl::Status ParsePayload(absl::string_view payload, Message* out) {
  if (!out->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("unparsable ", out->GetTypeName(), " payload"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckText(absl::string_view value, absl::string_view field,
                       bool required) {
  if (required && value.empty()) return Invalid(field, "required");
  if (value.size() > kMaxTextBytes) {
    return Invalid(field,
                   absl::StrCat("longer than ", kMaxTextBytes, " bytes"));
  }
  return absl::OkStatus();
}

namespace {

// The next code point of `text` from `at` (advancing it), or -1 for bytes
// that are not UTF-8 (overlong forms and surrogates included).
int32_t NextCodePoint(absl::string_view text, size_t& at) {
  const unsigned char lead = text[at++];
  if (lead < 0x80) return lead;
  int length = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : -1;
  if (length < 0 || lead > 0xf4 || at + length > text.size()) return -1;
  int32_t code = lead & (0x3f >> length);
  for (int i = 0; i < length; ++i) {
    const unsigned char next = text[at++];
    if ((next & 0xc0) != 0x80) return -1;
    code = (code << 6) | (next & 0x3f);
  }
  static constexpr int32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
  if (code < kLeast[length] || code > 0x10ffff ||
      (code >= 0xd800 && code <= 0xdfff)) {
    return -1;
  }
  return code;
}

// Characters that make a name show other than it is: controls, and the
// invisible and direction-changing ones ("fdp.exe" shown as "exe.pdf").
bool IsDeceptive(int32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) ||
         (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
         c == 0xfeff;
}

}  // namespace

absl::Status CheckFileName(absl::string_view name, absl::string_view field) {
  if (name.size() > 255) return Invalid(field, "longer than 255 bytes");
  if (name == "." || name == "..") return Invalid(field, "is not a file name");
  for (size_t at = 0; at < name.size();) {
    const int32_t c = NextCodePoint(name, at);
    if (c < 0) return Invalid(field, "is not UTF-8");
    if (IsDeceptive(c) || c == '/' || c == '\\') {
      return Invalid(field,
                     "must not hold control, invisible or direction "
                     "characters, nor path separators");
    }
  }
  return absl::OkStatus();
}

absl::Status NotRegisteredError() {
  return absl::FailedPreconditionError("contract is not registered");
}

bool CanChangeJudgement(absl::string_view type) {
  return type != kDeliveryReported;
}

v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

absl::StatusOr<absl::CivilDay> ToCivilDay(const v1::Date& date,
                                          absl::string_view field) {
  const absl::CivilDay day(date.year(), date.month(), date.day());
  if (date.year() < 1900 || date.year() > 2200 || day.year() != date.year() ||
      day.month() != date.month() || day.day() != date.day()) {
    return Invalid(field, absl::StrCat("not a valid date (", date.year(), "-",
                                       date.month(), "-", date.day(), ")"));
  }
  return day;
}

absl::Time StartOfDay(const v1::Date& date) {
  return absl::FromCivil(absl::CivilDay(date.year(), date.month(), date.day()),
                         absl::UTCTimeZone());
}

StatusThresholds ThresholdsOf(const v1::ContractRegistered& contract) {
  StatusThresholds t;
  const v1::Thresholds& in = contract.thresholds();
  if (in.has_grace_days()) t.grace = absl::Hours(24 * in.grace_days());
  if (in.has_review_days())
    t.review_period = absl::Hours(24 * in.review_days());
  if (in.has_on_track_ratio()) {
    t.on_track_ratio = Decimal::FromLegacyDouble(in.on_track_ratio());
  }
  if (in.has_at_risk_ratio()) {
    t.at_risk_ratio = Decimal::FromLegacyDouble(in.at_risk_ratio());
  }
  return t;
}

absl::StatusOr<v1::ContractRegistered> DecideRegister(
    const ContractState& state, const v1::ContractRegistered& command,
    const v1::Framework* framework) {
  if (absl::Status s = CheckId(command.contract_id(), "contract_id"); !s.ok()) {
    return s;
  }
  if (state.registered) {
    return absl::AlreadyExistsError(absl::StrCat("contract_id: contract '",
                                                 command.contract_id(),
                                                 "' is already registered"));
  }
  if (absl::Status s = CheckId(command.framework().id(), "framework.id");
      !s.ok()) {
    return s;
  }
  if (command.framework().version() < 1) {
    return Invalid("framework.version", "must be 1 or more");
  }
  if (framework == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("framework: '", command.framework().id(), "' version ",
                     command.framework().version(), " is not published"));
  }
  for (const auto& [value, field] :
       {std::pair{&command.title(), "title"},
        std::pair{&command.supplier_name(), "supplier_name"},
        std::pair{&command.contract_manager(), "contract_manager"}}) {
    if (absl::Status s = CheckText(*value, field, true); !s.ok()) return s;
  }
  if (absl::Status s = CheckId(command.supplier_id(), "supplier_id"); !s.ok()) {
    return s;
  }
  if (command.value().pence() < 0) {
    return Invalid("value", "must not be negative");
  }
  absl::StatusOr<absl::CivilDay> start = ToCivilDay(command.start(), "start");
  if (!start.ok()) return start.status();
  absl::StatusOr<absl::CivilDay> end = ToCivilDay(command.end(), "end");
  if (!end.ok()) return end.status();
  if (*end < *start) return Invalid("end", "is before start");
  const double w = command.social_value_weighting_percent();
  if (!std::isfinite(w) || w < 0 || w > 100) {
    return Invalid("social_value_weighting_percent", "must be from 0 to 100");
  }
  const v1::Thresholds& t = command.thresholds();
  if (t.has_grace_days() && t.grace_days() > 3650) {
    return Invalid("thresholds.grace_days", "at most 3650");
  }
  if (t.has_review_days() && t.review_days() > 3650) {
    return Invalid("thresholds.review_days", "at most 3650");
  }
  for (const auto& [has, value, field] :
       {std::tuple{t.has_on_track_ratio(), t.on_track_ratio(),
                   "thresholds.on_track_ratio"},
        std::tuple{t.has_at_risk_ratio(), t.at_risk_ratio(),
                   "thresholds.at_risk_ratio"}}) {
    if (has && (!std::isfinite(value) || value <= 0 || value > 1000)) {
      return Invalid(field, "must be above 0 and at most 1000");
    }
  }
  const StatusThresholds resolved = ThresholdsOf(command);
  if (resolved.on_track_ratio <= Decimal()) {
    return Invalid("thresholds.on_track_ratio", "must be above 0");
  }
  if (resolved.at_risk_ratio <= Decimal() ||
      resolved.at_risk_ratio > resolved.on_track_ratio) {
    return Invalid("thresholds.at_risk_ratio",
                   "must be above 0 and at most on_track_ratio");
  }
  if (command.has_onboarded()) {
    absl::StatusOr<absl::CivilDay> onboarded =
        ToCivilDay(command.onboarded(), "onboarded");
    if (!onboarded.ok()) return onboarded.status();
    if (*onboarded < *start || *onboarded > *end) {
      return Invalid("onboarded", "must lie within the contract's dates");
    }
  }
  return command;
}

absl::StatusOr<v1::CommitmentsAdded> DecideAddCommitments(
    const ContractState& state, const v1::CommitmentsAdded& command,
    const v1::MeasureLibrary& library) {
  if (absl::Status s = RequireOpen(state); !s.ok()) return s;
  if (command.commitments().empty()) {
    return Invalid("commitments", "at least one required");
  }
  if (command.commitments_size() > kMaxCommitmentsPerCall) {
    return Invalid(
        "commitments",
        absl::StrCat("at most ", kMaxCommitmentsPerCall, " per call"));
  }
  const v1::ContractRegistered& contract = state.contract;
  v1::CommitmentsAdded event = command;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < event.commitments_size(); ++i) {
    v1::Commitment& c = *event.mutable_commitments(i);
    const std::string f = absl::StrCat("commitments[", i, "]");
    if (absl::Status s = CheckId(c.commitment_id(), f + ".commitment_id");
        !s.ok()) {
      return s;
    }
    if (!seen.insert(c.commitment_id()).second) {
      return Invalid(f + ".commitment_id",
                     absl::StrCat("'", c.commitment_id(), "' appears twice"));
    }
    if (state.commitments.contains(c.commitment_id())) {
      return absl::AlreadyExistsError(absl::StrCat(
          f, ".commitment_id: '", c.commitment_id(), "' already exists"));
    }
    if (FindMeasure(library, c.measure_id()) == nullptr) {
      return Invalid(f + ".measure_id",
                     absl::StrCat("'", c.measure_id(),
                                  "' is not a measure of the library"));
    }
    if (c.legacy_target() != 0) {
      return Invalid(f + ".legacy_target", "no longer accepted; use target");
    }
    absl::StatusOr<Decimal> target = Decimal::Parse(c.target(), f + ".target");
    if (!target.ok()) return target.status();
    if (*target <= Decimal()) return Invalid(f + ".target", "must be above 0");
    const v1::Measure* measure = FindMeasure(library, c.measure_id());
    if (measure->unit() == v1::PERCENT && *target > Decimal::FromInt(100)) {
      return Invalid(f + ".target", "a percentage is at most 100");
    }
    if (!c.has_start()) *c.mutable_start() = contract.start();
    absl::StatusOr<absl::CivilDay> start = ToCivilDay(c.start(), f + ".start");
    if (!start.ok()) return start.status();
    if (!c.has_due()) return Invalid(f + ".due", "required");
    absl::StatusOr<absl::CivilDay> due = ToCivilDay(c.due(), f + ".due");
    if (!due.ok()) return due.status();
    if (*due < *start) return Invalid(f + ".due", "is before start");
    if (!WithinContract(contract, *start, *due)) {
      return Invalid(f, "start and due must lie within the contract's dates");
    }
    if (absl::Status s = CheckPlan(c, *target, *start, *due, f); !s.ok()) {
      return s;
    }
    for (const auto& [value, field] :
         {std::pair{&c.locality(), ".locality"},
          std::pair{&c.verification_method(), ".verification_method"}}) {
      if (absl::Status s = CheckText(*value, f + field, false); !s.ok()) {
        return s;
      }
    }
  }
  return event;
}

absl::StatusOr<v1::DeliveryReported> DecideReportDelivery(
    const ContractState& state, const v1::DeliveryReported& command,
    const v1::MeasureLibrary& library, absl::Time now) {
  if (absl::Status s = RequireOpen(state); !s.ok()) return s;
  if (absl::Status s = CheckId(command.delivery_id(), "delivery_id"); !s.ok()) {
    return s;
  }
  if (state.deliveries.contains(command.delivery_id())) {
    return absl::AlreadyExistsError(absl::StrCat(
        "delivery_id: '", command.delivery_id(), "' was already reported"));
  }
  absl::StatusOr<const CommitmentRecord*> commitment =
      LiveCommitment(state, command.commitment_id(), "commitment_id");
  if (!commitment.ok()) return commitment.status();
  const v1::Measure* measure =
      FindMeasure(library, (*commitment)->terms.measure_id());
  const bool ratio = measure != nullptr && measure->aggregation() == v1::RATIO;
  if (command.legacy_quantity() != 0 || command.legacy_denominator() != 0) {
    return Invalid("legacy_quantity",
                   "no longer accepted; use quantity and denominator");
  }
  absl::StatusOr<Decimal> quantity =
      Decimal::Parse(command.quantity(), "quantity");
  if (!quantity.ok()) return quantity.status();
  if (*quantity < Decimal()) return Invalid("quantity", "must not be negative");
  if (ratio) {
    absl::StatusOr<Decimal> denominator =
        Decimal::Parse(command.denominator(), "denominator");
    if (!denominator.ok()) return denominator.status();
    if (*denominator <= Decimal()) {
      return Invalid("denominator", "must be above 0 for a RATIO measure");
    }
    if (measure->unit() == v1::PERCENT && *quantity > *denominator) {
      return Invalid(
          "quantity",
          absl::StrCat("the numerator ", quantity->ToString(),
                       " is above the denominator ", denominator->ToString(),
                       ": a share is at most 100%"));
    }
  } else if (!command.denominator().empty()) {
    return Invalid("denominator", "only RATIO measures take a denominator");
  } else if (measure != nullptr && measure->unit() == v1::PERCENT &&
             *quantity > Decimal::FromInt(100)) {
    return Invalid("quantity", "a level in percent is at most 100");
  }
  absl::StatusOr<absl::CivilDay> from =
      ToCivilDay(command.period_start(), "period_start");
  if (!from.ok()) return from.status();
  absl::StatusOr<absl::CivilDay> to =
      ToCivilDay(command.period_end(), "period_end");
  if (!to.ok()) return to.status();
  if (*to < *from) return Invalid("period_end", "is before period_start");
  const v1::Commitment& terms = (*commitment)->terms;
  const absl::CivilDay commitment_start = *ToCivilDay(terms.start(), "start");
  const int64_t grace_days =
      absl::ToInt64Hours(ThresholdsOf(state.contract).grace) / 24;
  const absl::CivilDay last_day = *ToCivilDay(terms.due(), "due") + grace_days;
  if (*from < commitment_start) {
    return absl::FailedPreconditionError(
        absl::StrCat("period_start: ", absl::FormatCivilTime(*from),
                     " is before the commitment's start ",
                     absl::FormatCivilTime(commitment_start)));
  }
  if (*to > last_day) {
    return absl::FailedPreconditionError(
        absl::StrCat("period_end: ", absl::FormatCivilTime(*to),
                     " is after the commitment's due date and grace (",
                     absl::FormatCivilTime(last_day), ")"));
  }
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  if (*to > today) {
    return absl::FailedPreconditionError(absl::StrCat(
        "period_end: ", absl::FormatCivilTime(*to),
        " has not happened yet (today is ", absl::FormatCivilTime(today), ")"));
  }
  const DeliveryRecord* corrected = nullptr;
  if (!command.corrects().empty()) {
    auto it = state.deliveries.find(command.corrects());
    if (it == state.deliveries.end() ||
        it->second.report.commitment_id() != command.commitment_id()) {
      return absl::FailedPreconditionError(
          absl::StrCat("corrects: no delivery '", command.corrects(),
                       "' of commitment '", command.commitment_id(), "'"));
    }
    if (!Counts(it->second)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "corrects: delivery '", command.corrects(), "' is ",
          it->second.state == DeliveryState::kRejected ? "rejected"
                                                       : "already corrected",
          " and no longer counts"));
    }
    corrected = &it->second;
    for (const std::string& id : (*commitment)->deliveries) {
      const DeliveryRecord& d = state.deliveries.at(id);
      if (d.report.corrects() == command.corrects() &&
          d.state == DeliveryState::kPending) {
        return absl::FailedPreconditionError(
            absl::StrCat("corrects: delivery '", id, "' already corrects '",
                         command.corrects(), "' and awaits verification"));
      }
    }
  }
  for (const std::string& id : (*commitment)->deliveries) {
    const DeliveryRecord& d = state.deliveries.at(id);
    if (&d == corrected || !Counts(d)) continue;
    if (*from <= d.to && d.from <= *to) {
      return absl::FailedPreconditionError(absl::StrCat(
          "period_start: the period overlaps delivery '", id, "' (",
          absl::FormatCivilTime(d.from), " to ", absl::FormatCivilTime(d.to),
          "); to correct it, report with corrects: \"", id, "\""));
    }
  }
  const v1::Evidence& evidence = command.evidence();
  if (evidence.uri().empty()) return Invalid("evidence.uri", "required");
  if (evidence.uri().size() > kMaxUriBytes ||
      evidence.uri().find(':') == std::string::npos) {
    return Invalid("evidence.uri", "must be a URI of at most 2048 bytes");
  }
  if (!evidence.sha256().empty() && !IsHex64(evidence.sha256())) {
    return Invalid("evidence.sha256", "must be 64 hexadecimal digits");
  }
  if (absl::Status s = CheckFileName(evidence.name(), "evidence.name");
      !s.ok()) {
    return s;
  }
  if (evidence.media_type().size() > 100) {
    return Invalid("evidence.media_type", "must be at most 100 bytes");
  }
  if (absl::Status s = CheckText(command.note(), "note", false); !s.ok()) {
    return s;
  }
  return command;
}

absl::StatusOr<v1::DeliveryVerified> DecideVerifyDelivery(
    const ContractState& state, const v1::DeliveryVerified& command) {
  absl::StatusOr<const DeliveryRecord*> delivery =
      PendingDelivery(state, command.delivery_id());
  if (!delivery.ok()) return delivery.status();
  if (absl::Status s = CheckText(command.note(), "note", false); !s.ok()) {
    return s;
  }
  return command;
}

absl::StatusOr<v1::DeliveryRejected> DecideRejectDelivery(
    const ContractState& state, const v1::DeliveryRejected& command) {
  absl::StatusOr<const DeliveryRecord*> delivery =
      PendingDelivery(state, command.delivery_id());
  if (!delivery.ok()) return delivery.status();
  if (absl::Status s = CheckText(command.reason(), "reason", true); !s.ok()) {
    return s;
  }
  return command;
}

absl::StatusOr<v1::CommitmentAmended> DecideAmendCommitment(
    const ContractState& state, const v1::CommitmentAmended& command) {
  if (absl::Status s = RequireOpen(state); !s.ok()) return s;
  absl::StatusOr<const CommitmentRecord*> commitment =
      LiveCommitment(state, command.commitment_id(), "commitment_id");
  if (!commitment.ok()) return commitment.status();
  if (command.has_legacy_target()) {
    return Invalid("legacy_target", "no longer accepted; use target");
  }
  if (command.target().empty() && !command.has_due()) {
    return Invalid("target", "amend the target, the due date, or both");
  }
  if (!command.target().empty()) {
    absl::StatusOr<Decimal> target = Decimal::Parse(command.target(), "target");
    if (!target.ok()) return target.status();
    if (*target <= Decimal()) return Invalid("target", "must be above 0");
  }
  if (command.has_due()) {
    absl::StatusOr<absl::CivilDay> due = ToCivilDay(command.due(), "due");
    if (!due.ok()) return due.status();
    absl::CivilDay start = *ToCivilDay((*commitment)->terms.start(), "start");
    if (*due < start) return Invalid("due", "is before the commitment's start");
    if (!WithinContract(state.contract, start, *due)) {
      return Invalid("due", "must lie within the contract's dates");
    }
  }
  // The delivery plan must still fit the amended target and due date.
  const v1::Commitment& terms = (*commitment)->terms;
  const Decimal target = command.target().empty()
                             ? (*commitment)->target
                             : *Decimal::Parse(command.target(), "target");
  const absl::CivilDay due =
      *ToCivilDay(command.has_due() ? command.due() : terms.due(), "due");
  if (absl::Status s =
          CheckPlan(terms, target, *ToCivilDay(terms.start(), "start"), due,
                    "commitment");
      !s.ok()) {
    // The request is well formed; the commitment's plan is what conflicts.
    return absl::FailedPreconditionError(absl::StrCat(
        command.target().empty() ? "due" : "target",
        ": the commitment's delivery plan would not fit (", s.message(), ")"));
  }
  if (absl::Status s = CheckText(command.reason(), "reason", true); !s.ok()) {
    return s;
  }
  return command;
}

absl::StatusOr<v1::CommitmentWithdrawn> DecideWithdrawCommitment(
    const ContractState& state, const v1::CommitmentWithdrawn& command) {
  if (absl::Status s = RequireOpen(state); !s.ok()) return s;
  absl::StatusOr<const CommitmentRecord*> commitment =
      LiveCommitment(state, command.commitment_id(), "commitment_id");
  if (!commitment.ok()) return commitment.status();
  if (absl::Status s = CheckText(command.reason(), "reason", true); !s.ok()) {
    return s;
  }
  return command;
}

absl::Status Apply(ContractState& state, absl::string_view type,
                   absl::string_view payload, absl::Time recorded,
                   Touched* touched) {
  return Apply(state, type, payload, recorded, RecordedBy{}, touched);
}

absl::Status Apply(ContractState& state, absl::string_view type,
                   absl::string_view payload, absl::Time recorded,
                   RecordedBy by, Touched* touched) {
  Touched ignored;
  Touched& t = touched != nullptr ? *touched : ignored;
  auto cannot = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot apply ", type, ": ", why));
  };
  if (type == kContractRegistered) {
    v1::ContractRegistered e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    if (state.registered) return cannot("contract already registered");
    if (!ToCivilDay(e.start(), "start").ok() ||
        !ToCivilDay(e.end(), "end").ok()) {
      return cannot("invalid contract dates");
    }
    state.registered = true;
    state.contract = std::move(e);
    t.contract = true;
    return absl::OkStatus();
  }
  if (!state.registered) return cannot("contract not registered");
  if (IsEnforcementEvent(type))
    return ApplyEnforcement(state, type, payload, recorded, t);
  if (type == kCommitmentsAdded) {
    v1::CommitmentsAdded e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    std::vector<Decimal> targets;
    for (v1::Commitment& c : *e.mutable_commitments()) {
      CarryOverLegacy(c);
      absl::StatusOr<Decimal> target = Decimal::Parse(c.target(), "target");
      if (state.commitments.contains(c.commitment_id()) ||
          !ToCivilDay(c.start(), "start").ok() ||
          !ToCivilDay(c.due(), "due").ok() || !target.ok() ||
          *target <= Decimal()) {
        return cannot(absl::StrCat("bad commitment '", c.commitment_id(), "'"));
      }
      for (const v1::Milestone& m : c.plan()) {
        if (!ToCivilDay(m.on(), "on").ok() ||
            !Decimal::Parse(m.cumulative(), "cumulative").ok()) {
          return cannot(absl::StrCat("bad plan of '", c.commitment_id(), "'"));
        }
      }
      targets.push_back(*target);
    }
    for (int i = 0; i < e.commitments_size(); ++i) {
      v1::Commitment& c = *e.mutable_commitments(i);
      auto it = state.commitments.try_emplace(c.commitment_id()).first;
      it->second.target = targets[i];
      it->second.terms = std::move(c);
      t.commitments.push_back(&it->first);
    }
  } else if (type == kDeliveryReported) {
    v1::DeliveryReported e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    // A legacy double that is not a number is not a figure anyone typed.
    const bool finite = std::isfinite(e.legacy_quantity()) &&
                        std::isfinite(e.legacy_denominator());
    CarryOverLegacy(e);
    absl::StatusOr<Decimal> quantity = Decimal::Parse(e.quantity(), "");
    absl::StatusOr<Decimal> denominator =
        e.denominator().empty() ? Decimal()
                                : Decimal::Parse(e.denominator(), "");
    if (!finite || state.deliveries.contains(e.delivery_id()) ||
        !state.commitments.contains(e.commitment_id()) || !quantity.ok() ||
        !denominator.ok() || *quantity < Decimal() ||
        *denominator < Decimal() || !ToCivilDay(e.period_start(), "").ok() ||
        !ToCivilDay(e.period_end(), "").ok()) {
      return cannot(absl::StrCat("bad delivery '", e.delivery_id(), "'"));
    }
    auto it = state.deliveries.try_emplace(e.delivery_id()).first;
    t.delivery = &it->first;
    DeliveryRecord& d = it->second;
    d.report = std::move(e);
    d.quantity = *quantity;
    d.denominator = *denominator;
    d.from = *ToCivilDay(d.report.period_start(), "");
    d.to = *ToCivilDay(d.report.period_end(), "");
    d.recorded = recorded;
    d.reported_by = std::string(by.actor);
    d.on_behalf_of = std::string(by.on_behalf_of);
    // Kept in id order, as a state loaded from the projection has them.
    std::vector<std::string>& ids =
        state.commitments[d.report.commitment_id()].deliveries;
    ids.insert(std::lower_bound(ids.begin(), ids.end(), it->first), it->first);
  } else if (type == kDeliveryVerified || type == kDeliveryRejected) {
    std::string id, note;
    if (type == kDeliveryVerified) {
      v1::DeliveryVerified e;
      if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
      id = e.delivery_id();
      note = e.note();
    } else {
      v1::DeliveryRejected e;
      if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
      id = e.delivery_id();
      note = e.reason();
    }
    auto it = state.deliveries.find(id);
    if (it == state.deliveries.end() ||
        it->second.state != DeliveryState::kPending) {
      return cannot(absl::StrCat("delivery '", id, "' is not pending"));
    }
    it->second.state = type == kDeliveryVerified ? DeliveryState::kVerified
                                                 : DeliveryState::kRejected;
    it->second.decided_by = std::string(by.actor);
    it->second.decided = recorded;
    it->second.decision_note = std::move(note);
    t.delivery = &it->first;
    // A verified correction supersedes what it corrects.
    const std::string& corrects = it->second.report.corrects();
    if (type == kDeliveryVerified && !corrects.empty()) {
      auto old = state.deliveries.find(corrects);
      if (old != state.deliveries.end() && old->second.superseded_by.empty()) {
        old->second.superseded_by = id;
        t.corrected = &old->first;
      }
    }
  } else if (type == kCommitmentAmended) {
    v1::CommitmentAmended e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    CarryOverLegacy(e);
    auto it = state.commitments.find(e.commitment_id());
    absl::StatusOr<Decimal> target = e.target().empty()
                                         ? Decimal::FromInt(1)
                                         : Decimal::Parse(e.target(), "target");
    if (it == state.commitments.end() ||
        (e.has_due() && !ToCivilDay(e.due(), "due").ok()) || !target.ok() ||
        *target <= Decimal()) {
      return cannot(absl::StrCat("bad amendment of '", e.commitment_id(), "'"));
    }
    if (!e.target().empty()) {
      it->second.terms.set_target(e.target());
      it->second.target = *target;
    }
    if (e.has_due()) *it->second.terms.mutable_due() = e.due();
    it->second.amendments.push_back(std::move(e));
    t.commitments.push_back(&it->first);
  } else if (type == kCommitmentWithdrawn) {
    v1::CommitmentWithdrawn e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    auto it = state.commitments.find(e.commitment_id());
    if (it == state.commitments.end()) {
      return cannot(
          absl::StrCat("unknown commitment '", e.commitment_id(), "'"));
    }
    it->second.withdrawn = true;
    t.commitments.push_back(&it->first);
  } else if (type == kContractClosed) {
    v1::ContractClosed e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    if (state.closed) return cannot("contract already closed");
    state.closed = true;
    // As of the closing judgement; the recorded time for older events.
    state.closed_at = e.closed_at_unix_micros() != 0
                          ? absl::FromUnixMicros(e.closed_at_unix_micros())
                          : recorded;
    t.contract = true;
  } else if (type == kContractFrameworkChanged) {
    v1::ContractFrameworkChanged e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    if (e.to().id() != state.contract.framework().id() ||
        e.to().version() <= state.contract.framework().version()) {
      return cannot("not a later version of the contract's framework");
    }
    *state.contract.mutable_framework() = e.to();
    t.contract = true;
  } else {
    return cannot("unknown event type");
  }
  return absl::OkStatus();
}

std::vector<CommitmentProgress> AssessContract(
    const ContractState& state, const v1::MeasureLibrary& library,
    absl::Time as_of) {
  const bool final_judgement = state.closed;
  if (final_judgement) as_of = std::min(as_of, state.closed_at);
  // Per commitment, its deliveries by state, as the rules need them.
  struct ByState {
    std::vector<VerifiedDelivery> verified, pending, rejected;
  };
  std::map<std::string, ByState> deliveries;
  for (const auto& [id, d] : state.deliveries) {
    if (!d.superseded_by.empty()) continue;  // a verified correction counts
    ByState& by = deliveries[d.report.commitment_id()];
    std::vector<VerifiedDelivery>& list =
        d.state == DeliveryState::kVerified  ? by.verified
        : d.state == DeliveryState::kPending ? by.pending
                                             : by.rejected;
    list.push_back({.quantity = d.quantity,
                    .denominator = d.denominator,
                    .period_end = StartOfDay(d.report.period_end()),
                    .recorded = d.recorded});
  }
  const StatusThresholds thresholds = ThresholdsOf(state.contract);
  std::vector<CommitmentProgress> out;
  for (const auto& [id, c] : state.commitments) {
    const v1::Measure* measure = FindMeasure(library, c.terms.measure_id());
    CommitmentTerms terms;
    terms.aggregation =
        measure == nullptr                     ? Aggregation::kSum
        : measure->aggregation() == v1::LATEST ? Aggregation::kLatest
        : measure->aggregation() == v1::RATIO  ? Aggregation::kRatio
                                               : Aggregation::kSum;
    terms.target = c.target;
    terms.start = StartOfDay(c.terms.start());
    // Due at the end of the due date; a milestone at the end of its day.
    terms.due = StartOfDay(c.terms.due()) + absl::Hours(24);
    for (const v1::Milestone& m : c.terms.plan()) {
      terms.plan.push_back(
          {.at = StartOfDay(m.on()) + absl::Hours(24),
           .cumulative = *Decimal::Parse(m.cumulative(), "cumulative")});
    }
    terms.withdrawn = c.withdrawn;
    terms.final_judgement = final_judgement;
    CommitmentProgress p;
    p.commitment_id = id;
    p.measure_id = c.terms.measure_id();
    p.target = c.target;
    const ByState& by = deliveries[id];
    p.pending = Delivered(terms.aggregation, by.pending);
    p.rejected = Delivered(terms.aggregation, by.rejected);
    p.assessment = Assess(terms, Delivered(terms.aggregation, by.verified),
                          as_of, thresholds);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace svledger::domain
