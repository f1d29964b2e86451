#ifndef SVLEDGER_SERVICES_SERVER_H_
#define SVLEDGER_SERVICES_SERVER_H_

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/random.h"
#include "domain/standing.h"
#include "eventstore/event_store.h"
#include "grpcpp/server.h"
#include "projections/contract_read_model.h"
#include "projections/projection_db.h"
#include "prometheus/exposer.h"
#include "services/admin_service.h"
#include "services/alert_service.h"
#include "services/case_queries.h"
#include "services/contract_service.h"
#include "services/enforcement_policy.h"
#include "services/enforcement_service.h"
#include "services/event_log_service.h"
#include "services/framework_service.h"
#include "services/framework_store.h"
#include "services/metrics_collector.h"
#include "services/progress_queries.h"
#include "services/progress_service.h"
#include "services/server_metrics.h"

namespace svledger::services {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free port (see Server::port).
  // Default "127.0.0.1:50051".
  std::string listen = "127.0.0.1:50051";
  // Directory for all persistent state; the event log lives in its "log"
  // subdirectory. Created if missing. Default "./var/data".
  std::string data_dir = "./var/data";
  // Injected time and randomness. Not owned; must outlive the server.
  // Default (null): the real ones.
  Clock* clock = nullptr;
  RandomSource* random = nullptr;
  // Largest request a client may send. Appends are limited to 16 MiB by the
  // event log; this leaves room for framing so that an oversized append gets
  // the log's clear INVALID_ARGUMENT rather than a transport error.
  // Default 32 MiB.
  int max_receive_message_bytes = 32 << 20;
  // How long shutdown waits for in-flight calls before cancelling them.
  // Default 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // fsync every commit. Default true; see EventStoreOptions::sync.
  bool sync = true;
  // A directory of framework files (measures.textproto and one
  // <council>.textproto each) to publish at start-up when the log has no
  // measure library yet, i.e. on first start. Empty (the default): none.
  std::string frameworks_dir;
  // The councils (framework ids) this instance serves, when a deployment
  // shards councils across instances (deploy/README.md): frameworks and
  // contracts of other councils are refused with FAILED_PRECONDITION, and
  // only these councils' framework files are published. Empty (the
  // default): every council.
  std::set<std::string> councils;
  // On first start (no contract in the log yet), load a demo data set:
  // contracts for each published council framework with commitments and
  // two years of deliveries (services/demo.h). Default false.
  bool demo = false;
  // The longest a query waits for the projection to apply its
  // min_position before DEADLINE_EXCEEDED. Default 5 s.
  absl::Duration max_position_wait = absl::Seconds(5);
  // Run the enforcement policy (services/enforcement_policy.h): open,
  // escalate and close cases by itself, and record status changes. Default
  // true.
  bool enforcement = true;
  // Real time between the policy's sweeps of every contract (the first
  // runs at start-up). Default one hour.
  absl::Duration enforcement_sweep = absl::Hours(1);
  // The rule for supplier endorsement and contract extension in the
  // scorecard. Default: domain::StandingRule's defaults.
  domain::StandingRule standing;
  // host:port for Prometheus to scrape (path /metrics); port 0 picks a free
  // port (see Server::metrics_port). Default empty: no exposition (the
  // binary's --metrics-listen defaults to 127.0.0.1:9464).
  std::string metrics_listen;
  // Per-contract series and their cap (services/metrics_collector.h).
  // Default off.
  DomainMetricsOptions domain_metrics;
};

// A running svledger server: the event log plus every gRPC service, the
// standard health service and server reflection.
//
// Thread-safe.
class Server {
 public:
  // Opens the data directory and starts serving. Errors: the event log's
  // (such as a locked or foreign data directory); UNAVAILABLE if the address
  // cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);

  // Shutdown()s.
  ~Server();

  // The port actually bound.
  int port() const { return port_; }
  // The metrics port actually bound; 0 without exposition.
  int metrics_port() const { return metrics_port_; }

  eventstore::EventStore& store() { return *store_; }
  FrameworkStore& frameworks() { return *frameworks_; }
  ContractService& contracts() { return *contracts_; }
  projections::ContractReadModel& read_model() { return *read_model_; }
  ProgressService& progress() { return *progress_; }
  AlertService& alerts() { return *alerts_; }
  // Null when options.enforcement is false.
  EnforcementPolicy* policy() { return policy_.get(); }

  // Graceful shutdown: health turns NOT_SERVING, subscriptions end with
  // UNAVAILABLE, new calls are refused, in-flight appends complete (up to
  // shutdown_grace), then the event log closes cleanly. Idempotent.
  void Shutdown();

 private:
  Server() = default;

  ServerOptions options_;
  // Declared first, destroyed last: the store and the gRPC server report to
  // them until they are gone.
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<FrameworkStore> frameworks_;
  std::unique_ptr<EventLogService> event_log_;
  std::unique_ptr<ContractService> contracts_;
  std::unique_ptr<projections::ProjectionDb> projection_db_;
  std::unique_ptr<projections::ContractReadModel> read_model_;
  std::unique_ptr<ProgressQueries> queries_;
  std::unique_ptr<ProgressService> progress_;
  std::unique_ptr<FrameworkService> framework_service_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<CaseQueries> case_queries_;
  std::unique_ptr<EnforcementService> enforcement_;
  std::unique_ptr<AlertService> alerts_;
  std::unique_ptr<EnforcementPolicy> policy_;
  std::shared_ptr<DomainMetricsCollector> domain_metrics_;
  std::shared_ptr<OperationalCollector> operational_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int metrics_port_ = 0;
  std::unique_ptr<grpc::Server> grpc_server_;
  int port_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace svledger::services

#endif  // SVLEDGER_SERVICES_SERVER_H_
