#ifndef SVLEDGER_SERVICES_EVENT_LOG_SERVICE_H_
#define SVLEDGER_SERVICES_EVENT_LOG_SERVICE_H_

#include <memory>

#include "app/event_log.h"
#include "common/random.h"
#include "services/authenticate.h"
#include "services/log_stream.h"
#include "services/request_guard.h"
#include "svledger/v1/event_log.grpc.pb.h"

namespace svledger::services {

// svledger.v1.EventLog over app::EventLog, on gRPC's callback API: appends
// complete from the store's writer thread and subscriptions wake from its
// head watcher, so no gRPC thread ever waits. Appends to the server's own
// streams are refused by app::EventLog (PERMISSION_DENIED).
//
// Thread-safe. Does not own its dependencies; they must outlive it.
class EventLogService final : public GuardedService<v1::EventLog> {
 public:
  // Events per Subscribe response (a response also stops at the store's
  // read byte budget).
  static constexpr uint32_t kEventsPerResponse = 256;

  EventLogService(app::EventLog* log, RandomSource* random,
                  const CallAuthenticator* auth, LogStreamLimits limits = {});
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

  // Open subscriptions, and those ended for a reader that stopped reading;
  // for metrics and tests.
  size_t subscription_count() const;
  uint64_t subscriptions_stalled() const { return subscriptions_.stalled(); }

 private:
  app::EventLog* const log_;
  RandomSource* const random_;
  const CallAuthenticator* const auth_;
  LogStreams<v1::SubscribeResponse> subscriptions_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_EVENT_LOG_SERVICE_H_
