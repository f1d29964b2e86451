#ifndef SVLEDGER_DOMAIN_FRAMEWORK_CHANGE_H_
#define SVLEDGER_DOMAIN_FRAMEWORK_CHANGE_H_

// Moving a contract to a later version of its framework: the only way the
// measure definitions a contract is judged by change (a framework version
// pins a measure library version; publishing new versions changes no
// existing contract). Pure: no RocksDB, no gRPC, no clock.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/contract.h"
#include "svledger/v1/framework.pb.h"
#include "svledger/v1/framework_change.pb.h"

namespace svledger::domain {

// The event moving `state`'s contract to framework version `to` (null: not
// published), judged at `now`: every commitment's progress under
// `from_library` (the library it is judged by now) and under `to_library`
// (the one `to` pins). Errors: INVALID_ARGUMENT for a missing `reason` or
// a version of 0 ("version"); FAILED_PRECONDITION for a closed contract, a
// version not published or not later than the contract's ("version"), a
// commitment whose measure `to_library` lacks or measures in another unit
// or aggregation ("version", naming the commitment), or an open case at a
// stage `to`'s ladder lacks. The event's figures carry no free text
// (wording, locality).
absl::StatusOr<v1::ContractFrameworkChanged> DecideChangeFramework(
    const ContractState& state, uint32_t version, const v1::Framework* to,
    const v1::MeasureLibrary& from_library,
    const v1::MeasureLibrary& to_library, absl::string_view reason,
    absl::Time now);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_FRAMEWORK_CHANGE_H_
