#include "app/event_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "domain/ids.h"
#include "eventstore/limits.h"

namespace svledger::app {

void EventLog::Append(std::string stream_id,
                      eventstore::ExpectedVersion expected,
                      std::vector<eventstore::ProposedEvent> events,
                      eventstore::EventStore::AppendCallback done) {
  if (domain::IsReservedStream(stream_id)) {
    std::move(done)(absl::PermissionDeniedError(absl::StrCat(
        "stream_id: '", stream_id,
        "' is one of svledger's own streams (contract-*, measures, "
        "frameworks), written only by its commands: use ContractService, "
        "EnforcementService or FrameworkService")));
    return;
  }
  store_->AppendAsync(std::move(stream_id), expected, std::move(events),
                      std::move(done));
}

absl::StatusOr<eventstore::StreamSlice> EventLog::ReadStream(
    const std::string& stream_id,
    const eventstore::ReadStreamOptions& options) const {
  if (options.from_end &&
      options.direction == eventstore::Direction::kForwards) {
    return absl::InvalidArgumentError(
        "from_end: only with direction BACKWARDS");
  }
  // A bounded read of at most Limits::max_read_bytes: short, never a wait.
  return store_->ReadStream(stream_id, options);
}

absl::StatusOr<eventstore::AllSlice> EventLog::ReadAll(
    uint64_t from_position, const eventstore::ReadAllOptions& options) const {
  return store_->ReadAll(from_position, options);
}

absl::Status EventLog::CheckFilter(
    const eventstore::EventFilter& filter) const {
  return eventstore::ValidateFilter(filter, store_->limits());
}

}  // namespace svledger::app
