#ifndef SVLEDGER_APP_EVENT_LOG_H_
#define SVLEDGER_APP_EVENT_LOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/caller.h"
#include "eventstore/event_store.h"

namespace svledger::app {

// The raw event log as the front doors offer it: appends to the streams the
// server does not own, and reads of every stream. The server's own streams
// (domain::IsReservedStream: contracts, measures, frameworks) are written
// only by the application's commands, so a raw append can never put into a
// contract's history an event that no rule checked.
//
// Appending is kAppendEvents and reading kReadLog (app/access_policy.h):
// PERMISSION_DENIED otherwise, and nothing is written.
//
// Thread-safe. The store must outlive it.
class EventLog {
 public:
  explicit EventLog(eventstore::EventStore* store) : store_(store) {}

  // Appends as EventStore::AppendAsync does, and with its outcomes, except
  // that a reserved stream is refused at once with PERMISSION_DENIED naming
  // stream_id, and nothing is written. Each event records the caller as its
  // actor: an actor the client named is kept only while authentication is
  // off (caller.authenticated_by "none").
  void Append(const Caller& caller, std::string stream_id,
              eventstore::ExpectedVersion expected,
              std::vector<eventstore::ProposedEvent> events,
              eventstore::EventStore::AppendCallback done);

  // EventStore::ReadStream, and INVALID_ARGUMENT naming from_end when it is
  // asked of a forwards read.
  absl::StatusOr<eventstore::StreamSlice> ReadStream(
      const Caller& caller, const std::string& stream_id,
      const eventstore::ReadStreamOptions& options) const;

  // EventStore::ReadAll.
  absl::StatusOr<eventstore::AllSlice> ReadAll(
      const Caller& caller, uint64_t from_position,
      const eventstore::ReadAllOptions& options) const;

  // OK if a read or subscription may start at `from_position`: at most one
  // past the head (the next event). INVALID_ARGUMENT naming from_position
  // otherwise: a position beyond it would wait for events that may never be
  // written.
  absl::Status CheckFromPosition(uint64_t from_position) const;

  // OK if the caller may follow the log through `filter`; PERMISSION_DENIED
  // or INVALID_ARGUMENT naming the field otherwise.
  absl::Status CheckFilter(const Caller& caller,
                           const eventstore::EventFilter& filter) const;

  // The log, read-only, for following it live (eventstore::Subscription).
  const eventstore::EventStore& log() const { return *store_; }

 private:
  eventstore::EventStore* const store_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_EVENT_LOG_H_
