#ifndef SVLEDGER_DOMAIN_CASES_H_
#define SVLEDGER_DOMAIN_CASES_H_

// Enforcement cases as views (proto/svledger/v1/cases.proto): when a case's
// next step is due, whether it is overdue, how cases are filtered and
// ordered for the enforcement queue, and a case's history from its
// contract's stream. Pure functions of plain data; `now` is an argument.
//
// Due: at REMEDIATION_PLAN with an agreed date, the end of that day (the
// policy escalates the case once it passes); at every other stage, the
// ladder's stage_days (default 30) after the case reached the stage. An
// open case past its due time is overdue: the council's next step, or the
// supplier's, is late.
//
// Order (most severe first): open before closed, then the higher stage,
// then overdue before not, then the oldest, then by contract and case id.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/contract.h"
#include "svledger/v1/cases.pb.h"

namespace svledger::domain {

// Days a case may stay at a stage: the ladder's stage_days, or 30.
int StageDays(const v1::EscalationLadder& ladder);

// When the next step of case `c` is due (see above).
absl::Time CaseDue(const CaseRecord& c, int stage_days);

// The view of case `case_id` (a case of `state`) at `now`, without its
// history.
v1::EnforcementCase BuildCase(const ContractState& state,
                              const std::string& case_id, const CaseRecord& c,
                              int stage_days, absl::Time now);

// If the event (one of the contract's stream) is a change of `view`'s case,
// appends it to view's history and returns true. INVALID_ARGUMENT if its
// payload cannot be parsed.
absl::StatusOr<bool> AddCaseHistory(v1::EnforcementCase& view,
                                    absl::string_view type,
                                    absl::string_view payload,
                                    uint64_t position, absl::Time recorded,
                                    absl::string_view actor);

// Which cases a list shows; empty fields match all.
struct CaseFilter {
  std::string council;
  std::string contract_id;
  std::string supplier_id;
  v1::CaseState state = v1::CASE_STATE_UNSPECIFIED;
  v1::EnforcementStage stage = v1::ENFORCEMENT_STAGE_UNSPECIFIED;
  bool overdue_only = false;
};
bool Matches(const CaseFilter& filter, const v1::EnforcementCase& c);

// Whether `a` comes before `b` in the enforcement queue (see above).
bool MoreSevere(const v1::EnforcementCase& a, const v1::EnforcementCase& b);

// A case's place in the order, as a page token carries it: the next page
// starts after it, even if cases were added or moved meanwhile.
struct CasePlace {
  bool open = false;
  int stage = 0;
  bool overdue = false;
  int64_t opened_unix_micros = 0;
  std::string contract_id;
  std::string case_id;
};
CasePlace PlaceOf(const v1::EnforcementCase& c);
std::string CasePageToken(const CasePlace& place);
// INVALID_ARGUMENT naming page_token if `token` is malformed.
absl::StatusOr<CasePlace> ParseCasePageToken(absl::string_view token);
// Whether `c` comes after `place` in the order.
bool After(const CasePlace& place, const v1::EnforcementCase& c);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_CASES_H_
