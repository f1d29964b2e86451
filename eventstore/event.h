#ifndef SVLEDGER_EVENTSTORE_EVENT_H_
#define SVLEDGER_EVENTSTORE_EVENT_H_

// Plain value types of the event log's API. No RocksDB, no gRPC.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/uuid.h"

namespace svledger::eventstore {

// Who caused an event and why.
struct EventMetadata {
  std::string actor;           // the user or service that caused it
  std::string request_id;      // the client's id for the originating request
  std::string correlation_id;  // groups the events of one transaction
  std::string causation_id;    // the event or command that caused this one
  // A digest of the originating request's content (empty if none), so a
  // request id reused for a different request can be told apart.
  std::string request_digest;
  // How the actor proved who it is: "oidc" (a bearer token), "mtls" (a
  // client certificate), "system" (the server itself), or "none"
  // (authentication off, the actor as the client named itself). Empty for
  // events written before authentication.
  std::string authenticated_by;
  // Set when the actor entered the event for another party, e.g. a council
  // contract manager entering a supplier's return: that party's id.
  std::string on_behalf_of;

  friend bool operator==(const EventMetadata&, const EventMetadata&) = default;
};

// An event as a writer proposes it.
struct ProposedEvent {
  Uuid id;              // unique within its stream; the key of idempotency
  std::string type;     // e.g. "DeliveryReported"
  std::string payload;  // opaque bytes
  EventMetadata metadata;
};

// An event as the log stored it.
struct RecordedEvent {
  Uuid id;
  std::string type;
  std::string payload;
  EventMetadata metadata;
  absl::Time recorded_time;  // when the store committed it (injected clock)
  std::string stream_id;
  uint64_t stream_version = 0;  // 0-based, gap-free within the stream
  uint64_t position = 0;        // 1-based, gap-free across the log
  // chain_hash(position) as stored (eventstore/chain.h): 32 raw bytes.
  std::string chain_hash;
};

// The end of the log's hash chain (eventstore/chain.h).
struct ChainHead {
  uint64_t position = 0;  // 0: the log is empty
  std::string hash;       // chain_hash(position): 32 raw bytes
};

// The state a stream must be in for an append to succeed.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };

  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() {
    return ExpectedVersion(Kind::kNoStream, 0);
  }
  static ExpectedVersion StreamExists() {
    return ExpectedVersion(Kind::kStreamExists, 0);
  }
  // The stream's last event must have exactly `version`.
  static ExpectedVersion Exact(uint64_t version) {
    return ExpectedVersion(Kind::kExact, version);
  }

  Kind kind() const { return kind_; }
  // REQUIRES: kind() == Kind::kExact.
  uint64_t version() const { return version_; }

  // Whether a stream whose last version is `last` (nullopt: no stream)
  // satisfies this expectation.
  bool IsSatisfiedBy(std::optional<uint64_t> last) const;

  // "any", "no stream", "stream exists" or the exact version.
  std::string ToString() const;

 private:
  ExpectedVersion(Kind kind, uint64_t version)
      : kind_(kind), version_(version) {}
  Kind kind_;
  uint64_t version_;
};

// What an append wrote (or, for an idempotent retry, had written before).
struct AppendResult {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  uint64_t last_stream_version = 0;
  // True when every event was already stored and nothing was written.
  bool deduplicated = false;
  // The events' recorded_time (the store's clock when it staged them).
  // Unset (InfinitePast) when deduplicated.
  absl::Time recorded_time = absl::InfinitePast();
};

enum class Direction { kForwards, kBackwards };

struct ReadStreamOptions {
  Direction direction = Direction::kForwards;
  // First version to return. Ignored when from_end is set.
  uint64_t from_version = 0;
  // Backwards only: start from the stream's last event.
  bool from_end = false;
  // Maximum events returned; 0 means the default (see Limits).
  uint32_t limit = 0;
};

struct StreamSlice {
  std::vector<RecordedEvent> events;
  uint64_t last_stream_version = 0;
  bool end_of_stream = false;  // nothing further in the read direction
};

// Selects events; an empty filter selects every event.
struct EventFilter {
  std::vector<std::string> stream_prefixes;  // match if any is a prefix
  std::vector<std::string> event_types;      // match if any is equal

  bool empty() const { return stream_prefixes.empty() && event_types.empty(); }
  bool Matches(const RecordedEvent& event) const;
};

struct ReadAllOptions {
  // Maximum events returned; 0 means the default (see Limits).
  uint32_t limit = 0;
  EventFilter filter;
  // Maximum bytes returned (ReadBytes; the first event always is), below
  // Limits::max_read_bytes; 0 means that limit. Streams keep pages small so
  // that a reader that stops reading pins little memory.
  size_t max_bytes = 0;
};

struct AllSlice {
  std::vector<RecordedEvent> events;
  uint64_t next_position = 1;  // where to continue reading
  uint64_t head_position = 0;  // last durable position when read
};

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_EVENT_H_
