#ifndef SVLEDGER_APP_CASE_QUERIES_H_
#define SVLEDGER_APP_CASE_QUERIES_H_

#include "absl/status/statusor.h"
#include "app/caller.h"
#include "app/framework_store.h"
#include "common/clock.h"
#include "eventstore/event_store.h"
#include "projections/contract_read_model.h"
#include "svledger/v1/enforcement_service.pb.h"

namespace svledger::app {

// The queries of EnforcementService, without gRPC: the enforcement queue
// and one case with its history, built by domain/cases.h from the contract
// read model, judged at the clock's now. min_position is the gRPC edge's
// business.
//
// The caller's scope applies as in ProgressQueries: PERMISSION_DENIED for a
// contract outside it; a list leaves out what the caller may not see.
//
// Errors: INVALID_ARGUMENT naming the field; NOT_FOUND for an unknown
// contract or case.
//
// Thread-safe. Everything passed in must outlive it.
class CaseQueries {
 public:
  CaseQueries(const eventstore::EventStore* store,
              projections::ContractReadModel* model,
              const FrameworkStore* frameworks, Clock* clock);

  // Cases matching the request's filters, most severe first, paged (at
  // most kMaxPageSize a page).
  absl::StatusOr<v1::ListCasesResponse> ListCases(
      const Caller& caller, const v1::ListCasesRequest& request) const;

  // The case with every event of its history up to the read model's
  // applied position, read from the contract's stream.
  absl::StatusOr<v1::EnforcementCase> GetCase(
      const Caller& caller, const v1::GetCaseRequest& request) const;

 private:
  // Days a case of `state` may stay at a stage, by its framework's ladder.
  int StageDaysOf(const domain::ContractState& state) const;

  const eventstore::EventStore* const store_;
  projections::ContractReadModel* const model_;
  const FrameworkStore* const frameworks_;
  Clock* const clock_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_CASE_QUERIES_H_
