#include "services/server.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace svledger::services {
namespace {
constexpr char kEventLogServiceName[] = "svledger.v1.EventLog";
}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  std::unique_ptr<Server> server(new Server);
  server->options_ = options;

  eventstore::EventStoreOptions store_options;
  store_options.path = options.data_dir + "/log";
  store_options.clock = options.clock;
  store_options.sync = options.sync;
  absl::StatusOr<std::unique_ptr<eventstore::EventStore>> store =
      eventstore::EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  server->store_ = *std::move(store);

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
  builder.RegisterService(server->event_log_.get());
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
  return server;
}

Server::~Server() { Shutdown(); }

void Server::Shutdown() {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    event_log_->StopSubscriptions();
    // Refuses new calls, waits for in-flight ones up to the grace period,
    // then cancels what remains.
    grpc_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
    grpc_server_->Wait();
  }
  // Completes anything still queued, then closes RocksDB cleanly.
  if (store_ != nullptr) store_->Close();
}

}  // namespace svledger::services
