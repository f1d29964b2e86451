#ifndef SVLEDGER_PROJECTIONS_FORMAT_H_
#define SVLEDGER_PROJECTIONS_FORMAT_H_

// The on-disk format of the projections, in one place; projections/README.md
// describes it in prose. Change both together and bump kFormatVersion when
// an existing database could no longer be read correctly (a projection
// database of another version is rebuilt from the log, never misread).
//
// One RocksDB database ("<data dir>/projections"). Column families:
//   default            "format_version" -> decimal ASCII, currently "4"
//                      "active/<name>"  -> decimal generation of the table
//                                          that serves projection <name>
//   "<name>.<gen>"     one table per projection generation; a rebuild
//                      fills generation gen+1 and then makes it active.
//
// The contract progress projection's table ("contracts.<gen>"):
//   "m/checkpoint"            BE64: the last log position applied
//   "m/skipped"               BE64: events counted and skipped
//   "c/<contract>/h"          StoredContract
//   "c/<contract>/m/<id>"     StoredCommitment
//   "c/<contract>/d/<id>"     StoredDelivery
// (records.proto). Ids never contain '/', so each contract's keys are
// contiguous. The checkpoint is written in the same WriteBatch as the
// records the applied events changed.

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "domain/contract.h"
#include "eventstore/format.h"

namespace svledger::projections::format {

inline constexpr int kFormatVersion = 4;
// Version history: 1, issue 3; 2 added the case times, remedies and action
// counts to StoredCase (a version-1 database is rebuilt from the log); 3
// holds quantities as exact decimal text (the events' legacy doubles carried
// over by domain::Apply), a delivery's superseded_by and a contract's
// closed time (an older database is rebuilt from the log); 4 keeps who
// reported and who decided a delivery, when, and the note or reason (for
// the review queue, ListDeliveries).
inline constexpr char kFormatVersionKey[] = "format_version";
inline constexpr char kActivePrefix[] = "active/";

inline constexpr char kCheckpointKey[] = "m/checkpoint";
inline constexpr char kSkippedKey[] = "m/skipped";
inline constexpr char kContractPrefix[] = "c/";

// 8 bytes big-endian, as in the event log.
using eventstore::format::DecodeU64;
using eventstore::format::EncodeU64;

std::string ContractKey(absl::string_view contract_id);
std::string CommitmentKey(absl::string_view contract_id,
                          absl::string_view commitment_id);
std::string DeliveryKey(absl::string_view contract_id,
                        absl::string_view delivery_id);

// Serializes the part of `state` a key names. REQUIRES: the key's record
// exists in `state`.
std::string EncodeContract(const domain::ContractState& state);
std::string EncodeCommitment(const domain::CommitmentRecord& record);
std::string EncodeDelivery(const domain::DeliveryRecord& record);

// Loads one "c/..." record into `contracts`. Errors: DATA_LOSS for a key or
// value that does not parse.
absl::Status LoadRecord(
    absl::string_view key, absl::string_view value,
    std::map<std::string, domain::ContractState>& contracts);

// Every record of `state` as key -> value, as the table would hold it: for
// comparing a rebuilt projection with a live one.
void EncodeAll(const domain::ContractState& state,
               std::map<std::string, std::string>& out);

}  // namespace svledger::projections::format

#endif  // SVLEDGER_PROJECTIONS_FORMAT_H_
