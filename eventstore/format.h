#ifndef SVLEDGER_EVENTSTORE_FORMAT_H_
#define SVLEDGER_EVENTSTORE_FORMAT_H_

// The on-disk format of the event log, in one place. eventstore/README.md
// describes it in prose; change both together and bump kFormatVersion when
// an existing database could no longer be read correctly.
//
// Column families (all keys big-endian so byte order equals numeric order):
//   default       "format_version" -> decimal ASCII, currently "2"
//   events        BE64(position) -> StoredEvent content || chain trailer
//                 (stored_event.proto, chain.h)
//   stream_index  stream_id 0x00 BE64(version) -> BE64(position)
//   event_ids     uuid[16] stream_id -> BE64(position)
// Stream ids never contain 0x00, so the separator keeps each stream's keys
// contiguous and ordered by version; a stream's last version is its last
// stream_index key. Event id keys lead with the random
// UUID so that key comparisons differ at once (they are only looked up).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "eventstore/event.h"

namespace svledger::eventstore::format {

inline constexpr int kFormatVersion = 2;
// While a version-1 log is being upgraded (its chain computed), the last
// position already sealed, BE64, in `default`.
inline constexpr char kChainUpgradeKey[] = "chain_upgraded_through";
inline constexpr char kFormatVersionKey[] = "format_version";

inline constexpr char kEventsCf[] = "events";
inline constexpr char kStreamIndexCf[] = "stream_index";
inline constexpr char kEventIdsCf[] = "event_ids";

// 8 bytes, big-endian.
std::string EncodeU64(uint64_t value);
// REQUIRES nothing: a value that is not 8 bytes is DATA_LOSS.
absl::StatusOr<uint64_t> DecodeU64(absl::string_view bytes);

std::string StreamVersionKey(absl::string_view stream_id, uint64_t version);
// Every key of a stream in stream_index lies in [StreamLowerBound,
// StreamUpperBound).
std::string StreamLowerBound(absl::string_view stream_id);
std::string StreamUpperBound(absl::string_view stream_id);
std::string EventIdKey(absl::string_view stream_id, const Uuid& id);

// Serializes an event as the content of its `events` entry (chain.h seals
// it with its hash).
std::string EncodeEvent(absl::string_view stream_id, uint64_t stream_version,
                        const ProposedEvent& event, absl::Time recorded_time);

// Parses an `events` value stored at `position`. Errors: DATA_LOSS.
absl::StatusOr<RecordedEvent> DecodeEvent(uint64_t position,
                                          absl::string_view value);

// Whether a stored event carries the same content (type, payload, metadata)
// as a proposed one: the test for an idempotent retry.
bool SameContent(const RecordedEvent& stored, const ProposedEvent& proposed);

}  // namespace svledger::eventstore::format

#endif  // SVLEDGER_EVENTSTORE_FORMAT_H_
