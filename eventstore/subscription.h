#ifndef SVLEDGER_EVENTSTORE_SUBSCRIPTION_H_
#define SVLEDGER_EVENTSTORE_SUBSCRIPTION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "eventstore/event.h"
#include "eventstore/event_store.h"

namespace svledger::eventstore {

// One delivery of a subscription.
struct SubscriptionBatch {
  std::vector<RecordedEvent> events;  // in position order, filter applied
  uint64_t next_position = 1;         // where the subscription resumes
  bool caught_up = false;             // nothing durable lies beyond
};

// A cursor over the log that first catches up on stored events and then
// follows new ones as they become durable: in order, no gap, no duplicate,
// whatever the writers do, because it reads by position and only up to the
// durable head.
//
// Not thread-safe: one consumer drives it. The store must outlive it.
class Subscription {
 public:
  // Starts at `from_position` (inclusive; 0 means 1).
  // REQUIRES: `filter` passed ValidateFilter.
  // Batches hold at most batch_limit events and batch_bytes bytes (0: the
  // store's read defaults).
  Subscription(const EventStore* store, uint64_t from_position,
               EventFilter filter, uint32_t batch_limit = 0,
               size_t batch_bytes = 0);

  // Returns what is durable now beyond the cursor, without waiting (possibly
  // nothing, with caught_up set), and advances the cursor past it.
  absl::StatusOr<SubscriptionBatch> Poll();

  // Like Poll, but when caught up waits until a new event is durable or
  // `deadline` passes (then returns an empty batch). Errors: UNAVAILABLE if
  // the store stopped while waiting.
  absl::StatusOr<SubscriptionBatch> Next(absl::Time deadline);

  uint64_t next_position() const { return next_position_; }

 private:
  const EventStore* store_;
  uint64_t next_position_;
  ReadAllOptions options_;
};

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_SUBSCRIPTION_H_
