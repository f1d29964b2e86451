#ifndef SVLEDGER_SERVER_SERVER_H_
#define SVLEDGER_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "app/application.h"
#include "app/storage_admin.h"
#include "auth/authenticator.h"
#include "auth/dev_issuer.h"
#include "auth/key_source.h"
#include "backup/backup_set.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/worker_pool.h"
#include "eventstore/event_store.h"
#include "evidence/clamd_scanner.h"
#include "evidence/evidence_store.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "http/http_server.h"
#include "http/rpc_bridge.h"
#include "observability/backup_metrics.h"
#include "observability/domain_metrics.h"
#include "observability/server_metrics.h"
#include "projections/contract_read_model.h"
#include "projections/projection_db.h"
#include "prometheus/exposer.h"
#include "server/descriptors.h"
#include "server/listener.h"
#include "services/authenticate.h"
#include "services/log_stream.h"

namespace svledger::server {

// Where and how the server keeps its state.
struct StorageOptions {
  // Directory for all persistent state: the event log in "log", the
  // projections in "projections". Created if missing. Default "./var/data".
  std::string data_dir = "./var/data";
  // Directory of the online backups (backup/README.md), best on another
  // disk; must not be inside data_dir. Created if missing. Empty (the
  // default): no backups (the backup RPCs answer FAILED_PRECONDITION).
  std::string backup_dir;
  // How backups run (their write rate).
  backup::BackupSetOptions backup;
  // fsync every commit. Default true; see EventStoreOptions::sync.
  bool sync = true;
  // Uploaded evidence files are kept in data_dir's "evidence", so that
  // backups carry them with the log that names them. The largest file
  // accepted, in bytes. Default 25 MiB (evidence::EvidenceStoreOptions).
  uint64_t max_evidence_bytes = 25ull << 20;
  // ClamAV's clamd, asked about every new evidence file
  // (evidence/clamd_scanner.h): "unix:/run/clamav/clamd.ctl" or
  // "host:port". Empty (the default): no scan.
  std::string clamd;
};

// The gRPC front door.
struct GrpcOptions {
  // host:port to listen on; port 0 picks a free port (see Server::port).
  // Default "127.0.0.1:50051".
  std::string listen = "127.0.0.1:50051";
  // How long shutdown waits for in-flight calls before cancelling them.
  // Default 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // The longest a query waits for the projection to apply its
  // min_position before DEADLINE_EXCEEDED. Default 5 s.
  absl::Duration max_position_wait = absl::Seconds(5);
  // host:port of a plaintext port that serves only the gRPC health service,
  // for probes that cannot speak TLS (Kubernetes' gRPC probes). Its status
  // follows the main port's. Empty (the default): none.
  std::string health_listen;
  // The most connections open at once on the gRPC port; further ones are
  // closed on arrival. Lowered to what the descriptor limit allows once
  // storage's share is kept (server/descriptors.h). Default 10,000.
  size_t max_connections = 10000;
  // A connection that has not completed its TLS handshake and sent the
  // HTTP/2 preface and settings by then is closed. Default 10 s.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // A connection with no call open for this long is closed (clients
  // reconnect when they next call). Default 10 min.
  absl::Duration max_connection_idle = absl::Minutes(10);
  // What Subscribe and WatchAlerts streams may hold (per service).
  services::LogStreamLimits streams;
  // Threads that run scans (listings, summaries, scorecards, as-of
  // replays), apart from appends and point reads; 0: half the cores, at
  // least 1. Default 0.
  size_t scan_threads = 0;
  // Scans queued for those threads; beyond it RESOURCE_EXHAUSTED (retry).
  // Default 64.
  size_t max_queued_scans = 64;
  // min_position waits one principal may have pending. Default 100.
  size_t max_waits_per_principal = 100;
  // Calls one connection may have open at once (HTTP/2's
  // SETTINGS_MAX_CONCURRENT_STREAMS; a client queues calls beyond it). A
  // cancelled call stays open until the server has finished with it, so
  // this also bounds the calls a client can open and cancel faster than
  // they are served. Default 1,000.
  int max_streams_per_connection = 1000;
};

// TLS on the gRPC port. Without cert_file, plaintext.
struct TlsOptions {
  // PEM files of the server's certificate chain and private key. Both or
  // neither. They are watched (gRPC's FileWatcherCertificateProvider) and
  // re-read every `reload`, so a renewed certificate is served without a
  // restart.
  std::string cert_file;
  std::string key_file;
  // PEM file of the CAs whose client certificates are accepted (mTLS). A
  // client certificate is then requested and, if sent, verified; its SANs,
  // as "mtls:<SAN>", name the principal. Empty (the default): none
  // requested.
  std::string client_ca_file;
  // Default 60 s.
  absl::Duration reload = absl::Seconds(60);
};

// Who callers are (auth/, services/authenticate.h) and the first admins.
struct AuthOptions {
  // Bearer tokens: the OIDC issuer, audience and principal claim, and
  // where its keys come from (auth::KeySourceOptions: a JWKS file or the
  // issuer's discovery document). Empty keys (the default): no tokens.
  auth::OidcOptions oidc;
  auth::KeySourceOptions keys;
  // A local development issuer kept in this directory (auth/dev_issuer.h):
  // it supplies oidc and keys, and at every start grants the demo's
  // personas their roles and writes their tokens (server/dev_auth.h).
  // Empty (the default): none.
  std::string dev_issuer_dir;
  // Principals granted ROLE_ADMIN at start while nobody holds it: the
  // first admins of a new deployment (after that, admins grant and revoke).
  // Default none.
  std::vector<std::string> bootstrap_admins;
  // Without tokens and without client certificates, authentication is off:
  // every caller is an admin that names itself (svledger-actor header).
  // That, or plaintext, is allowed on a loopback address only, unless
  // `insecure`. Default false: Start refuses, in one line saying why.
  bool insecure = false;
};

// What the server writes on first start.
struct SeedOptions {
  // A directory of framework files (measures.textproto and one
  // <council>.textproto each) to publish at start-up when the log has no
  // measure library yet, i.e. on first start. Empty (the default): none.
  std::string frameworks_dir;
  // On first start (an empty log), load a demo data set: two years of
  // contracts, returns and enforcement for each published council
  // framework, recorded at the dates they would have happened, before
  // clients are served (demo/demo.h). Default false.
  bool demo = false;
};

// Prometheus exposition.
struct MetricsOptions {
  // host:port for Prometheus to scrape (path /metrics); port 0 picks a free
  // port (see Server::metrics_port). Default empty: no exposition (the
  // binary's --metrics-listen defaults to 127.0.0.1:9464).
  std::string listen;
  // Per-contract series and their cap (observability/domain_metrics.h).
  // Default off.
  observability::DomainMetricsOptions domain;
  // Basic authentication of scrapes: a file of "user:SHA-256-hex" lines
  // (the hex digest of the password; `#` starts a comment). Empty (the
  // default): none.
  std::string basic_auth_file;
  // A non-loopback listen needs it (or auth.insecure). There is no HTTPS
  // option: the civetweb that Debian 12's prometheus-cpp uses loads OpenSSL
  // at run time and ends the process on the first TLS scrape (seen with
  // libssl3); a scrape that crosses an untrusted network goes through a
  // TLS-terminating proxy or the cluster's mesh (deploy/README.md).
};

struct ServerOptions {
  StorageOptions storage;
  // The councils served, the standing rule, and the enforcement policy.
  app::ApplicationOptions app;
  GrpcOptions grpc;
  TlsOptions tls;
  AuthOptions auth;
  SeedOptions seed;
  MetricsOptions metrics;
  // The HTTP/JSON API (http/http_server.h). Its TLS files are taken from
  // `tls`, so both ports present the same certificate and trust the same
  // client CAs; the loopback rule is the gRPC port's. Empty listen (the
  // default here; the binary's --http-listen is 127.0.0.1:8080): none.
  http::HttpOptions http;
  // Injected time and randomness. Not owned; must outlive the server.
  // Default (null): the real ones.
  Clock* clock = nullptr;
  RandomSource* random = nullptr;
};

// A running svledger server: the event log and its read model, the
// application over them, every gRPC service with the standard health
// service and server reflection, and the metrics endpoint.
//
// Thread-safe.
class Server {
 public:
  // Opens the data directory and starts serving, in named steps: check the
  // options, open storage, build the application, seed (the frameworks and
  // the demo on first start) and start the policy, set up authentication
  // (keys, bootstrap admins, the dev personas), start gRPC, start metrics.
  // Clients are served only once the seed is in. Errors: FAILED_PRECONDITION
  // for a non-loopback address without TLS and authentication (unless
  // auth.insecure), INVALID_ARGUMENT for unusable TLS or auth options; the
  // event log's (such as a locked or foreign data directory); UNAVAILABLE if
  // an address cannot be bound; a seed step's.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);

  // Shutdown()s.
  ~Server();

  // Whether callers must authenticate.
  bool authentication_on() const { return authenticator_ != nullptr; }
  // The development issuer, if options.auth.dev_issuer_dir is set.
  const auth::DevIssuer* dev_issuer() const { return dev_issuer_.get(); }

  // The port actually bound.
  int port() const { return port_; }
  // The health-only port actually bound; 0 without one.
  int health_port() const { return health_port_; }
  // How the descriptor limit is shared (what main reports at start).
  const DescriptorPlan& descriptors() const { return descriptors_; }
  // The metrics port actually bound; 0 without exposition.
  int metrics_port() const { return metrics_port_; }
  // The HTTP API's port actually bound; 0 without one.
  int http_port() const { return http_ == nullptr ? 0 : http_->port(); }

  eventstore::EventStore& store() { return *store_; }
  projections::ContractReadModel& read_model() { return *read_model_; }
  app::Application& app() { return *app_; }
  // Alert watches open now (AlertService), for tests and metrics.
  size_t alert_watches() const;

  // Graceful shutdown: health turns NOT_SERVING, subscriptions end with
  // UNAVAILABLE, new calls are refused, in-flight appends complete (up to
  // shutdown_grace), then the event log closes cleanly. Idempotent.
  void Shutdown();

 private:
  explicit Server(ServerOptions options);

  absl::Status CheckOptions();
  // Shares the descriptor limit between storage and connections.
  absl::Status PlanResources();
  absl::Status OpenStorage();
  absl::Status StartAuth();
  absl::Status BuildApplication();
  absl::Status StartGrpc();
  absl::Status Seed();
  // Seed's work, with the clock set to the demo's epoch when `demo`: the
  // frameworks, then the demo's history (demo/demo.h).
  absl::Status SeedAt(absl::CivilDay today, bool demo);
  absl::Status StartMetrics();
  absl::Status StartHttp();

  const ServerOptions options_;
  // The clock everything is built with: options_.clock's (or the real)
  // time, except while the demo loads its history at the dates it would
  // have happened (Seed).
  SettableClock clock_source_;
  Clock* const clock_;
  // Declared first, destroyed last: the store and the gRPC server report to
  // them until they are gone.
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<observability::ServerMetrics> metrics_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<projections::ProjectionDb> projection_db_;
  std::unique_ptr<projections::ContractReadModel> read_model_;
  std::unique_ptr<app::Application> app_;
  std::unique_ptr<backup::BackupSet> backups_;  // null without backup_dir
  std::unique_ptr<evidence::Scanner> scanner_;  // null without clamd
  std::unique_ptr<evidence::EvidenceStore> evidence_;
  std::shared_ptr<observability::BackupMetrics> backup_metrics_;
  std::unique_ptr<app::StorageAdmin> storage_admin_;
  std::unique_ptr<auth::DevIssuer> dev_issuer_;
  std::unique_ptr<auth::KeySource> keys_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<services::CallAuthenticator> call_auth_;
  // The secret by which the HTTP gateway's forwarded client certificates
  // are trusted (services::kGatewayKeyHeader): random, made at start.
  std::string gateway_key_;
  std::unique_ptr<http::RpcBridge> bridge_;
  std::unique_ptr<http::EvidenceRoutes> evidence_routes_;
  std::unique_ptr<http::HttpServer> http_;
  // Declared before the services, destroyed after them.
  std::unique_ptr<WorkerPool> answer_pool_;
  std::unique_ptr<WorkerPool> scan_pool_;
  std::unique_ptr<WorkerPool> long_ops_;  // backups and chain checks
  struct Services;
  std::unique_ptr<Services> services_;
  std::shared_ptr<observability::DomainMetricsCollector> domain_metrics_;
  std::shared_ptr<observability::OperationalCollector> operational_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int metrics_port_ = 0;
  DescriptorPlan descriptors_;
  // Declared before the gRPC servers, destroyed after them: each hands its
  // server the connections it accepts.
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Listener> health_listener_;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor_;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor>
      health_acceptor_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = 0;
  int port_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace svledger::server

#endif  // SVLEDGER_SERVER_SERVER_H_
