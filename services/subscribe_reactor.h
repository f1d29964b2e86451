#ifndef SVLEDGER_SERVICES_SUBSCRIBE_REACTOR_H_
#define SVLEDGER_SERVICES_SUBSCRIBE_REACTOR_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/subscription.h"
#include "svledger/v1/event_log.grpc.pb.h"

namespace svledger::services {

class EventLogService;

// One Subscribe stream. It writes a batch, and when the write is done reads
// the next; once caught up it asks the store's head watcher to call it back
// when the next position is durable. Nothing in it blocks.
//
// Lifetime: owned through shared_ptr by itself until gRPC calls OnDone. A
// pending head-watcher callback holds only a weak_ptr: if the stream has
// ended it finds nothing; if it wins the race, its strong reference keeps
// the reactor alive while Pump sees the stream finished and returns.
class SubscribeReactor final
    : public grpc::ServerWriteReactor<v1::SubscribeResponse>,
      public std::enable_shared_from_this<SubscribeReactor> {
 public:
  // Creates the reactor and starts streaming. `service` and `store` must
  // outlive the stream. Returns the pointer to hand to gRPC.
  static SubscribeReactor* Start(EventLogService* service,
                                 eventstore::EventStore* store,
                                 uint64_t from_position,
                                 eventstore::EventFilter filter,
                                 std::shared_ptr<SubscribeReactor>* handle);

  SubscribeReactor(EventLogService* service, eventstore::EventStore* store,
                   uint64_t from_position, eventstore::EventFilter filter);

  // Ends the stream with `status` as soon as no write is in flight.
  void Stop(const grpc::Status& status);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Sends what is durable beyond the cursor, or arranges to be called back.
  void Pump();
  // Calls Finish once. REQUIRES: mu_ not held.
  void FinishOnce(const grpc::Status& status);

  EventLogService* const service_;
  eventstore::EventStore* const store_;
  std::shared_ptr<SubscribeReactor> self_;  // released in OnDone

  absl::Mutex mu_;
  eventstore::Subscription cursor_ ABSL_GUARDED_BY(mu_);
  v1::SubscribeResponse response_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_caught_up_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status stop_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_SUBSCRIBE_REACTOR_H_
