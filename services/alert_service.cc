#include "services/alert_service.h"

#include <vector>

#include "services/grpc_status.h"

namespace svledger::services {

AlertService::AlertService(app::Alerts* alerts, const CallAuthenticator* auth,
                           LogStreamLimits limits)
    : alerts_(alerts), auth_(auth), watches_(&alerts->log(), limits) {
  Guard("WatchAlerts", &AlertService::WatchAlerts, kMaxQueryRequestBytes);
}

AlertService::~AlertService() { StopWatches(); }

grpc::ServerWriteReactor<v1::WatchAlertsResponse>* AlertService::WatchAlerts(
    grpc::CallbackServerContext* context,
    const v1::WatchAlertsRequest* request) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  if (!caller.ok()) {
    return new RefusedStream<v1::WatchAlertsResponse>(
        ToGrpcStatus(caller.status()));
  }
  absl::StatusOr<app::AlertWatch> watch = alerts_->Watch(*caller, *request);
  if (!watch.ok()) {
    return new RefusedStream<v1::WatchAlertsResponse>(
        ToGrpcStatus(watch.status()));
  }
  const uint64_t from = watch->from_position;
  eventstore::EventFilter filter = watch->filter;
  return watches_.Open(context, caller->actor, from, std::move(filter),
                       alerts_->log().limits().max_read_limit,
                       [alerts = alerts_, watch = *std::move(watch)](
                           const std::vector<eventstore::RecordedEvent>& events,
                           v1::WatchAlertsResponse& response) {
                         return alerts->Select(watch, events, response);
                       });
}

void AlertService::StopWatches() { watches_.StopAll(); }

size_t AlertService::watch_count() const { return watches_.size(); }

}  // namespace svledger::services
