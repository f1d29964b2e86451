#ifndef SVLEDGER_SERVICES_ALERT_SERVICE_H_
#define SVLEDGER_SERVICES_ALERT_SERVICE_H_

#include "app/alerts.h"
#include "services/authenticate.h"
#include "services/log_stream.h"
#include "services/request_guard.h"
#include "svledger/v1/alert_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.AlertService: WatchAlerts streams app::Alerts' feed, caught
// up from the request's position and then live, without blocking a gRPC
// thread.
//
// Thread-safe. `alerts` must outlive it.
class AlertService final : public GuardedService<v1::AlertService> {
 public:
  // `limits` bounds the WatchAlerts streams.
  AlertService(app::Alerts* alerts, const CallAuthenticator* auth,
               LogStreamLimits limits = {});
  ~AlertService() override;

  grpc::ServerWriteReactor<v1::WatchAlertsResponse>* WatchAlerts(
      grpc::CallbackServerContext* context,
      const v1::WatchAlertsRequest* request) override;

  // Ends every stream with UNAVAILABLE and refuses new ones. Call before
  // shutting the gRPC server down.
  void StopWatches();

  size_t watch_count() const;
  // Watches ended for a reader that stopped reading.
  uint64_t watches_stalled() const { return watches_.stalled(); }

 private:
  app::Alerts* const alerts_;
  const CallAuthenticator* const auth_;
  LogStreams<v1::WatchAlertsResponse> watches_;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ALERT_SERVICE_H_
