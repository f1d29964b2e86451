#include "services/server.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "domain/framework_catalog.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/demo.h"

namespace svledger::services {
namespace {

constexpr char kEventLogServiceName[] = "svledger.v1.EventLog";
constexpr char kContractServiceName[] = "svledger.v1.ContractService";
constexpr char kProgressServiceName[] = "svledger.v1.ProgressService";
constexpr char kFrameworkServiceName[] = "svledger.v1.FrameworkService";
constexpr char kAdminServiceName[] = "svledger.v1.AdminService";
constexpr char kEnforcementServiceName[] = "svledger.v1.EnforcementService";
constexpr char kAlertServiceName[] = "svledger.v1.AlertService";

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Publishes measures.textproto, then every other *.textproto in `dir`, in
// name order. Each publication is idempotent.
absl::Status PublishFrameworkFiles(FrameworkStore& frameworks,
                                   const std::string& dir) {
  const std::filesystem::path root(dir);
  absl::StatusOr<std::string> text = ReadFile(root / "measures.textproto");
  if (!text.ok()) return text.status();
  absl::StatusOr<v1::MeasureLibrary> library =
      domain::ParseMeasureLibrary(*text, "measures.textproto");
  if (!library.ok()) return library.status();
  if (auto s = frameworks.PublishLibrary(*library, "svledger"); !s.ok()) {
    return s.status();
  }
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    if (entry.path().extension() == ".textproto" &&
        entry.path().filename() != "measures.textproto") {
      files.push_back(entry.path());
    }
  }
  if (ec) return absl::InternalError(absl::StrCat(dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());
  for (const std::filesystem::path& file : files) {
    text = ReadFile(file);
    if (!text.ok()) return text.status();
    absl::StatusOr<v1::Framework> framework =
        domain::ParseFramework(*text, *library, file.filename().string());
    if (!framework.ok()) return framework.status();
    if (!frameworks.Serves(framework->id())) continue;  // another shard's
    if (auto s = frameworks.PublishFramework(*framework, "svledger"); !s.ok()) {
      return s.status();
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  std::unique_ptr<Server> server(new Server);
  server->options_ = options;

  server->registry_ = std::make_shared<prometheus::Registry>();
  server->metrics_ = std::make_unique<ServerMetrics>(*server->registry_);
  eventstore::EventStoreOptions store_options;
  store_options.on_commit = [metrics = server->metrics_.get()](
                                const eventstore::CommitReport& report) {
    metrics->OnCommit(report);
  };
  store_options.path = options.data_dir + "/log";
  store_options.clock = options.clock;
  store_options.sync = options.sync;
  absl::StatusOr<std::unique_ptr<eventstore::EventStore>> store =
      eventstore::EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  server->store_ = *std::move(store);

  absl::StatusOr<std::unique_ptr<FrameworkStore>> frameworks =
      FrameworkStore::Load(server->store_.get(), options.councils);
  if (!frameworks.ok()) return frameworks.status();
  server->frameworks_ = *std::move(frameworks);
  if (!options.frameworks_dir.empty() &&
      server->frameworks_->Library() == nullptr) {
    if (absl::Status s =
            PublishFrameworkFiles(*server->frameworks_, options.frameworks_dir);
        !s.ok()) {
      return s;
    }
  }
  server->contracts_ = std::make_unique<ContractService>(
      server->store_.get(), server->frameworks_.get());

  absl::StatusOr<std::unique_ptr<projections::ProjectionDb>> projection_db =
      projections::ProjectionDb::Open(options.data_dir + "/projections");
  if (!projection_db.ok()) return projection_db.status();
  server->projection_db_ = *std::move(projection_db);
  projections::ContractReadModelOptions model_options;
  model_options.store = server->store_.get();
  model_options.db = server->projection_db_.get();
  absl::StatusOr<std::unique_ptr<projections::ContractReadModel>> model =
      projections::ContractReadModel::Open(model_options);
  if (!model.ok()) return model.status();
  server->read_model_ = *std::move(model);
  Clock* clock = options.clock != nullptr ? options.clock : Clock::Real();
  server->queries_ = std::make_unique<ProgressQueries>(
      server->store_.get(), server->read_model_.get(),
      server->frameworks_.get(), clock, options.standing);
  server->progress_ = std::make_unique<ProgressService>(
      server->read_model_.get(), server->queries_.get(),
      options.max_position_wait);
  server->framework_service_ =
      std::make_unique<FrameworkService>(server->frameworks_.get());
  server->admin_ = std::make_unique<AdminService>(server->store_.get(),
                                                  server->read_model_.get());
  server->case_queries_ = std::make_unique<CaseQueries>(
      server->store_.get(), server->read_model_.get(),
      server->frameworks_.get(), clock);
  server->enforcement_ = std::make_unique<EnforcementService>(
      server->contracts_.get(), server->frameworks_.get(),
      server->read_model_.get(), server->case_queries_.get(),
      options.max_position_wait);
  server->alerts_ = std::make_unique<AlertService>(server->store_.get());

  RandomSource* random =
      options.random != nullptr ? options.random : RandomSource::Real();
  server->event_log_ =
      std::make_unique<EventLogService>(server->store_.get(), random);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // TLS comes with authentication; until then, plaintext (bind to loopback).
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(MetricsInterceptorFactory(server->metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(server->event_log_.get());
  builder.RegisterService(server->contracts_.get());
  builder.RegisterService(server->progress_.get());
  builder.RegisterService(server->framework_service_.get());
  builder.RegisterService(server->admin_.get());
  builder.RegisterService(server->enforcement_.get());
  builder.RegisterService(server->alerts_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    server->store_->Close();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  grpc::HealthCheckServiceInterface* health =
      server->grpc_server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  health->SetServingStatus(kEventLogServiceName, true);
  health->SetServingStatus(kContractServiceName, true);
  health->SetServingStatus(kProgressServiceName, true);
  health->SetServingStatus(kFrameworkServiceName, true);
  health->SetServingStatus(kAdminServiceName, true);
  health->SetServingStatus(kEnforcementServiceName, true);
  health->SetServingStatus(kAlertServiceName, true);
  const absl::CivilDay today =
      absl::ToCivilDay(clock->Now(), absl::UTCTimeZone());
  const bool demo = options.demo && server->read_model_->current()->size() == 0;
  if (demo) {
    if (absl::Status s = LoadDemo(
            server->grpc_server_->InProcessChannel(grpc::ChannelArguments()),
            *server->frameworks_, today);
        !s.ok()) {
      return s;
    }
  }
  if (options.enforcement) {
    EnforcementPolicyOptions policy_options;
    policy_options.sweep_interval = options.enforcement_sweep;
    server->policy_ = std::make_unique<EnforcementPolicy>(
        server->contracts_.get(), server->read_model_.get(),
        server->frameworks_.get(), clock, policy_options);
    server->policy_->Start();
    if (demo) {
      // The demo's cases, then the contract manager's work on them.
      if (!server->read_model_->applied().WaitFor(
              server->store_->HeadPosition(),
              absl::Now() + absl::Seconds(30))) {
        return absl::DeadlineExceededError(
            "demo: the projection did not apply the demo in 30 s");
      }
      absl::StatusOr<EnforcementPolicy::SweepResult> swept =
          server->policy_->Sweep();
      if (!swept.ok()) return swept.status();
      if (absl::Status s = LoadDemoEnforcement(
              server->grpc_server_->InProcessChannel(grpc::ChannelArguments()),
              today, server->store_->HeadPosition());
          !s.ok()) {
        return s;
      }
    }
  }
  if (!options.metrics_listen.empty()) {
    // Civetweb reports a port it cannot bind by throwing.
    try {
      server->exposer_ =
          std::make_unique<prometheus::Exposer>(options.metrics_listen);
    } catch (const std::exception& e) {
      return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ",
                                                 options.metrics_listen, ": ",
                                                 e.what()));
    }
    server->domain_metrics_ = std::make_shared<DomainMetricsCollector>(
        server->read_model_.get(), server->frameworks_.get(), clock,
        options.domain_metrics);
    server->exposer_->RegisterCollectable(server->domain_metrics_);
    server->exposer_->RegisterCollectable(server->registry_);
    ScrapeSources sources;
    sources.store = server->store_.get();
    sources.read_model = server->read_model_.get();
    Server* s = server.get();
    sources.streams = {
        {"subscribe", [s] { return s->event_log_->subscription_count(); }},
        {"watch_alerts", [s] { return s->alerts_->watch_count(); }},
        {"watch_contract", [s] { return s->progress_->watch_count(); }}};
    if (server->policy_ != nullptr) {
      sources.policy_failures = [s] { return s->policy_->failures(); };
    }
    server->operational_ =
        std::make_shared<OperationalCollector>(std::move(sources));
    server->exposer_->RegisterCollectable(server->operational_);
    const std::vector<int> ports = server->exposer_->GetListeningPorts();
    server->metrics_port_ = ports.empty() ? 0 : ports.front();
  }
  return server;
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
  if (policy_ != nullptr) policy_->Stop();
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    event_log_->StopSubscriptions();
    progress_->StopWatches();
    alerts_->StopWatches();
    // Queries waiting for a min_position answer UNAVAILABLE now; otherwise
    // the gRPC server would wait for them below.
    read_model_->StopWaiting();
    // Refuses new calls, waits for in-flight ones up to the grace period,
    // then cancels what remains.
    grpc_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
    grpc_server_->Wait();
  }
  if (read_model_ != nullptr) read_model_->Stop();
  // Completes anything still queued, then closes RocksDB cleanly.
  if (store_ != nullptr) store_->Close();
}

}  // namespace svledger::services
