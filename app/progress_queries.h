#ifndef SVLEDGER_APP_PROGRESS_QUERIES_H_
#define SVLEDGER_APP_PROGRESS_QUERIES_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "app/access_policy.h"
#include "app/caller.h"
#include "app/framework_store.h"
#include "common/clock.h"
#include "domain/standing.h"
#include "eventstore/event_store.h"
#include "projections/contract_read_model.h"
#include "svledger/v1/progress_service.pb.h"

namespace svledger::app {

// Limits on what query clients control.
inline constexpr uint32_t kDefaultPageSize = 50;
inline constexpr uint32_t kMaxPageSize = 500;

// The queries of ProgressService, without gRPC: each validates its request
// and builds its view from the contract read model (now) or from the log
// (as of a past date). min_position is the gRPC edge's business.
//
// Each takes the caller and asks the access policy: PERMISSION_DENIED for
// a contract, council or supplier outside the caller's scope (naming the
// role and scope needed); lists leave out what the caller may not see,
// and refuse a filter wholly outside its scope.
//
// Errors: INVALID_ARGUMENT naming the field; NOT_FOUND for an unknown
// contract, council framework, framework version or supplier.
//
// Thread-safe. Everything passed in must outlive it.
class ProgressQueries {
 public:
  ProgressQueries(const eventstore::EventStore* store,
                  projections::ContractReadModel* model,
                  const FrameworkStore* frameworks, Clock* clock,
                  domain::StandingRule standing = {});

  // Without as_of: the projection's state judged now. With as_of: the
  // contract's stream replayed up to the end of that date (UTC) and judged
  // then.
  absl::StatusOr<v1::ContractProgress> ContractProgress(
      const Caller& caller,
      const v1::GetContractProgressRequest& request) const;

  absl::StatusOr<v1::ListContractsResponse> ListContracts(
      const Caller& caller, const v1::ListContractsRequest& request) const;

  // Reported deliveries matching the filters, oldest report first, with
  // who reported and who decided each (app/delivery_queries.cc). A
  // contract_id the caller may not read is PERMISSION_DENIED; an unknown
  // one or an unknown council NOT_FOUND (naming the known councils).
  absl::StatusOr<v1::ListDeliveriesResponse> ListDeliveries(
      const Caller& caller, const v1::ListDeliveriesRequest& request) const;

  // With as_of, each of the council's contracts is replayed as above.
  absl::StatusOr<v1::CouncilSummary> CouncilSummary(
      const Caller& caller, const v1::GetCouncilSummaryRequest& request) const;

  absl::StatusOr<v1::SupplierScorecard> SupplierScorecard(
      const Caller& caller,
      const v1::GetSupplierScorecardRequest& request) const;

  // Progress of one contract now, for WatchContract. NOT_FOUND if unknown.
  absl::StatusOr<v1::ContractProgress> CurrentProgress(
      const Caller& caller, const std::string& contract_id) const;

  absl::StatusOr<v1::ListFrameworksResponse> ListFrameworks(
      const Caller& caller) const;
  absl::StatusOr<v1::GetFrameworkResponse> GetFramework(
      const Caller& caller, const v1::GetFrameworkRequest& request) const;

  // Reading your own writes: the log position the read model has applied,
  // to wait on (a command's position, passed back as min_position).
  eventstore::HeadWatcher& applied() const { return model_->applied(); }

  // OK if `contract_id` is well-formed for a watch (WatchContract) and the
  // caller may read it; INVALID_ARGUMENT naming contract_id or
  // PERMISSION_DENIED otherwise. Whether the contract exists is
  // CurrentProgress's to say (NOT_FOUND).
  absl::Status CheckWatch(const Caller& caller,
                          const std::string& contract_id) const;

  // Calls `changed` whenever the read model applies a batch that changes
  // contract `contract_id` (and after a rebuild), on the applying thread:
  // it must not block. Returns an id for StopWatching.
  uint64_t WatchContract(std::string contract_id,
                         std::function<void()> changed) const;
  void StopWatching(uint64_t id) const;

 private:
  // The contract as the log held it at `as_of`; NOT_FOUND if it was not
  // registered by then.
  absl::StatusOr<domain::ContractState> StateAsOf(
      const std::string& contract_id, absl::Time as_of) const;

  const eventstore::EventStore* const store_;
  projections::ContractReadModel* const model_;
  const FrameworkStore* const frameworks_;
  Clock* const clock_;
  const domain::StandingRule standing_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_PROGRESS_QUERIES_H_
