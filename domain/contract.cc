#include "domain/contract.h"

#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "domain/enforcement.h"
#include "domain/framework_catalog.h"

namespace svledger::domain {
namespace {

constexpr size_t kMaxTextBytes = 2000;  // titles, names, notes, reasons
constexpr size_t kMaxUriBytes = 2048;
constexpr int kMaxCommitmentsPerCall = 100;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status CheckFinite(double value, absl::string_view field) {
  if (!std::isfinite(value)) return Invalid(field, "must be a finite number");
  return absl::OkStatus();
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
  if (in.has_on_track_ratio()) t.on_track_ratio = in.on_track_ratio();
  if (in.has_at_risk_ratio()) t.at_risk_ratio = in.at_risk_ratio();
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
  const StatusThresholds resolved = ThresholdsOf(command);
  if (!std::isfinite(resolved.on_track_ratio) || resolved.on_track_ratio <= 0) {
    return Invalid("thresholds.on_track_ratio", "must be above 0");
  }
  if (!std::isfinite(resolved.at_risk_ratio) || resolved.at_risk_ratio <= 0 ||
      resolved.at_risk_ratio > resolved.on_track_ratio) {
    return Invalid("thresholds.at_risk_ratio",
                   "must be above 0 and at most on_track_ratio");
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
    if (absl::Status s = CheckFinite(c.target(), f + ".target"); !s.ok()) {
      return s;
    }
    if (c.target() <= 0) return Invalid(f + ".target", "must be above 0");
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
    const v1::MeasureLibrary& library) {
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
  if (absl::Status s = CheckFinite(command.quantity(), "quantity"); !s.ok()) {
    return s;
  }
  if (command.quantity() < 0)
    return Invalid("quantity", "must not be negative");
  if (absl::Status s = CheckFinite(command.denominator(), "denominator");
      !s.ok()) {
    return s;
  }
  if (ratio && command.denominator() <= 0) {
    return Invalid("denominator", "must be above 0 for a RATIO measure");
  }
  if (!ratio && command.denominator() != 0) {
    return Invalid("denominator", "only RATIO measures take a denominator");
  }
  absl::StatusOr<absl::CivilDay> from =
      ToCivilDay(command.period_start(), "period_start");
  if (!from.ok()) return from.status();
  absl::StatusOr<absl::CivilDay> to =
      ToCivilDay(command.period_end(), "period_end");
  if (!to.ok()) return to.status();
  if (*to < *from) return Invalid("period_end", "is before period_start");
  if (!WithinContract(state.contract, *from, *to)) {
    return absl::FailedPreconditionError(
        "period_start: the delivery period lies outside the contract's dates");
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
  if (!command.has_target() && !command.has_due()) {
    return Invalid("target", "amend the target, the due date, or both");
  }
  if (command.has_target()) {
    if (absl::Status s = CheckFinite(command.target(), "target"); !s.ok()) {
      return s;
    }
    if (command.target() <= 0) return Invalid("target", "must be above 0");
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

absl::StatusOr<v1::ContractClosed> DecideCloseContract(
    const ContractState& state, const v1::ContractClosed& command) {
  if (absl::Status s = RequireOpen(state); !s.ok()) return s;
  if (absl::Status s = CheckText(command.reason(), "reason", false); !s.ok()) {
    return s;
  }
  return command;
}

absl::Status Apply(ContractState& state, absl::string_view type,
                   absl::string_view payload, absl::Time recorded,
                   Touched* touched) {
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
    for (const v1::Commitment& c : e.commitments()) {
      if (state.commitments.contains(c.commitment_id()) ||
          !ToCivilDay(c.start(), "start").ok() ||
          !ToCivilDay(c.due(), "due").ok() || !(c.target() > 0)) {
        return cannot(absl::StrCat("bad commitment '", c.commitment_id(), "'"));
      }
    }
    for (const v1::Commitment& c : e.commitments()) {
      auto it = state.commitments.try_emplace(c.commitment_id()).first;
      it->second.terms = c;
      t.commitments.push_back(&it->first);
    }
  } else if (type == kDeliveryReported) {
    v1::DeliveryReported e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    if (state.deliveries.contains(e.delivery_id()) ||
        !state.commitments.contains(e.commitment_id())) {
      return cannot(absl::StrCat("bad delivery '", e.delivery_id(), "'"));
    }
    auto it = state.deliveries.try_emplace(e.delivery_id()).first;
    t.delivery = &it->first;
    DeliveryRecord& d = it->second;
    d.report = std::move(e);
    d.recorded = recorded;
  } else if (type == kDeliveryVerified || type == kDeliveryRejected) {
    std::string id;
    if (type == kDeliveryVerified) {
      v1::DeliveryVerified e;
      if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
      id = e.delivery_id();
    } else {
      v1::DeliveryRejected e;
      if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
      id = e.delivery_id();
    }
    auto it = state.deliveries.find(id);
    if (it == state.deliveries.end() ||
        it->second.state != DeliveryState::kPending) {
      return cannot(absl::StrCat("delivery '", id, "' is not pending"));
    }
    it->second.state = type == kDeliveryVerified ? DeliveryState::kVerified
                                                 : DeliveryState::kRejected;
    t.delivery = &it->first;
  } else if (type == kCommitmentAmended) {
    v1::CommitmentAmended e;
    if (absl::Status s = ParsePayload(payload, &e); !s.ok()) return s;
    auto it = state.commitments.find(e.commitment_id());
    if (it == state.commitments.end() ||
        (e.has_due() && !ToCivilDay(e.due(), "due").ok())) {
      return cannot(absl::StrCat("bad amendment of '", e.commitment_id(), "'"));
    }
    if (e.has_target()) it->second.terms.set_target(e.target());
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
    state.closed = true;
    t.contract = true;
  } else {
    return cannot("unknown event type");
  }
  return absl::OkStatus();
}

std::vector<CommitmentProgress> AssessContract(
    const ContractState& state, const v1::MeasureLibrary& library,
    absl::Time as_of) {
  // Per commitment, its deliveries by state, as the rules need them.
  struct ByState {
    std::vector<VerifiedDelivery> verified, pending, rejected;
  };
  std::map<std::string, ByState> deliveries;
  for (const auto& [id, d] : state.deliveries) {
    ByState& by = deliveries[d.report.commitment_id()];
    std::vector<VerifiedDelivery>& list =
        d.state == DeliveryState::kVerified  ? by.verified
        : d.state == DeliveryState::kPending ? by.pending
                                             : by.rejected;
    list.push_back({.quantity = d.report.quantity(),
                    .denominator = d.report.denominator(),
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
    terms.target = c.terms.target();
    terms.start = StartOfDay(c.terms.start());
    // Due at the end of the due date.
    terms.due = StartOfDay(c.terms.due()) + absl::Hours(24);
    terms.withdrawn = c.withdrawn;
    CommitmentProgress p;
    p.commitment_id = id;
    p.measure_id = c.terms.measure_id();
    p.target = c.terms.target();
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
