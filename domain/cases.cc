#include "domain/cases.h"

#include <string_view>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/enforcement.h"

namespace svledger::domain {
namespace {

constexpr int kDefaultStageDays = 30;

v1::Instant AtMicros(int64_t micros) {
  v1::Instant out;
  out.set_unix_micros(micros);
  return out;
}

// The sort key: smaller comes first.
auto Key(const CasePlace& p) {
  return std::make_tuple(!p.open, -p.stage, !p.overdue, p.opened_unix_micros,
                         std::string_view(p.contract_id),
                         std::string_view(p.case_id));
}

}  // namespace

int StageDays(const v1::EscalationLadder& ladder) {
  return ladder.stage_days() == 0 ? kDefaultStageDays
                                  : static_cast<int>(ladder.stage_days());
}

absl::Time CaseDue(const CaseRecord& c, int stage_days) {
  if (c.stage == v1::REMEDIATION_PLAN && c.agreed_date) {
    return StartOfDay(*c.agreed_date) + absl::Hours(24);
  }
  return absl::FromUnixMicros(c.stage_since_unix_micros) +
         absl::Hours(24) * stage_days;
}

v1::EnforcementCase BuildCase(const ContractState& state,
                              const std::string& case_id, const CaseRecord& c,
                              int stage_days, absl::Time now) {
  v1::EnforcementCase out;
  const v1::ContractRegistered& contract = state.contract;
  out.set_case_id(case_id);
  out.set_contract_id(contract.contract_id());
  out.set_contract_title(contract.title());
  out.set_council(contract.framework().id());  // a council's framework
  out.set_supplier_id(contract.supplier_id());
  out.set_supplier_name(contract.supplier_name());
  out.set_commitment_id(c.opened.commitment_id());
  if (auto it = state.commitments.find(c.opened.commitment_id());
      it != state.commitments.end()) {
    out.set_measure_id(it->second.terms.measure_id());
  }
  out.set_state(c.closed ? v1::CASE_CLOSED : v1::CASE_OPEN);
  out.set_stage(c.stage);
  *out.mutable_trigger() = c.opened.trigger();
  *out.mutable_opened() = AtMicros(c.opened_unix_micros);
  *out.mutable_stage_since() = AtMicros(c.stage_since_unix_micros);
  if (c.agreed_date) *out.mutable_agreed_date() = *c.agreed_date;
  if (c.closed) {
    out.set_close_reason(c.close_reason);
    *out.mutable_closed() = AtMicros(c.closed_unix_micros);
  } else {
    const absl::Time due = CaseDue(c, stage_days);
    *out.mutable_due() = AtMicros(absl::ToUnixMicros(due));
    out.set_overdue(now >= due);
  }
  out.mutable_remedies()->set_pence(c.remedy_pence);
  out.set_actions(c.actions);
  return out;
}

absl::StatusOr<bool> AddCaseHistory(v1::EnforcementCase& view,
                                    absl::string_view type,
                                    absl::string_view payload,
                                    uint64_t position, absl::Time recorded,
                                    absl::string_view actor) {
  v1::CaseEvent event;
  auto parse = [&](google::protobuf::Message* m) {
    return m->ParseFromArray(payload.data(), static_cast<int>(payload.size()));
  };
  bool parsed = true;
  std::string case_id;
  if (type == kEnforcementCaseOpened) {
    parsed = parse(event.mutable_opened());
    case_id = event.opened().case_id();
  } else if (type == kEnforcementActionRecorded) {
    parsed = parse(event.mutable_action());
    case_id = event.action().case_id();
  } else if (type == kEnforcementCaseEscalated) {
    parsed = parse(event.mutable_escalated());
    case_id = event.escalated().case_id();
  } else if (type == kEnforcementCaseClosed) {
    parsed = parse(event.mutable_closed());
    case_id = event.closed().case_id();
  } else {
    return false;
  }
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", type, " at position ", position));
  }
  if (case_id != view.case_id()) return false;
  event.set_position(position);
  event.mutable_recorded()->set_unix_micros(absl::ToUnixMicros(recorded));
  event.set_actor(std::string(actor));
  *view.add_history() = std::move(event);
  return true;
}

bool Matches(const CaseFilter& f, const v1::EnforcementCase& c) {
  if (!f.council.empty() && f.council != c.council()) return false;
  if (!f.contract_id.empty() && f.contract_id != c.contract_id()) return false;
  if (!f.supplier_id.empty() && f.supplier_id != c.supplier_id()) return false;
  if (f.state != v1::CASE_STATE_UNSPECIFIED && f.state != c.state()) {
    return false;
  }
  if (f.stage != v1::ENFORCEMENT_STAGE_UNSPECIFIED && f.stage != c.stage()) {
    return false;
  }
  return !f.overdue_only || c.overdue();
}

CasePlace PlaceOf(const v1::EnforcementCase& c) {
  return {c.state() == v1::CASE_OPEN,
          static_cast<int>(c.stage()),
          c.overdue(),
          c.opened().unix_micros(),
          c.contract_id(),
          c.case_id()};
}

bool MoreSevere(const v1::EnforcementCase& a, const v1::EnforcementCase& b) {
  return Key(PlaceOf(a)) < Key(PlaceOf(b));
}

bool After(const CasePlace& place, const v1::EnforcementCase& c) {
  return Key(place) < Key(PlaceOf(c));
}

// "<open>/<stage>/<overdue>/<opened micros>/<contract id>/<case id>": ids
// never contain '/'.
std::string CasePageToken(const CasePlace& p) {
  return absl::StrCat(p.open ? 1 : 0, "/", p.stage, "/", p.overdue ? 1 : 0, "/",
                      p.opened_unix_micros, "/", p.contract_id, "/", p.case_id);
}

absl::StatusOr<CasePlace> ParseCasePageToken(absl::string_view token) {
  std::vector<std::string> parts = absl::StrSplit(token, '/');
  CasePlace p;
  int open = 0, overdue = 0;
  if (parts.size() != 6 || !absl::SimpleAtoi(parts[0], &open) ||
      !absl::SimpleAtoi(parts[1], &p.stage) ||
      !absl::SimpleAtoi(parts[2], &overdue) ||
      !absl::SimpleAtoi(parts[3], &p.opened_unix_micros)) {
    return absl::InvalidArgumentError("page_token: not one this server issued");
  }
  p.open = open != 0;
  p.overdue = overdue != 0;
  p.contract_id = std::move(parts[4]);
  p.case_id = std::move(parts[5]);
  return p;
}

}  // namespace svledger::domain
