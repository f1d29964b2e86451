#ifndef SVLEDGER_DOMAIN_PROGRESS_H_
#define SVLEDGER_DOMAIN_PROGRESS_H_

// Progress against promise as plain data: the views of one contract, of a
// council's contracts rolled up by theme, outcome and measure, and of a
// supplier's contracts (proto/svledger/v1/progress.proto). Pure functions of
// the contract state, the measure library, the frameworks and an as-of
// time; no RocksDB, no gRPC, no clock.
//
// £ of social value: each commitment's quantity x its measure's proxy value
// (read exactly, Decimal::FromLegacyDouble), rounded to the penny, halves
// away from zero (RoundToPence); totals add those pence.
//
// Quantities of different units are never added together: a theme or an
// outcome is summarised by its commitments' statuses, its delivery score and
// its £ (where measures have proxy values). Only a measure's own rollup adds
// quantities: totals for SUM measures, means for LATEST and RATIO ones.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "domain/contract.h"
#include "domain/standing.h"
#include "domain/status_rules.h"
#include "svledger/v1/framework.pb.h"
#include "svledger/v1/progress.pb.h"

namespace svledger::domain {

v1::CommitmentStatus ToProto(CommitmentStatus status);

// The progress of every commitment of `state` judged at `as_of`, with the
// contract's worst status, delivery score and £ totals. Measures are looked
// up in `library`; a measure it lacks is shown by id, summed. `position` is
// not set.
v1::ContractProgress BuildContractProgress(const ContractState& state,
                                           const v1::MeasureLibrary& library,
                                           absl::Time as_of);

// The one-line summary of a contract's progress (for lists).
v1::ContractSummary Summarize(const v1::ContractProgress& progress);

// A framework version by (id, version), or null if none is published.
using FrameworkLookup =
    absl::FunctionRef<const v1::Framework*(const std::string&, uint32_t)>;

// Rolls up `contracts` (the progress of one council's contracts, judged at
// one time) by theme, outcome and measure. The summary follows the
// structure of `latest`, the framework's latest version. Each commitment is
// placed under every outcome that names its measure in its contract's own
// framework version (from `lookup`; `latest` if that version is unknown).
// A commitment whose measure no outcome names, or whose outcome the latest
// version no longer has, counts in `unmapped`. A commitment counts once in a
// theme even if two of its outcomes name the measure.
v1::CouncilSummary BuildCouncilSummary(
    const v1::Framework& latest, FrameworkLookup lookup,
    const std::vector<v1::ContractProgress>& contracts);

// Rolls up a supplier's contracts: totals, each contract's summary, the
// supplier's promises and deliveries by measure, and its standing by `rule`
// (domain/standing.h).
v1::SupplierScorecard BuildSupplierScorecard(
    absl::string_view supplier_id,
    const std::vector<v1::ContractProgress>& contracts,
    const StandingRule& rule = {});

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_PROGRESS_H_
