#include "server/server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "demo/demo.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/admin_service.h"
#include "services/alert_service.h"
#include "services/contract_service.h"
#include "services/enforcement_service.h"
#include "services/event_log_service.h"
#include "services/framework_service.h"
#include "services/progress_service.h"

namespace svledger::server {
namespace {

// The actor of what the server writes by itself on first start.
constexpr char kSeedActor[] = "svledger";

constexpr const char* kServiceNames[] = {
    "svledger.v1.EventLog",        "svledger.v1.ContractService",
    "svledger.v1.ProgressService", "svledger.v1.FrameworkService",
    "svledger.v1.AdminService",    "svledger.v1.EnforcementService",
    "svledger.v1.AlertService"};

}  // namespace

// The gRPC adapters over the application.
struct Server::Services {
  Services(app::Application& app, RandomSource* random,
           const GrpcOptions& options)
      : event_log(&app.event_log(), random),
        contracts(&app.commands()),
        progress(&app.progress(), options.max_position_wait),
        frameworks(&app.frameworks()),
        admin(&app.projection_admin()),
        enforcement(&app.commands(), &app.cases(), &app.progress().applied(),
                    options.max_position_wait),
        alerts(&app.alerts()) {}

  services::EventLogService event_log;
  services::ContractService contracts;
  services::ProgressService progress;
  services::FrameworkService frameworks;
  services::AdminService admin;
  services::EnforcementService enforcement;
  services::AlertService alerts;
};

Server::Server(ServerOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  std::unique_ptr<Server> server(new Server(std::move(options)));
  for (absl::Status (Server::*step)() :
       {&Server::OpenStorage, &Server::BuildApplication, &Server::Seed,
        &Server::StartGrpc, &Server::StartMetrics}) {
    if (absl::Status s = (server.get()->*step)(); !s.ok()) return s;
  }
  return server;
}

absl::Status Server::OpenStorage() {
  registry_ = std::make_shared<prometheus::Registry>();
  metrics_ = std::make_unique<observability::ServerMetrics>(*registry_);
  eventstore::EventStoreOptions store_options;
  store_options.on_commit =
      [metrics = metrics_.get()](const eventstore::CommitReport& report) {
        metrics->OnCommit(report);
      };
  store_options.path = options_.storage.data_dir + "/log";
  store_options.clock = options_.clock;
  store_options.sync = options_.storage.sync;
  absl::StatusOr<std::unique_ptr<eventstore::EventStore>> store =
      eventstore::EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  store_ = *std::move(store);

  absl::StatusOr<std::unique_ptr<projections::ProjectionDb>> projection_db =
      projections::ProjectionDb::Open(options_.storage.data_dir +
                                      "/projections");
  if (!projection_db.ok()) return projection_db.status();
  projection_db_ = *std::move(projection_db);
  projections::ContractReadModelOptions model_options;
  model_options.store = store_.get();
  model_options.db = projection_db_.get();
  absl::StatusOr<std::unique_ptr<projections::ContractReadModel>> model =
      projections::ContractReadModel::Open(model_options);
  if (!model.ok()) return model.status();
  read_model_ = *std::move(model);
  return absl::OkStatus();
}

absl::Status Server::BuildApplication() {
  absl::StatusOr<std::unique_ptr<app::Application>> app =
      app::Application::Create(store_.get(), read_model_.get(), clock_,
                               options_.app);
  if (!app.ok()) return app.status();
  app_ = *std::move(app);
  RandomSource* random =
      options_.random != nullptr ? options_.random : RandomSource::Real();
  services_ = std::make_unique<Services>(*app_, random, options_.grpc);
  return absl::OkStatus();
}

absl::Status Server::StartGrpc() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // TLS comes with authentication; until then, plaintext (bind to loopback).
  builder.AddListeningPort(options_.grpc.listen,
                           grpc::InsecureServerCredentials(), &port_);
  builder.SetMaxReceiveMessageSize(options_.grpc.max_receive_message_bytes);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      observability::MetricsInterceptorFactory(metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(&services_->event_log);
  builder.RegisterService(&services_->contracts);
  builder.RegisterService(&services_->progress);
  builder.RegisterService(&services_->frameworks);
  builder.RegisterService(&services_->admin);
  builder.RegisterService(&services_->enforcement);
  builder.RegisterService(&services_->alerts);
  grpc_server_ = builder.BuildAndStart();
  if (grpc_server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.grpc.listen));
  }
  grpc::HealthCheckServiceInterface* health =
      grpc_server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  return absl::OkStatus();
}

absl::Status Server::Seed() {
  const app::Caller seeder{kSeedActor};
  if (!options_.seed.frameworks_dir.empty() &&
      app_->framework_store().Library() == nullptr) {
    if (absl::Status s = app_->frameworks().PublishFrameworkFiles(
            options_.seed.frameworks_dir, seeder);
        !s.ok()) {
      return s;
    }
  }
  const absl::CivilDay today =
      absl::ToCivilDay(clock_->Now(), absl::UTCTimeZone());
  const bool demo = options_.seed.demo && read_model_->current()->size() == 0;
  if (demo) {
    if (absl::Status s = demo::LoadDemo(*app_, today); !s.ok()) return s;
  }
  app_->StartPolicy();
  if (demo && app_->policy() != nullptr) {
    // The demo's cases, then the contract manager's work on them.
    if (!read_model_->applied().WaitFor(store_->HeadPosition(),
                                        absl::Now() + absl::Seconds(30))) {
      return absl::DeadlineExceededError(
          "demo: the projection did not apply the demo in 30 s");
    }
    absl::StatusOr<app::EnforcementPolicy::SweepResult> swept =
        app_->policy()->Sweep();
    if (!swept.ok()) return swept.status();
    if (absl::Status s =
            demo::LoadDemoEnforcement(*app_, today, store_->HeadPosition());
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Server::StartMetrics() {
  if (options_.metrics.listen.empty()) return absl::OkStatus();
  // Civetweb reports a port it cannot bind by throwing.
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics.listen);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "metrics: cannot listen on ", options_.metrics.listen, ": ", e.what()));
  }
  domain_metrics_ = std::make_shared<observability::DomainMetricsCollector>(
      read_model_.get(), &app_->framework_store(), clock_,
      options_.metrics.domain);
  exposer_->RegisterCollectable(domain_metrics_);
  exposer_->RegisterCollectable(registry_);
  observability::ScrapeSources sources;
  sources.store = store_.get();
  sources.read_model = read_model_.get();
  Services* s = services_.get();
  sources.streams = {
      {"subscribe", [s] { return s->event_log.subscription_count(); }},
      {"watch_alerts", [s] { return s->alerts.watch_count(); }},
      {"watch_contract", [s] { return s->progress.watch_count(); }}};
  app::Application* app = app_.get();
  if (app->policy() != nullptr) {
    sources.policy_failures = [app] { return app->policy()->failures(); };
  }
  sources.skipped = {
      {"contract_commands", [app] { return app->engine().skipped_events(); }},
      {"frameworks", [app] { return app->framework_store().skipped(); }}};
  sources.framework_follow_failures = [app] {
    return app->framework_store().follow_failures();
  };
  operational_ =
      std::make_shared<observability::OperationalCollector>(std::move(sources));
  exposer_->RegisterCollectable(operational_);
  const std::vector<int> ports = exposer_->GetListeningPorts();
  metrics_port_ = ports.empty() ? 0 : ports.front();
  return absl::OkStatus();
}

Server::~Server() { Shutdown(); }

void Server::Shutdown() {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  // No scrape may run once the read model stops.
  exposer_.reset();
  // Its evaluation in progress completes while the log is open.
  if (app_ != nullptr) app_->StopPolicy();
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    services_->event_log.StopSubscriptions();
    services_->progress.StopWatches();
    services_->alerts.StopWatches();
    // Queries waiting for a min_position answer UNAVAILABLE now; otherwise
    // the gRPC server would wait for them below.
    read_model_->StopWaiting();
    // Refuses new calls, waits for in-flight ones up to the grace period,
    // then cancels what remains.
    grpc_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + options_.grpc.shutdown_grace));
    grpc_server_->Wait();
  }
  if (read_model_ != nullptr) read_model_->Stop();
  // Completes anything still queued, then closes RocksDB cleanly.
  if (store_ != nullptr) store_->Close();
}

}  // namespace svledger::server
