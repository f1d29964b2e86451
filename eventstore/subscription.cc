#include "eventstore/subscription.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace svledger::eventstore {

Subscription::Subscription(const EventStore* store, uint64_t from_position,
                           EventFilter filter, uint32_t batch_limit,
                           size_t batch_bytes)
    : store_(store), next_position_(std::max<uint64_t>(from_position, 1)) {
  options_.filter = std::move(filter);
  options_.limit = batch_limit;
  options_.max_bytes = batch_bytes;
}

absl::StatusOr<SubscriptionBatch> Subscription::Poll() {
  absl::StatusOr<AllSlice> slice = store_->ReadAll(next_position_, options_);
  if (!slice.ok()) return slice.status();
  next_position_ = slice->next_position;
  SubscriptionBatch batch;
  batch.events = std::move(slice->events);
  batch.next_position = next_position_;
  batch.caught_up = next_position_ > slice->head_position;
  return batch;
}

absl::StatusOr<SubscriptionBatch> Subscription::Next(absl::Time deadline) {
  while (true) {
    absl::StatusOr<SubscriptionBatch> batch = Poll();
    if (!batch.ok() || !batch->events.empty() || !batch->caught_up) {
      return batch;
    }
    if (!store_->head_watcher().WaitFor(next_position_, deadline)) {
      if (absl::Now() >= deadline) return batch;
      return absl::UnavailableError("event store stopped");
    }
  }
}

}  // namespace svledger::eventstore
