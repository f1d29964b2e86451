#include "domain/framework_change.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "domain/enforcement.h"
#include "domain/framework_catalog.h"
#include "domain/progress.h"

namespace svledger::domain {

absl::StatusOr<v1::ContractFrameworkChanged> DecideChangeFramework(
    const ContractState& state, uint32_t version, const v1::Framework* to,
    const v1::MeasureLibrary& from_library,
    const v1::MeasureLibrary& to_library, absl::string_view reason,
    absl::Time now) {
  if (!state.registered) return NotRegisteredError();
  if (state.closed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "contract '", state.contract.contract_id(), "' is closed"));
  }
  if (absl::Status s = CheckText(reason, "reason", true); !s.ok()) return s;
  if (version == 0) {
    return absl::InvalidArgumentError("version: must be 1 or more");
  }
  const v1::FrameworkRef& from = state.contract.framework();
  if (version <= from.version()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "version: the contract is under '", from.id(), "' version ",
        from.version(), "; move it only to a later version"));
  }
  if (to == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "version: '", from.id(), "' version ", version, " is not published"));
  }
  for (const auto& [id, c] : state.commitments) {
    if (c.withdrawn) continue;
    const v1::Measure* now_measure =
        FindMeasure(to_library, c.terms.measure_id());
    if (now_measure == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version: its measure library (version ", to_library.version(),
          ") has no measure '", c.terms.measure_id(), "', which commitment '",
          id, "' names"));
    }
    const v1::Measure* old = FindMeasure(from_library, c.terms.measure_id());
    if (old != nullptr && (old->unit() != now_measure->unit() ||
                           old->aggregation() != now_measure->aggregation())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version: measure '", c.terms.measure_id(), "' of commitment '", id,
          "' is counted differently there (", v1::Unit_Name(old->unit()), "/",
          v1::Aggregation_Name(old->aggregation()), " -> ",
          v1::Unit_Name(now_measure->unit()), "/",
          v1::Aggregation_Name(now_measure->aggregation()), ")"));
    }
  }
  // Open cases climb the new version's ladder from where they are.
  const std::vector<v1::EnforcementStage> stages =
      LadderStages(to->escalation());
  for (const auto& [case_id, c] : state.enforcement.cases) {
    if (c.closed) continue;
    if (std::find(stages.begin(), stages.end(), c.stage) == stages.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version: open case '", case_id, "' is at ",
          v1::EnforcementStage_Name(c.stage),
          ", which that version's escalation ladder does not have; close "
          "the case first"));
    }
  }
  v1::ContractFrameworkChanged event;
  *event.mutable_from() = from;
  event.mutable_to()->set_id(from.id());
  event.mutable_to()->set_version(version);
  event.set_reason(std::string(reason));
  event.set_from_library_version(from_library.version());
  event.set_to_library_version(to_library.version());
  event.mutable_as_of()->set_unix_micros(absl::ToUnixMicros(now));
  // Named: a range-for over a temporary's member would outlive it.
  v1::ContractProgress before = BuildContractProgress(state, from_library, now);
  v1::ContractProgress after = BuildContractProgress(state, to_library, now);
  for (auto [from_view, into] : {std::pair{&before, event.mutable_before()},
                                 std::pair{&after, event.mutable_after()}}) {
    for (v1::CommitmentProgress& c : *from_view->mutable_commitments()) {
      // The figures only: the free text is in the commitment's own events
      // (and would make a large contract's event too big to record).
      c.clear_open_case_id();
      c.clear_case_stage();
      c.clear_measure_wording();
      c.clear_locality();
      *into->Add() = std::move(c);
    }
  }
  return event;
}

}  // namespace svledger::domain
