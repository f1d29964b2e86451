#ifndef SVLEDGER_DOMAIN_ENFORCEMENT_H_
#define SVLEDGER_DOMAIN_ENFORCEMENT_H_

// Enforcement as pure functions of plain data: what the enforcement policy
// appends to a contract's stream when a commitment falls short, recovers
// or lets a remediation plan's date pass; the Procurement Act 2023 KPI
// rating; when the next annual performance assessment is due. No RocksDB,
// no gRPC, no clock: the as-of time is an argument.
//
// The policy, for each live commitment judged at `as_of`:
//   - its status differs from the one last recorded (ON_TRACK, where every
//     commitment starts, if none was): CommitmentStatusChanged (so changes
//     caused by time alone are in the log, for alerts);
//   - OFF_TRACK or MISSED with no open case: EnforcementCaseOpened at the
//     ladder's first stage, case id "<commitment>#<n>"; except when the
//     council closed the last case (REMEDIED, WAIVED, TERMINATED) and the
//     status has not changed since: the council's decision stands;
//   - ON_TRACK or MET with an open case: EnforcementCaseClosed, RECOVERED;
//   - an open case at REMEDIATION_PLAN whose agreed date has passed (the
//     end of that day) without recovery: EnforcementCaseEscalated to the
//     ladder's next stage, with the reason;
//   - withdrawn with an open case: EnforcementCaseClosed,
//     COMMITMENT_WITHDRAWN.
// A contract with an onboarding date (ContractRegistered.onboarded) gets no
// case before that day: its first returns are the baseline.
//
// Closing (DecideCloseContract) is a last judgement, whatever the timing
// of the commands before it: the contract is judged as of the close as a
// final judgement (domain/contract.h, AssessContract: a commitment due by
// then is MET or MISSED, the grace for late reports ending with the close;
// one due later is judged on its expected-to-date), and every commitment
// OFF_TRACK or MISSED then without an open case gets one, in the same
// atomic append as the ContractClosed event (trigger.at_close set). After
// the close no new case opens (the policy only records status changes and
// closes cases that recover or whose commitment is withdrawn); pending
// deliveries can still be verified or rejected; new reports, commitments
// and amendments are refused; open cases stay with the contract manager.
//
// Each event comes with a deterministic key (for its event id,
// domain::PolicyRequestId), so two evaluations of the same state propose
// the same events, and an event the log holds already is never appended
// again (app::ContractCommands::ExecuteKeyed leaves it out).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/contract.h"
#include "svledger/v1/enforcement.pb.h"
#include "svledger/v1/progress.pb.h"

namespace svledger::domain {

inline constexpr char kEnforcementCaseOpened[] = "EnforcementCaseOpened";
inline constexpr char kEnforcementActionRecorded[] =
    "EnforcementActionRecorded";
inline constexpr char kEnforcementCaseEscalated[] = "EnforcementCaseEscalated";
inline constexpr char kEnforcementCaseClosed[] = "EnforcementCaseClosed";
inline constexpr char kCommitmentStatusChanged[] = "CommitmentStatusChanged";
inline constexpr char kPerformanceAssessmentRecorded[] =
    "PerformanceAssessmentRecorded";

// Whether `type` is one of the events above.
bool IsEnforcementEvent(absl::string_view type);

// Applies an enforcement event (called by Apply). INVALID_ARGUMENT, state
// unchanged, for one that cannot be applied.
// `recorded` is the event's recorded time.
absl::Status ApplyEnforcement(ContractState& state, absl::string_view type,
                              absl::string_view payload, absl::Time recorded,
                              Touched& touched);

// The stages of `ladder` in order; the default ladder (NOTICE,
// REMEDIATION_PLAN, FINANCIAL_REMEDY, PERFORMANCE_NOTICE,
// TERMINATION_RECOMMENDED) if it names none.
std::vector<v1::EnforcementStage> LadderStages(
    const v1::EscalationLadder& ladder);

// The stage after `stage` on `stages`, or nullopt at the top (or if
// `stage` is not on it).
std::optional<v1::EnforcementStage> NextStage(
    const std::vector<v1::EnforcementStage>& stages,
    v1::EnforcementStage stage);

// One event the policy proposes: its type, payload, and the key its event
// id is derived from (unique per contract).
struct PolicyEvent {
  std::string type;
  std::string payload;
  std::string key;
};

// What the policy appends for `state`, whose commitments `progress` judged
// at `as_of` (BuildContractProgress). Empty when nothing changed. A closed
// contract's open cases are left to the contract manager.
std::vector<PolicyEvent> EvaluatePolicy(
    const ContractState& state, const v1::ContractProgress& progress,
    const std::vector<v1::EnforcementStage>& stages);

// The contract manager's commands on cases, checked against the state (see
// contract.h for the error codes). Fields are named within the message.

// An action on an open case: at a stage of `stages` no lower than the
// case's (unspecified: the case's own stage, a note only). A
// REMEDIATION_PLAN needs its agreed_date, a FINANCIAL_REMEDY an amount
// above 0; a stage above the case's escalates it; one that skips stages
// of the ladder needs a skip_reason, recorded with it.
absl::StatusOr<v1::EnforcementActionRecorded> DecideRecordAction(
    const ContractState& state, const v1::EnforcementActionRecorded& command,
    const std::vector<v1::EnforcementStage>& stages);

// Closing an open case: REMEDIED, WAIVED or TERMINATED, with a note.
// (RECOVERED and COMMITMENT_WITHDRAWN are the policy's to record.)
absl::StatusOr<v1::EnforcementCaseClosed> DecideCloseCase(
    const ContractState& state, const v1::EnforcementCaseClosed& command);

// An annual performance assessment: a rating, its evidence, its date (on
// or after the contract's start and not after `now`'s day).
absl::StatusOr<v1::PerformanceAssessmentRecorded> DecideRecordAssessment(
    const ContractState& state,
    const v1::PerformanceAssessmentRecorded& command, absl::Time now);

// Closes the contract: the ContractClosed event, then the cases the last
// judgement opens (above). `library`: the one the contract is judged by;
// `stages`: its framework's ladder; `now`: the close.
absl::StatusOr<Decision> DecideCloseContract(
    const ContractState& state, const v1::ContractClosed& command,
    const v1::MeasureLibrary& library,
    const std::vector<v1::EnforcementStage>& stages, absl::Time now);

// The KPI rating from the share of live commitments ON_TRACK or MET;
// unspecified when the contract has no live commitment.
v1::KpiRating RateKpis(const v1::ContractProgress& progress);

// The next annual contract performance assessment: 12 months after the
// latest one recorded, or after the contract's start.
v1::Date NextAssessmentDue(const ContractState& state);

// `day` plus `months` calendar months, on the same day of the month or the
// month's last day if it is shorter (12 months after 29 February is 28
// February).
absl::CivilDay AddMonths(absl::CivilDay day, int months);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_ENFORCEMENT_H_
