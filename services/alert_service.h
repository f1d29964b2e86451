#ifndef SVLEDGER_SERVICES_ALERT_SERVICE_H_
#define SVLEDGER_SERVICES_ALERT_SERVICE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventstore/event_store.h"
#include "services/log_stream.h"
#include "svledger/v1/alert_service.grpc.pb.h"

namespace svledger::services {

// svledger.v1.AlertService: WatchAlerts streams the log's commitment status
// changes and case changes (domain/enforcement.h) as alerts, each with its
// log position. It reads the log itself (eventstore::Subscription), not a
// projection: an alert is exactly an event, so resuming from a position
// gives no gap and no duplicate, across restarts too.
//
// Thread-safe. `store` must outlive it.
class AlertService final : public v1::AlertService::CallbackService {
 public:
  // Most WatchAlerts streams open at once; beyond it RESOURCE_EXHAUSTED.
  static constexpr size_t kMaxWatches = 10000;

  explicit AlertService(const eventstore::EventStore* store);
  ~AlertService() override;

  grpc::ServerWriteReactor<v1::WatchAlertsResponse>* WatchAlerts(
      grpc::CallbackServerContext* context,
      const v1::WatchAlertsRequest* request) override;

  // Ends every stream with UNAVAILABLE and refuses new ones. Call before
  // shutting the gRPC server down.
  void StopWatches();

  size_t watch_count() const;

  // The alert an event of a contract stream makes, or nullopt if the event
  // is not an alert. INVALID_ARGUMENT if its payload cannot be read.
  absl::StatusOr<std::optional<v1::Alert>> ToAlert(
      const eventstore::RecordedEvent& event);

 private:
  // The council (framework id) and supplier of a contract, from its
  // registration (the stream's first event; they never change). Cached.
  struct Parties {
    std::string council;
    std::string supplier_id;
  };
  absl::StatusOr<Parties> PartiesOf(const std::string& contract_id);

  const eventstore::EventStore* const store_;
  LogStreams<v1::WatchAlertsResponse> watches_;

  absl::Mutex parties_mu_;
  absl::flat_hash_map<std::string, Parties> parties_
      ABSL_GUARDED_BY(parties_mu_);
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_ALERT_SERVICE_H_
