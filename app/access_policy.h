#ifndef SVLEDGER_APP_ACCESS_POLICY_H_
#define SVLEDGER_APP_ACCESS_POLICY_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "app/caller.h"
#include "svledger/v1/contract.pb.h"

namespace svledger::app {

// What a front door offers, grouped by who may do it. The table in
// access_policy.cc says, for each operation and role, whether the role may
// do it on everything, only within its scope, or not at all. It is the only
// place that says so: every command and query of app/ asks it.
enum class Operation {
  kAppendEvents,          // EventLog.Append (non-reserved streams)
  kReadLog,               // EventLog.ReadStream, ReadAll, Subscribe
  kPublishFrameworks,     // FrameworkService.Publish*
  kReadFrameworks,        // ListFrameworks, GetFramework, RecommendWeighting
  kRegisterContract,      // ContractService.RegisterContract
  kManageContract,        // AddCommitments, Amend, Withdraw, Close,
                          // ChangeFramework
  kReportDelivery,        // ContractService.ReportDelivery
  kVerifyDelivery,        // VerifyDelivery, RejectDelivery
  kEnforce,               // RecordAction, CloseCase, RecordAssessment
  kReadContract,          // progress, deliveries, cases, alerts, watches
  kReadCouncil,           // GetCouncilSummary
  kReadSupplier,          // GetSupplierScorecard
  kOperateProjections,    // AdminService.RebuildProjection
  kReadProjectionStatus,  // AdminService.GetProjectionStatus
  kManageRoles,           // AdminService.GrantRole, RevokeRole, List
  kWhoAmI,                // AdminService.WhoAmI: any authenticated caller
  kReadLogHead,           // AdminService.GetLogHead: every role
  kVerifyLog,             // AdminService.VerifyLog
  kOperateBackups,        // AdminService.*Backup*
};

// The parties of what an operation acts on: a contract's council
// (framework id) and supplier. For a council summary only the council is
// set; for a scorecard only the supplier.
struct Target {
  std::string council;
  std::string supplier;
};

// The parties of a registered contract.
inline Target TargetOf(const v1::ContractRegistered& contract) {
  return {contract.framework().id(), contract.supplier_id()};
}

// OK if some role the caller holds may do `op` at all. PERMISSION_DENIED
// otherwise, saying which roles may and what the caller holds.
absl::Status MayDo(const Caller& caller, Operation op);

// OK if the caller may do `op` on `target`: a role with the operation on
// everything, or with it in scope and the target within that scope (a
// manager's council, a supplier's own id). PERMISSION_DENIED otherwise,
// naming the role and scope that would be needed.
absl::Status MayDoOn(const Caller& caller, Operation op, const Target& target);

// What of `op`'s results a caller may see, for list queries and streams,
// which leave out what it may not see rather than failing.
struct Visibility {
  bool all = false;
  std::set<std::string> councils;   // contracts of these councils
  std::set<std::string> suppliers;  // contracts of these suppliers

  bool Sees(const Target& target) const {
    return all || councils.contains(target.council) ||
           suppliers.contains(target.supplier);
  }
  bool nothing() const { return !all && councils.empty() && suppliers.empty(); }
};
Visibility VisibleTo(const Caller& caller, Operation op);

// The visibility of a list query filtered by `council` and `supplier`
// (either may be empty: no filter). PERMISSION_DENIED, as MayDoOn, when
// the caller may not do `op` at all or the filter names a council or
// supplier wholly outside what it sees: asking for another supplier's
// contracts is refused, not answered empty.
absl::StatusOr<Visibility> VisibleListing(const Caller& caller, Operation op,
                                          const std::string& council,
                                          const std::string& supplier);

// The operation's name in errors, e.g. "verify or reject a delivery".
const char* OperationName(Operation op);

}  // namespace svledger::app

#endif  // SVLEDGER_APP_ACCESS_POLICY_H_
