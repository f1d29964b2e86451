#ifndef SVLEDGER_SERVICES_EVENT_LOG_SERVICE_H_
#define SVLEDGER_SERVICES_EVENT_LOG_SERVICE_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/random.h"
#include "eventstore/event_store.h"
#include "svledger/v1/event_log.grpc.pb.h"

namespace svledger::services {

class SubscribeReactor;

// svledger.v1.EventLog over an EventStore, on gRPC's callback API: appends
// complete from the store's writer thread and subscriptions wake from its
// head watcher, so no gRPC thread ever waits.
//
// Thread-safe. Does not own its dependencies; they must outlive it.
class EventLogService final : public v1::EventLog::CallbackService {
 public:
  EventLogService(eventstore::EventStore* store, RandomSource* random);
  ~EventLogService() override;

  grpc::ServerUnaryReactor* Append(grpc::CallbackServerContext* context,
                                   const v1::AppendRequest* request,
                                   v1::AppendResponse* response) override;
  grpc::ServerUnaryReactor* ReadStream(
      grpc::CallbackServerContext* context,
      const v1::ReadStreamRequest* request,
      v1::ReadStreamResponse* response) override;
  grpc::ServerUnaryReactor* ReadAll(grpc::CallbackServerContext* context,
                                    const v1::ReadAllRequest* request,
                                    v1::ReadAllResponse* response) override;
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* context,
      const v1::SubscribeRequest* request) override;

  // Ends every open subscription with UNAVAILABLE (clients resume from their
  // last next_position elsewhere or later) and refuses new ones. Call before
  // shutting the gRPC server down, which otherwise waits for them.
  void StopSubscriptions();

  // Open subscriptions; for metrics and tests.
  size_t subscription_count() const;

 private:
  friend class SubscribeReactor;
  void Forget(const SubscribeReactor* reactor);

  eventstore::EventStore* const store_;
  RandomSource* const random_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<const SubscribeReactor*, std::weak_ptr<SubscribeReactor>>
      subscriptions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_EVENT_LOG_SERVICE_H_
