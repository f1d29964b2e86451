#include "domain/enforcement.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "domain/progress.h"

namespace svledger::domain {
namespace {

template <typename Message>
absl::Status Parse(absl::string_view type, absl::string_view payload,
                   Message* out) {
  if (!out->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot apply ", type, ": unparsable payload"));
  }
  return absl::OkStatus();
}

absl::Status Cannot(absl::string_view type, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("cannot apply ", type, ": ", why));
}

bool ShortOf(v1::CommitmentStatus s) {
  return s == v1::OFF_TRACK || s == v1::MISSED;
}
bool Recovered(v1::CommitmentStatus s) {
  return s == v1::ON_TRACK || s == v1::MET;
}

// The open case of `commitment_id`, or null.
const std::pair<const std::string, CaseRecord>* OpenCase(
    const EnforcementState& e, const std::string& commitment_id) {
  for (const auto& entry : e.cases) {
    if (!entry.second.closed &&
        entry.second.opened.commitment_id() == commitment_id) {
      return &entry;
    }
  }
  return nullptr;
}

// An open case by id, for the events that act on one.
absl::StatusOr<CaseRecord*> OpenCaseById(EnforcementState& e,
                                         absl::string_view type,
                                         const std::string& case_id) {
  auto it = e.cases.find(case_id);
  if (it == e.cases.end() || it->second.closed) {
    return Cannot(type, absl::StrCat("no open case '", case_id, "'"));
  }
  return &it->second;
}

// Whether the policy may open cases on `state` at `as_of`: not before the
// contract's onboarding date (its first returns are the baseline).
bool Onboarded(const ContractState& state, const v1::Instant& as_of) {
  if (!state.contract.has_onboarded()) return true;
  return absl::FromUnixMicros(as_of.unix_micros()) >=
         StartOfDay(state.contract.onboarded());
}

// The case to open for commitment `c`, judged at `as_of`, if it is short
// (OFF_TRACK or MISSED), has no open case, and the contract is onboarded.
std::optional<v1::EnforcementCaseOpened> CaseToOpen(
    const ContractState& state, const v1::CommitmentProgress& c,
    const std::vector<v1::EnforcementStage>& stages, const v1::Instant& as_of,
    bool at_close) {
  if (!ShortOf(c.status()) || stages.empty() || !Onboarded(state, as_of) ||
      OpenCase(state.enforcement, c.commitment_id()) != nullptr) {
    return std::nullopt;
  }
  const std::string& id = c.commitment_id();
  auto n = state.enforcement.cases_opened.find(id);
  const std::string case_id = CaseId(
      id, (n == state.enforcement.cases_opened.end() ? 0 : n->second) + 1);
  v1::EnforcementCaseOpened opened;
  opened.set_case_id(case_id);
  opened.set_commitment_id(id);
  opened.set_stage(stages.front());
  v1::EnforcementTrigger& t = *opened.mutable_trigger();
  t.set_status(c.status());
  t.set_delivered(c.delivered());
  t.set_expected(c.expected());
  const Decimal delivered = Decimal::ParseFigure(c.delivered());
  const Decimal owed = Decimal::ParseFigure(
      c.status() == v1::MISSED ? c.target() : c.expected());
  t.set_shortfall(std::max(Decimal(), owed - delivered).ToString());
  *t.mutable_as_of() = as_of;
  t.set_at_close(at_close);
  return opened;
}

template <typename Message>
PolicyEvent Propose(const Message& event, std::string key) {
  return {std::string(event.GetDescriptor()->name()), event.SerializeAsString(),
          std::move(key)};
}

}  // namespace

bool IsEnforcementEvent(absl::string_view type) {
  for (const char* t :
       {kEnforcementCaseOpened, kEnforcementActionRecorded,
        kEnforcementCaseEscalated, kEnforcementCaseClosed,
        kCommitmentStatusChanged, kPerformanceAssessmentRecorded}) {
    if (type == t) return true;
  }
  return false;
}

absl::Status ApplyEnforcement(ContractState& state, absl::string_view type,
                              absl::string_view payload, absl::Time recorded,
                              Touched& touched) {
  const int64_t recorded_micros = absl::ToUnixMicros(recorded);
  EnforcementState& e = state.enforcement;
  if (type == kEnforcementCaseOpened) {
    v1::EnforcementCaseOpened ev;
    if (absl::Status s = Parse(type, payload, &ev); !s.ok()) return s;
    v1::EnforcementTrigger& trigger = *ev.mutable_trigger();
    if (trigger.delivered().empty()) {
      trigger.set_delivered(
          Decimal::FromLegacyDouble(trigger.legacy_delivered()).ToString());
      trigger.set_expected(
          Decimal::FromLegacyDouble(trigger.legacy_expected()).ToString());
      trigger.set_shortfall(
          Decimal::FromLegacyDouble(trigger.legacy_shortfall()).ToString());
    }
    trigger.clear_legacy_delivered();
    trigger.clear_legacy_expected();
    trigger.clear_legacy_shortfall();
    if (!state.commitments.contains(ev.commitment_id()) ||
        e.cases.contains(ev.case_id()) ||
        OpenCase(e, ev.commitment_id()) != nullptr) {
      return Cannot(type, absl::StrCat("case '", ev.case_id(), "' for '",
                                       ev.commitment_id(), "'"));
    }
    CaseRecord& c = e.cases[ev.case_id()];
    c.stage = ev.stage();
    c.opened_unix_micros = ev.trigger().as_of().unix_micros();
    c.stage_since_unix_micros = c.opened_unix_micros;
    ++e.cases_opened[ev.commitment_id()];
    c.opened = std::move(ev);
  } else if (type == kEnforcementActionRecorded) {
    v1::EnforcementActionRecorded ev;
    if (absl::Status s = Parse(type, payload, &ev); !s.ok()) return s;
    absl::StatusOr<CaseRecord*> c = OpenCaseById(e, type, ev.case_id());
    if (!c.ok()) return c.status();
    if (ev.stage() != v1::ENFORCEMENT_STAGE_UNSPECIFIED &&
        ev.stage() != (*c)->stage) {
      (*c)->stage = ev.stage();
      (*c)->stage_since_unix_micros = recorded_micros;
    }
    if (ev.has_agreed_date()) (*c)->agreed_date = ev.agreed_date();
    if (ev.stage() == v1::FINANCIAL_REMEDY) {
      (*c)->remedy_pence += ev.amount().pence();
    }
    ++(*c)->actions;
  } else if (type == kEnforcementCaseEscalated) {
    v1::EnforcementCaseEscalated ev;
    if (absl::Status s = Parse(type, payload, &ev); !s.ok()) return s;
    absl::StatusOr<CaseRecord*> c = OpenCaseById(e, type, ev.case_id());
    if (!c.ok()) return c.status();
    (*c)->stage = ev.to();
    (*c)->stage_since_unix_micros = ev.as_of().unix_micros();
  } else if (type == kEnforcementCaseClosed) {
    v1::EnforcementCaseClosed ev;
    if (absl::Status s = Parse(type, payload, &ev); !s.ok()) return s;
    absl::StatusOr<CaseRecord*> c = OpenCaseById(e, type, ev.case_id());
    if (!c.ok()) return c.status();
    (*c)->closed = true;
    (*c)->close_reason = ev.reason();
    (*c)->closed_unix_micros = recorded_micros;
    if (ev.reason() == v1::REMEDIED || ev.reason() == v1::WAIVED ||
        ev.reason() == v1::TERMINATED) {
      e.held.insert((*c)->opened.commitment_id());
    }
  } else if (type == kCommitmentStatusChanged) {
    v1::CommitmentStatusChanged ev;
    if (absl::Status s = Parse(type, payload, &ev); !s.ok()) return s;
    if (!state.commitments.contains(ev.commitment_id())) {
      return Cannot(
          type, absl::StrCat("unknown commitment '", ev.commitment_id(), "'"));
    }
    e.recorded_status[ev.commitment_id()] = ev.to();
    e.held.erase(ev.commitment_id());
    ++e.status_changes[ev.commitment_id()];
  } else if (type == kPerformanceAssessmentRecorded) {
    v1::PerformanceAssessmentRecorded ev;
    if (absl::Status s = Parse(type, payload, &ev); !s.ok()) return s;
    if (!ToCivilDay(ev.assessed_on(), "assessed_on").ok()) {
      return Cannot(type, "invalid assessed_on");
    }
    e.assessments.push_back(std::move(ev));
  } else {
    return Cannot(type, "not an enforcement event");
  }
  touched.contract = true;  // enforcement state is part of the contract's
  return absl::OkStatus();
}

std::vector<v1::EnforcementStage> LadderStages(
    const v1::EscalationLadder& ladder) {
  if (ladder.stages_size() == 0) {
    return {v1::NOTICE, v1::REMEDIATION_PLAN, v1::FINANCIAL_REMEDY,
            v1::PERFORMANCE_NOTICE, v1::TERMINATION_RECOMMENDED};
  }
  std::vector<v1::EnforcementStage> out;
  for (int s : ladder.stages())
    out.push_back(static_cast<v1::EnforcementStage>(s));
  return out;
}

std::optional<v1::EnforcementStage> NextStage(
    const std::vector<v1::EnforcementStage>& stages,
    v1::EnforcementStage stage) {
  auto it = std::find(stages.begin(), stages.end(), stage);
  if (it == stages.end() || it + 1 == stages.end()) return std::nullopt;
  return *(it + 1);
}

std::vector<PolicyEvent> EvaluatePolicy(
    const ContractState& state, const v1::ContractProgress& progress,
    const std::vector<v1::EnforcementStage>& stages) {
  std::vector<PolicyEvent> out;
  const EnforcementState& e = state.enforcement;
  const absl::Time as_of = absl::FromUnixMicros(progress.as_of().unix_micros());
  for (const v1::CommitmentProgress& c : progress.commitments()) {
    const std::string& id = c.commitment_id();
    auto recorded = e.recorded_status.find(id);
    // Every commitment starts ON_TRACK (too early to judge): only changes
    // from there are recorded.
    const v1::CommitmentStatus before =
        recorded == e.recorded_status.end() ? v1::ON_TRACK : recorded->second;
    if (c.status() != before) {
      v1::CommitmentStatusChanged changed;
      changed.set_commitment_id(id);
      changed.set_from(before);
      changed.set_to(c.status());
      *changed.mutable_as_of() = progress.as_of();
      auto n = e.status_changes.find(id);
      out.push_back(Propose(
          changed,
          absl::StrCat("status/", id, "/",
                       (n == e.status_changes.end() ? 0 : n->second) + 1)));
    }

    const auto* open = OpenCase(e, id);
    if (open == nullptr) {
      // A council's close holds until the status changes (here or before).
      const bool held = e.held.contains(id) && c.status() == before;
      if (!held && !state.closed) {
        if (std::optional<v1::EnforcementCaseOpened> opened =
                CaseToOpen(state, c, stages, progress.as_of(), false)) {
          out.push_back(Propose(
              *opened, absl::StrCat("case/", opened->case_id(), "/opened")));
        }
      }
      continue;
    }
    const std::string& case_id = open->first;
    const CaseRecord& record = open->second;
    if (Recovered(c.status()) || c.status() == v1::WITHDRAWN) {
      v1::EnforcementCaseClosed closed;
      closed.set_case_id(case_id);
      closed.set_reason(c.status() == v1::WITHDRAWN ? v1::COMMITMENT_WITHDRAWN
                                                    : v1::RECOVERED);
      closed.set_note(absl::StrCat("commitment is ",
                                   v1::CommitmentStatus_Name(c.status())));
      *closed.mutable_as_of() = progress.as_of();
      out.push_back(Propose(closed, absl::StrCat("case/", case_id, "/closed")));
      continue;
    }
    if (!state.closed && record.stage == v1::REMEDIATION_PLAN &&
        record.agreed_date &&
        as_of >= StartOfDay(*record.agreed_date) + absl::Hours(24)) {
      if (std::optional<v1::EnforcementStage> next =
              NextStage(stages, record.stage)) {
        v1::EnforcementCaseEscalated escalated;
        escalated.set_case_id(case_id);
        escalated.set_from(record.stage);
        escalated.set_to(*next);
        const v1::Date& d = *record.agreed_date;
        escalated.set_reason(absl::StrFormat(
            "the remediation plan's agreed date %04d-%02d-%02d passed and the "
            "commitment is %s",
            d.year(), d.month(), d.day(),
            v1::CommitmentStatus_Name(c.status())));
        *escalated.mutable_as_of() = progress.as_of();
        out.push_back(
            Propose(escalated, absl::StrCat("case/", case_id, "/escalated/",
                                            v1::EnforcementStage_Name(*next))));
      }
    }
  }
  return out;
}

namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// The open case `case_id` names, or why not.
absl::StatusOr<const CaseRecord*> CaseToAct(const ContractState& state,
                                            const std::string& case_id) {
  if (!state.registered) return NotRegisteredError();
  if (absl::StatusOr<CaseRef> ref = ParseCaseId(case_id); !ref.ok()) {
    return ref.status();
  }
  auto it = state.enforcement.cases.find(case_id);
  if (it == state.enforcement.cases.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("case_id: no case '", case_id, "'"));
  }
  if (it->second.closed) {
    return absl::FailedPreconditionError(
        absl::StrCat("case_id: case '", case_id, "' is closed"));
  }
  return &it->second;
}

}  // namespace

absl::StatusOr<v1::EnforcementActionRecorded> DecideRecordAction(
    const ContractState& state, const v1::EnforcementActionRecorded& command,
    const std::vector<v1::EnforcementStage>& stages) {
  absl::StatusOr<const CaseRecord*> c = CaseToAct(state, command.case_id());
  if (!c.ok()) return c.status();
  if (absl::Status s = CheckText(command.note(), "note", false); !s.ok()) {
    return s;
  }
  if (!v1::EnforcementStage_IsValid(command.stage())) {
    return Invalid("stage", absl::StrCat("unknown value ", command.stage()));
  }
  v1::EnforcementActionRecorded out = command;
  if (out.stage() == v1::ENFORCEMENT_STAGE_UNSPECIFIED) {
    out.set_stage((*c)->stage);
  }
  auto at = std::find(stages.begin(), stages.end(), out.stage());
  if (at == stages.end()) {
    return Invalid("stage", absl::StrCat(v1::EnforcementStage_Name(out.stage()),
                                         " is not on this framework's ladder"));
  }
  const auto current = std::find(stages.begin(), stages.end(), (*c)->stage);
  if (at < current) {
    return Invalid("stage",
                   absl::StrCat("the case is already at ",
                                v1::EnforcementStage_Name((*c)->stage)));
  }
  if (absl::Status s = CheckText(command.skip_reason(), "skip_reason", false);
      !s.ok()) {
    return s;
  }
  if (current != stages.end() && at > current + 1 &&
      command.skip_reason().empty()) {
    return Invalid(
        "skip_reason",
        absl::StrCat("required: ", v1::EnforcementStage_Name(out.stage()),
                     " skips stages after ",
                     v1::EnforcementStage_Name((*c)->stage)));
  }
  if (at <= current + 1 && !command.skip_reason().empty()) {
    return Invalid("skip_reason", "only for an action that skips stages");
  }
  if (out.stage() == v1::REMEDIATION_PLAN && !out.has_agreed_date() &&
      !(*c)->agreed_date) {
    return Invalid("agreed_date", "a remediation plan needs one");
  }
  if (out.has_agreed_date()) {
    if (absl::StatusOr<absl::CivilDay> day =
            ToCivilDay(out.agreed_date(), "agreed_date");
        !day.ok()) {
      return day.status();
    }
  }
  if (out.stage() == v1::FINANCIAL_REMEDY && out.amount().pence() <= 0 &&
      (*c)->stage != v1::FINANCIAL_REMEDY) {
    return Invalid("amount", "a financial remedy needs an amount above 0");
  }
  if (out.amount().pence() < 0)
    return Invalid("amount", "must not be negative");
  return out;
}

absl::StatusOr<v1::EnforcementCaseClosed> DecideCloseCase(
    const ContractState& state, const v1::EnforcementCaseClosed& command) {
  absl::StatusOr<const CaseRecord*> c = CaseToAct(state, command.case_id());
  if (!c.ok()) return c.status();
  switch (command.reason()) {
    case v1::REMEDIED:
    case v1::WAIVED:
    case v1::TERMINATED:
      break;
    default:
      return Invalid("reason", "REMEDIED, WAIVED or TERMINATED");
  }
  if (absl::Status s = CheckText(command.note(), "note", true); !s.ok()) {
    return s;
  }
  v1::EnforcementCaseClosed out = command;
  out.clear_as_of();  // the recorded time says when
  return out;
}

absl::StatusOr<v1::PerformanceAssessmentRecorded> DecideRecordAssessment(
    const ContractState& state,
    const v1::PerformanceAssessmentRecorded& command, absl::Time now) {
  if (!state.registered) return NotRegisteredError();
  if (command.rating() == v1::KPI_RATING_UNSPECIFIED ||
      !v1::KpiRating_IsValid(command.rating())) {
    return Invalid("rating",
                   "GOOD, APPROACHING_TARGET, REQUIRES_IMPROVEMENT or "
                   "INADEQUATE");
  }
  if (absl::Status s = CheckText(command.evidence(), "evidence", true);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::CivilDay> day =
      ToCivilDay(command.assessed_on(), "assessed_on");
  if (!day.ok()) return day.status();
  absl::StatusOr<absl::CivilDay> start =
      ToCivilDay(state.contract.start(), "start");
  if (start.ok() && *day < *start) {
    return Invalid("assessed_on", "before the contract's start");
  }
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  if (*day > today) {
    return Invalid("assessed_on",
                   absl::StrCat(absl::FormatCivilTime(*day),
                                " is in the future (today is ",
                                absl::FormatCivilTime(today), ")"));
  }
  return command;
}

v1::KpiRating RateKpis(const v1::ContractProgress& progress) {
  int live = 0, good = 0;
  for (const v1::CommitmentProgress& c : progress.commitments()) {
    if (c.status() == v1::WITHDRAWN) continue;
    ++live;
    if (Recovered(c.status())) ++good;
  }
  if (live == 0) return v1::KPI_RATING_UNSPECIFIED;
  // Compared as integers: good / live >= p% without rounding error.
  auto at_least = [&](int percent) { return good * 100 >= percent * live; };
  if (at_least(95)) return v1::GOOD;
  if (at_least(91)) return v1::APPROACHING_TARGET;
  if (at_least(86)) return v1::REQUIRES_IMPROVEMENT;
  return v1::INADEQUATE;
}

v1::Date NextAssessmentDue(const ContractState& state) {
  v1::Date from = state.contract.start();
  absl::CivilDay latest;
  bool any = false;
  for (const v1::PerformanceAssessmentRecorded& a :
       state.enforcement.assessments) {
    absl::StatusOr<absl::CivilDay> day = ToCivilDay(a.assessed_on(), "");
    if (day.ok() && (!any || *day > latest)) {
      latest = *day;
      any = true;
      from = a.assessed_on();
    }
  }
  const absl::CivilDay due =
      AddMonths(absl::CivilDay(from.year(), from.month(), from.day()), 12);
  return MakeDate(static_cast<int>(due.year()), due.month(), due.day());
}

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth month = absl::CivilMonth(day) + months;
  // The month's last day: the day before the next month's first.
  const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  if (day.day() > last.day()) return last;
  return absl::CivilDay(month.year(), month.month(), day.day());
}

absl::StatusOr<Decision> DecideCloseContract(
    const ContractState& state, const v1::ContractClosed& command,
    const v1::MeasureLibrary& library,
    const std::vector<v1::EnforcementStage>& stages, absl::Time now) {
  if (!state.registered) return NotRegisteredError();
  if (state.closed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "contract '", state.contract.contract_id(), "' is closed"));
  }
  if (absl::Status s = CheckText(command.reason(), "reason", false); !s.ok()) {
    return s;
  }
  v1::ContractClosed event = command;
  event.set_closed_at_unix_micros(absl::ToUnixMicros(now));
  Decision decision{ToNewEvent(event)};
  // Judged as the projection will judge it once closed: as of now, finally.
  ContractState closed = state;
  closed.closed = true;
  closed.closed_at = now;
  const v1::ContractProgress progress =
      BuildContractProgress(closed, library, now);
  for (const v1::CommitmentProgress& c : progress.commitments()) {
    // The council's own close of an earlier case does not hold here: the
    // close is a new judgement.
    if (std::optional<v1::EnforcementCaseOpened> opened =
            CaseToOpen(state, c, stages, progress.as_of(), true)) {
      decision.push_back(ToNewEvent(*opened));
    }
  }
  return decision;
}

}  // namespace svledger::domain
