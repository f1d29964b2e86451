#ifndef SVLEDGER_EVENTSTORE_VERIFY_H_
#define SVLEDGER_EVENTSTORE_VERIFY_H_

// Checking the log's hash chain (chain.h): on a live store
// (EventStore::VerifyChain) or on a database directory nobody has open
// (VerifyChainAt: a restored backup, an offline check).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace svledger::eventstore {

// A chain hash held outside svledger: "at `position` the chain hash was
// `hash`". An unbroken chain through an anchor that still matches proves
// that nothing at or before it has changed since the anchor was taken.
struct ChainAnchor {
  uint64_t position = 0;
  std::string hash;  // 32 raw bytes
};

struct VerifyChainOptions {
  // The last position to check; 0 (the default): the durable head.
  uint64_t through = 0;
  // Checked against the stored hashes. Default none.
  std::vector<ChainAnchor> anchors;
  // Also check the indexes derived from the events: every event's
  // stream_index and event_ids entries lead back to it, and there are no
  // others. Reads two entries an event more. Default false.
  bool indexes = false;
  // Ranges of the log checked in parallel: every link depends only on the
  // stored hash before it, so ranges are independent. Default 2.
  int threads = 2;
};

// Where and why the chain breaks.
struct ChainBreak {
  uint64_t position = 0;
  std::string reason;
};

struct AnchorCheck {
  uint64_t position = 0;
  bool matched = false;  // the stored hash there equals the anchor's
  // The stored hash (raw); empty if unreadable or beyond the log's end.
  std::string found;
};

struct ChainReport {
  uint64_t through = 0;   // last position checked
  uint64_t events = 0;    // events whose link was checked
  std::string head_hash;  // stored chain_hash(through); empty if broken
  // The first position whose link does not hold (its content or hash was
  // changed, it is missing, or it cannot be read); nullopt if none.
  std::optional<ChainBreak> broken;
  std::vector<AnchorCheck> anchors;  // in the order asked
  absl::Duration took;
};

// Opens the log database in `path` read-only (nothing is written, so this
// works on a copy, a restored backup or a directory on a full disk) and
// verifies its chain through its last event. Errors: the RocksDB error
// opening it (NOT_FOUND for no database); FAILED_PRECONDITION for a log of
// another format version; INVALID_ARGUMENT as VerifyChain.
absl::StatusOr<ChainReport> VerifyChainAt(const std::string& path,
                                          const VerifyChainOptions& options);

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_VERIFY_H_
