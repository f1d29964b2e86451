#ifndef SVLEDGER_APP_PROJECTION_ADMIN_H_
#define SVLEDGER_APP_PROJECTION_ADMIN_H_

#include "absl/status/statusor.h"
#include "app/caller.h"
#include "eventstore/event_store.h"
#include "projections/contract_read_model.h"
#include "svledger/v1/admin_service.pb.h"

namespace svledger::app {

// An operator's view of the projections: rebuilding one from the log, and
// how far each has applied it. There is one projection, "contracts".
//
// Errors: PERMISSION_DENIED as the access policy says (app/access_policy.h);
// NOT_FOUND naming `name` for an unknown projection;
// FAILED_PRECONDITION for a rebuild while one runs.
//
// Thread-safe. Everything passed in must outlive it.
class ProjectionAdmin {
 public:
  ProjectionAdmin(const eventstore::EventStore* store,
                  projections::ContractReadModel* model)
      : store_(store), model_(model) {}

  // Starts rebuilding projection `name` in the background
  // (kOperateProjections).
  absl::Status Rebuild(const Caller& caller, const std::string& name);

  // kReadProjectionStatus.
  absl::StatusOr<v1::ProjectionStatus> Status(const Caller& caller,
                                              const std::string& name) const;

 private:
  const eventstore::EventStore* const store_;
  projections::ContractReadModel* const model_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_PROJECTION_ADMIN_H_
