#ifndef SVLEDGER_EVENTSTORE_STREAM_READER_H_
#define SVLEDGER_EVENTSTORE_STREAM_READER_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "eventstore/event.h"
#include "eventstore/event_store.h"

namespace svledger::eventstore {

// Calls `fn` with every durable event of `stream_id` from `from_version` on,
// oldest first, reading page by page. A stream with no events is not an
// error: `fn` is simply never called. Stops at the first error `fn` returns
// and returns it.
absl::Status ForEachStreamEvent(
    const EventStore& store, absl::string_view stream_id, uint64_t from_version,
    absl::FunctionRef<absl::Status(const RecordedEvent&)> fn);

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_STREAM_READER_H_
