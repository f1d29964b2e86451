#ifndef SVLEDGER_DOMAIN_ENFORCEMENT_STATE_H_
#define SVLEDGER_DOMAIN_ENFORCEMENT_STATE_H_

// The enforcement part of a contract's state, as plain data: its cases,
// the commitment statuses the policy last recorded, and its performance
// assessments. Built by Apply (domain/contract.h) from the enforcement
// events of the contract's stream (proto/svledger/v1/enforcement.proto);
// the policy's rules are in domain/enforcement.h.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "svledger/v1/enforcement.pb.h"

namespace svledger::domain {

struct CaseRecord {
  v1::EnforcementCaseOpened opened;
  v1::EnforcementStage stage = v1::ENFORCEMENT_STAGE_UNSPECIFIED;
  // The latest remediation plan's agreed date, if any.
  std::optional<v1::Date> agreed_date;
  bool closed = false;
  v1::CaseCloseReason close_reason = v1::CASE_CLOSE_REASON_UNSPECIFIED;
  int64_t opened_unix_micros = 0;  // when the case was opened (trigger)
  // When the case reached its current stage: opened, escalated by the
  // policy (its as-of time) or moved up by an action (recorded time).
  int64_t stage_since_unix_micros = 0;
  int64_t closed_unix_micros = 0;  // recorded time of the closing event
  int64_t remedy_pence = 0;        // FINANCIAL_REMEDY amounts, summed
  int actions = 0;                 // actions the manager recorded
};

struct EnforcementState {
  std::map<std::string, CaseRecord> cases;  // by case id
  // Cases ever opened per commitment: the next case of commitment c is
  // "c#<count + 1>".
  std::map<std::string, int> cases_opened;
  // The status last recorded by CommitmentStatusChanged, per commitment.
  std::map<std::string, v1::CommitmentStatus> recorded_status;
  // Status changes recorded per commitment (numbers the next one).
  std::map<std::string, int> status_changes;
  std::vector<v1::PerformanceAssessmentRecorded> assessments;
  // Commitments whose last case the council closed (REMEDIED, WAIVED,
  // TERMINATED): the council's decision stands, so no new case opens for
  // them until their status changes.
  std::set<std::string> held;
};

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_ENFORCEMENT_STATE_H_
