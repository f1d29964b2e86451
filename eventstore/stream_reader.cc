#include "eventstore/stream_reader.h"

namespace svledger::eventstore {

absl::Status ForEachStreamEvent(
    const EventStore& store, absl::string_view stream_id, uint64_t from_version,
    absl::FunctionRef<absl::Status(const RecordedEvent&)> fn) {
  uint64_t from = from_version;
  while (true) {
    absl::StatusOr<StreamSlice> slice =
        store.ReadStream(stream_id, {.from_version = from, .limit = 1000});
    if (slice.status().code() == absl::StatusCode::kNotFound) {
      return absl::OkStatus();
    }
    if (!slice.ok()) return slice.status();
    for (const RecordedEvent& e : slice->events) {
      if (absl::Status s = fn(e); !s.ok()) return s;
      from = e.stream_version + 1;
    }
    if (slice->end_of_stream || slice->events.empty()) return absl::OkStatus();
  }
}

}  // namespace svledger::eventstore
