#include "services/subscribe_reactor.h"

#include "services/event_convert.h"
#include "services/event_log_service.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {
// Events per response; a response also stops at the store's read byte budget.
constexpr uint32_t kEventsPerResponse = 256;
}  // namespace

SubscribeReactor* SubscribeReactor::Start(
    EventLogService* service, eventstore::EventStore* store,
    uint64_t from_position, eventstore::EventFilter filter,
    std::shared_ptr<SubscribeReactor>* handle) {
  auto reactor = std::make_shared<SubscribeReactor>(
      service, store, from_position, std::move(filter));
  reactor->self_ = reactor;
  *handle = reactor;
  reactor->Pump();
  return reactor.get();
}

SubscribeReactor::SubscribeReactor(EventLogService* service,
                                   eventstore::EventStore* store,
                                   uint64_t from_position,
                                   eventstore::EventFilter filter)
    : service_(service),
      store_(store),
      cursor_(store, from_position, std::move(filter), kEventsPerResponse) {}

void SubscribeReactor::Pump() {
  absl::ReleasableMutexLock lock(&mu_);
  if (finished_ || writing_) return;
  if (stop_requested_) {
    grpc::Status status = stop_status_;
    lock.Release();
    FinishOnce(status);
    return;
  }
  absl::StatusOr<eventstore::SubscriptionBatch> batch = cursor_.Poll();
  if (!batch.ok()) {
    lock.Release();
    FinishOnce(ToGrpcStatus(batch.status()));
    return;
  }
  const bool announce = batch->caught_up && !sent_caught_up_;
  // Nothing to send when caught up and already announced: wait for the
  // next durable position. (A filtered scan that found nothing but is not
  // caught up still sends, so the client's resume position advances.)
  if (batch->events.empty() && batch->caught_up && !announce) {
    // Weak: a stream that ends while waiting is freed at once, not when
    // the log next moves.
    store_->head_watcher().NotifyAt(
        batch->next_position, [weak = weak_from_this()]() {
          if (std::shared_ptr<SubscribeReactor> self = weak.lock()) {
            self->Pump();
          }
        });
    return;
  }
  response_.Clear();
  for (const eventstore::RecordedEvent& e : batch->events) {
    RecordedEventToProto(e, response_.add_events());
  }
  response_.set_next_position(batch->next_position);
  response_.set_caught_up(announce);
  sent_caught_up_ = sent_caught_up_ || announce;
  writing_ = true;
  lock.Release();
  StartWrite(&response_);
}

void SubscribeReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
  }
  if (!ok) {
    // The client is gone; nothing more can be written.
    FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
    return;
  }
  Pump();
}

void SubscribeReactor::Stop(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    stop_requested_ = true;
    stop_status_ = status;
    if (writing_) return;  // OnWriteDone's Pump finishes the stream
  }
  FinishOnce(status);
}

void SubscribeReactor::OnCancel() { Stop(grpc::Status::CANCELLED); }

void SubscribeReactor::FinishOnce(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
  }
  Finish(status);
}

void SubscribeReactor::OnDone() {
  service_->Forget(this);
  // May destroy this object; nothing may follow.
  std::shared_ptr<SubscribeReactor> last = std::move(self_);
}

}  // namespace svledger::services
