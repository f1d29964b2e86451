#include "app/event_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "app/access_policy.h"
#include "domain/ids.h"
#include "eventstore/limits.h"

namespace svledger::app {

void EventLog::Append(const Caller& caller, std::string stream_id,
                      eventstore::ExpectedVersion expected,
                      std::vector<eventstore::ProposedEvent> events,
                      eventstore::EventStore::AppendCallback done) {
  if (absl::Status s = MayDo(caller, Operation::kAppendEvents); !s.ok()) {
    std::move(done)(s);
    return;
  }
  if (domain::IsReservedStream(stream_id)) {
    std::move(done)(absl::PermissionDeniedError(absl::StrCat(
        "stream_id: '", stream_id,
        "' is one of svledger's own streams (contract-*, measures, "
        "frameworks, roles), written only by its commands: use "
        "ContractService, "
        "EnforcementService or FrameworkService")));
    return;
  }
  const bool authenticated = caller.authenticated_by != "none";
  for (eventstore::ProposedEvent& event : events) {
    if (authenticated || event.metadata.actor.empty()) {
      event.metadata.actor = caller.actor;
    }
    event.metadata.authenticated_by = caller.authenticated_by;
    event.metadata.on_behalf_of.clear();
  }
  store_->AppendAsync(std::move(stream_id), expected, std::move(events),
                      std::move(done));
}

absl::StatusOr<eventstore::StreamSlice> EventLog::ReadStream(
    const Caller& caller, const std::string& stream_id,
    const eventstore::ReadStreamOptions& options) const {
  if (absl::Status s = MayDo(caller, Operation::kReadLog); !s.ok()) return s;
  if (options.from_end &&
      options.direction == eventstore::Direction::kForwards) {
    return absl::InvalidArgumentError(
        "from_end: only with direction BACKWARDS");
  }
  // A bounded read of at most Limits::max_read_bytes: short, never a wait.
  return store_->ReadStream(stream_id, options);
}

absl::StatusOr<eventstore::AllSlice> EventLog::ReadAll(
    const Caller& caller, uint64_t from_position,
    const eventstore::ReadAllOptions& options) const {
  if (absl::Status s = MayDo(caller, Operation::kReadLog); !s.ok()) return s;
  if (absl::Status s = CheckFromPosition(from_position); !s.ok()) return s;
  return store_->ReadAll(from_position, options);
}

absl::Status EventLog::CheckFromPosition(uint64_t from_position) const {
  const uint64_t head = store_->HeadPosition();
  if (from_position > head + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("from_position: ", from_position,
                     " is beyond the log's head + 1 (", head + 1, ")"));
  }
  return absl::OkStatus();
}

absl::Status EventLog::CheckFilter(
    const Caller& caller, const eventstore::EventFilter& filter) const {
  if (absl::Status s = MayDo(caller, Operation::kReadLog); !s.ok()) return s;
  return eventstore::ValidateFilter(filter, store_->limits());
}

}  // namespace svledger::app
