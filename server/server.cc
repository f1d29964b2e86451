#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "demo/demo.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_builder.h"
#include "http/openapi.h"
#include "server/dev_auth.h"
#include "services/admin_service.h"
#include "services/alert_service.h"
#include "services/contract_service.h"
#include "services/enforcement_service.h"
#include "services/event_log_service.h"
#include "services/framework_service.h"
#include "services/progress_service.h"
#include "services/request_guard.h"

namespace svledger::server {
namespace {

// The actor of what the server writes by itself on first start.
constexpr char kSeedActor[] = "svledger";

constexpr const char* kServiceNames[] = {
    "svledger.v1.EventLog",        "svledger.v1.ContractService",
    "svledger.v1.ProgressService", "svledger.v1.FrameworkService",
    "svledger.v1.AdminService",    "svledger.v1.EnforcementService",
    "svledger.v1.AlertService"};

// "user:sha256-hex" lines; INVALID_ARGUMENT naming the file and line.
absl::StatusOr<std::map<std::string, std::string>> ReadBasicAuthFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-basic-auth-file: cannot read '", path, "'"));
  }
  std::map<std::string, std::string> users;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    line = std::string(absl::StripAsciiWhitespace(line));
    if (line.empty() || line[0] == '#') continue;
    const size_t colon = line.find(':');
    const std::string digest =
        colon == std::string::npos
            ? ""
            : absl::AsciiStrToLower(line.substr(colon + 1));
    if (colon == 0 || digest.size() != 64 ||
        digest.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--metrics-basic-auth-file: ", path, ":", n,
          ": expected user:<SHA-256 of the password, 64 hex digits>"));
    }
    users[line.substr(0, colon)] = digest;
  }
  if (users.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics-basic-auth-file: no user in '", path, "'"));
  }
  return users;
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

bool IsLoopback(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host == "localhost") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  }
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 &&
         IN6_IS_ADDR_LOOPBACK(&v6);
}

// TLS with certificates watched on disk, or plaintext.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(
    const TlsOptions& tls) {
  if (tls.cert_file.empty()) return grpc::InsecureServerCredentials();
  const unsigned reload = static_cast<unsigned>(
      std::max<int64_t>(1, absl::ToInt64Seconds(tls.reload)));
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider =
      tls.client_ca_file.empty()
          ? std::make_shared<
                grpc::experimental::FileWatcherCertificateProvider>(
                tls.key_file, tls.cert_file, reload)
          : std::make_shared<
                grpc::experimental::FileWatcherCertificateProvider>(
                tls.key_file, tls.cert_file, tls.client_ca_file, reload);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    // Requested and, when sent, verified against the client CA; a caller
    // without one may still present a bearer token.
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

// Cancels a reflection call whose caller does not authenticate: the
// reflection service is gRPC's, so it cannot ask itself.
class ReflectionGate final : public grpc::experimental::Interceptor {
 public:
  ReflectionGate(grpc::experimental::ServerRpcInfo* info,
                 const services::CallAuthenticator* auth)
      : info_(info), auth_(auth) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                POST_RECV_INITIAL_METADATA) &&
        !auth_->Authenticate(*info_->server_context()).ok()) {
      info_->server_context()->TryCancel();
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* const info_;
  const services::CallAuthenticator* const auth_;
};

class ReflectionGateFactory_ final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ReflectionGateFactory_(const services::CallAuthenticator* auth)
      : auth_(auth) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (!auth_->enabled() ||
        !absl::StartsWith(info->method(), "/grpc.reflection.")) {
      return nullptr;
    }
    return new ReflectionGate(info, auth_);
  }

 private:
  const services::CallAuthenticator* const auth_;
};

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
ReflectionGateFactory(const services::CallAuthenticator* auth) {
  return std::make_unique<ReflectionGateFactory_>(auth);
}

// Hands each connection `listener` accepts to a gRPC server.
void StartAccepting(Listener& listener,
                    grpc::experimental::ExternalConnectionAcceptor& acceptor) {
  listener.Start([&acceptor, listener_fd = listener.fd()](int fd) {
    grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters
        connection;
    connection.listener_fd = listener_fd;
    connection.fd = fd;
    acceptor.HandleNewConnection(&connection);
  });
}

}  // namespace

// The gRPC adapters over the application.
struct Server::Services {
  Services(app::Application& app, RandomSource* random,
           const GrpcOptions& options, const services::CallAuthenticator* auth,
           services::AppliedWaitOptions wait, app::StorageAdmin* storage,
           WorkerPool* long_ops)
      : event_log(&app.event_log(), random, auth, options.streams),
        contracts(&app.commands(), auth),
        progress(&app.progress(), wait, auth, options.streams),
        frameworks(&app.frameworks(), auth),
        admin(&app.projection_admin(), &app.roles(), storage, long_ops, auth),
        enforcement(&app.commands(), &app.cases(), &app.progress().applied(),
                    wait, auth),
        alerts(&app.alerts(), auth, options.streams) {}

  // OK when every method of every service takes its requests through a
  // request guard (services/request_guard.h).
  absl::Status CheckGuarded() const {
    for (absl::Status s : {event_log.CheckGuarded(), contracts.CheckGuarded(),
                           progress.CheckGuarded(), frameworks.CheckGuarded(),
                           admin.CheckGuarded(), enforcement.CheckGuarded(),
                           alerts.CheckGuarded()}) {
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }

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
      clock_source_(options_.clock != nullptr ? options_.clock : Clock::Real()),
      clock_(&clock_source_) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  std::unique_ptr<Server> server(new Server(std::move(options)));
  for (absl::Status (Server::*step)() :
       {&Server::CheckOptions, &Server::PlanResources, &Server::OpenStorage,
        &Server::BuildApplication, &Server::Seed, &Server::StartAuth,
        &Server::StartGrpc, &Server::StartHttp, &Server::StartMetrics}) {
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
  store_options.clock = clock_;
  store_options.sync = options_.storage.sync;
  store_options.max_open_files = descriptors_.log_files;
  absl::StatusOr<std::unique_ptr<eventstore::EventStore>> store =
      eventstore::EventStore::Open(store_options);
  if (absl::IsDataLoss(store.status())) {
    return absl::DataLossError(absl::StrCat(
        store.status().message(),
        "\nThe event log cannot be read as it was written; svledger will "
        "not serve a shortened log. Restore it from a backup into a new "
        "directory (svledger restore --from=BACKUP_DIR --data-dir=NEW_DIR) "
        "and start the server there."));
  }
  if (!store.ok()) return store.status();
  store_ = *std::move(store);

  const std::string projections_dir =
      options_.storage.data_dir + "/projections";
  absl::StatusOr<std::unique_ptr<projections::ProjectionDb>> projection_db =
      projections::ProjectionDb::Open(projections_dir,
                                      descriptors_.projection_files);
  if (absl::IsDataLoss(projection_db.status())) {
    // Projections are derived from the log: a damaged database is set
    // aside (for inspection) and rebuilt.
    const std::string aside = absl::StrCat(projections_dir, ".damaged-",
                                           absl::ToUnixSeconds(absl::Now()));
    std::fprintf(stderr,
                 "svledger: %s\nsvledger: the projections are set aside in "
                 "%s and rebuilt from the log\n",
                 projection_db.status().ToString().c_str(), aside.c_str());
    std::error_code ec;
    std::filesystem::rename(projections_dir, aside, ec);
    if (ec) {
      return absl::DataLossError(
          absl::StrCat(projection_db.status().message(),
                       "; and setting it aside: ", ec.message()));
    }
    projection_db = projections::ProjectionDb::Open(
        projections_dir, descriptors_.projection_files);
  }
  if (!projection_db.ok()) return projection_db.status();
  projection_db_ = *std::move(projection_db);
  projections::ContractReadModelOptions model_options;
  model_options.store = store_.get();
  model_options.db = projection_db_.get();
  absl::StatusOr<std::unique_ptr<projections::ContractReadModel>> model =
      projections::ContractReadModel::Open(model_options);
  if (!model.ok()) return model.status();
  read_model_ = *std::move(model);

  backup_metrics_ = std::make_shared<observability::BackupMetrics>(
      store_.get(), clock_, !options_.storage.backup_dir.empty());
  if (!options_.storage.backup_dir.empty()) {
    absl::StatusOr<std::unique_ptr<backup::BackupSet>> backups =
        backup::BackupSet::Open(options_.storage.backup_dir,
                                options_.storage.backup);
    if (!backups.ok()) return backups.status();
    backups_ = *std::move(backups);
  }
  storage_admin_ = std::make_unique<app::StorageAdmin>(
      app::StorageAdminOptions{.store = store_.get(),
                               .projections = projection_db_.get(),
                               .data_dir = options_.storage.data_dir,
                               .backups = backups_.get(),
                               .clock = clock_,
                               .observer = backup_metrics_.get()});
  storage_admin_->ReportNewest();

  evidence::EvidenceStoreOptions evidence_options;
  evidence_options.dir = options_.storage.data_dir + "/evidence";
  evidence_options.max_bytes = options_.storage.max_evidence_bytes;
  if (!options_.storage.clamd.empty()) {
    absl::StatusOr<std::unique_ptr<evidence::ClamdScanner>> scanner =
        evidence::ClamdScanner::Create({.address = options_.storage.clamd});
    if (!scanner.ok()) return scanner.status();
    scanner_ = *std::move(scanner);
    evidence_options.scanner = scanner_.get();
  }
  absl::StatusOr<std::unique_ptr<evidence::EvidenceStore>> files =
      evidence::EvidenceStore::Open(evidence_options);
  if (!files.ok()) return files.status();
  evidence_ = *std::move(files);
  return absl::OkStatus();
}

namespace {
app::ApplicationOptions WithEvidence(app::ApplicationOptions options,
                                     evidence::EvidenceStore* files) {
  options.evidence = files;
  return options;
}
}  // namespace

absl::Status Server::BuildApplication() {
  absl::StatusOr<std::unique_ptr<app::Application>> app =
      app::Application::Create(store_.get(), read_model_.get(), clock_,
                               WithEvidence(options_.app, evidence_.get()));
  if (!app.ok()) return app.status();
  app_ = *std::move(app);
  return absl::OkStatus();
}

absl::Status Server::CheckOptions() {
  const TlsOptions& tls = options_.tls;
  const AuthOptions& auth = options_.auth;
  if (const std::string& backups = options_.storage.backup_dir;
      !backups.empty()) {
    // A backup directory inside the data directory would be backed up into
    // itself, and lost with it.
    std::error_code ec;
    const std::filesystem::path data =
        std::filesystem::weakly_canonical(options_.storage.data_dir, ec);
    const std::filesystem::path dir =
        std::filesystem::weakly_canonical(backups, ec);
    auto [end, rest] =
        std::mismatch(data.begin(), data.end(), dir.begin(), dir.end());
    if (end == data.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--backup-dir: ", backups, " is inside --data-dir ",
                       options_.storage.data_dir,
                       "; keep backups elsewhere (best on "
                       "another disk)"));
    }
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key: give both or neither");
  }
  if (!tls.client_ca_file.empty() && tls.cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--client-ca: client certificates need TLS (--tls-cert, --tls-key)");
  }
  for (const std::string* file :
       {&tls.cert_file, &tls.key_file, &tls.client_ca_file}) {
    if (!file->empty() && !std::ifstream(*file).good()) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS: cannot read '", *file, "'"));
    }
  }
  const bool tokens = !auth.dev_issuer_dir.empty() ||
                      !auth.keys.jwks_file.empty() ||
                      !auth.keys.issuer_url.empty();
  if (tokens && auth.dev_issuer_dir.empty() &&
      (auth.oidc.issuer.empty() || auth.oidc.audience.empty())) {
    return absl::InvalidArgumentError(
        "--oidc-issuer and --oidc-audience: both are needed to take tokens");
  }
  const MetricsOptions& metrics = options_.metrics;
  if (!metrics.listen.empty() && !auth.insecure &&
      !IsLoopback(metrics.listen) && metrics.basic_auth_file.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to serve metrics on ", metrics.listen,
        " to anyone (give --metrics-basic-auth-file; or --insecure)"));
  }
  const bool authenticated = tokens || !tls.client_ca_file.empty();
  const bool secure = authenticated && !tls.cert_file.empty();
  for (const std::string* listen :
       {&options_.grpc.listen, &options_.http.listen}) {
    if (!listen->empty() && !secure && !auth.insecure && !IsLoopback(*listen)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to listen on ", *listen, " without ",
          tls.cert_file.empty() ? "TLS" : "authentication",
          " (give --tls-cert, --tls-key and --oidc-* or --client-ca; or "
          "--insecure to accept the risk)"));
    }
  }
  return absl::OkStatus();
}

absl::Status Server::PlanResources() {
  absl::StatusOr<DescriptorPlan> plan =
      PlanDescriptors(DescriptorLimit(), options_.grpc.max_connections,
                      !options_.grpc.health_listen.empty());
  if (!plan.ok()) return plan.status();
  descriptors_ = *plan;
  return absl::OkStatus();
}

absl::Status Server::StartAuth() {
  AuthOptions auth = options_.auth;
  if (!auth.dev_issuer_dir.empty()) {
    absl::StatusOr<std::unique_ptr<auth::DevIssuer>> issuer =
        auth::DevIssuer::Open(auth.dev_issuer_dir);
    if (!issuer.ok()) return issuer.status();
    dev_issuer_ = *std::move(issuer);
    auth.oidc.issuer = auth::DevIssuer::kIssuer;
    auth.oidc.audience = auth::DevIssuer::kAudience;
    auth.keys = {};
    auth.keys.jwks_file = dev_issuer_->jwks_path();
  }
  const bool tokens =
      !auth.keys.jwks_file.empty() || !auth.keys.issuer_url.empty();
  if (tokens) {
    absl::StatusOr<std::unique_ptr<auth::KeySource>> keys =
        auth::KeySource::Start(auth.keys);
    if (!keys.ok()) return keys.status();
    keys_ = *std::move(keys);
  }
  if (tokens || !options_.tls.client_ca_file.empty()) {
    auth::AuthenticatorOptions authenticator;
    authenticator.oidc = auth.oidc;
    authenticator.keys = keys_.get();
    authenticator.client_certificates = !options_.tls.client_ca_file.empty();
    authenticator_ =
        std::make_unique<auth::Authenticator>(authenticator, clock_);
  }
  // The first admins of a deployment only: once any admin is bound, the
  // bindings are the admins' to change (a revoked bootstrap admin stays
  // revoked across restarts).
  if (!app_->roles().HasAdmin()) {
    for (const std::string& principal : auth.bootstrap_admins) {
      v1::RoleBinding admin;
      admin.set_principal(principal);
      admin.set_role(v1::ROLE_ADMIN);
      if (absl::Status s = app_->roles().Bootstrap(admin); !s.ok()) return s;
    }
  }
  if (dev_issuer_ != nullptr) {
    std::vector<std::string> councils;
    for (const auto& framework : app_->framework_store().List()) {
      councils.push_back(framework->id());
    }
    if (absl::Status s = SetUpDevPersonas(DevPersonas(councils), *dev_issuer_,
                                          app_->roles(), clock_->Now());
        !s.ok()) {
      return s;
    }
  }
  RandomSource* random =
      options_.random != nullptr ? options_.random : RandomSource::Real();
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&gateway_key_,
                    absl::Hex(random->Next64(), absl::kZeroPad16));
  }
  call_auth_ = std::make_unique<services::CallAuthenticator>(
      authenticator_.get(), &app_->roles(), gateway_key_);
  const GrpcOptions& grpc = options_.grpc;
  answer_pool_ = std::make_unique<WorkerPool>("svl-answers", 2, 4096);
  scan_pool_ = std::make_unique<WorkerPool>(
      "svl-scans",
      grpc.scan_threads > 0
          ? grpc.scan_threads
          : std::max<size_t>(1, std::thread::hardware_concurrency() / 2),
      grpc.max_queued_scans);
  services::AppliedWaitOptions wait;
  wait.max_wait = grpc.max_position_wait;
  wait.answers = answer_pool_.get();
  wait.scans = scan_pool_.get();
  wait.max_waits_per_principal = grpc.max_waits_per_principal;
  wait.log = &store_->head_watcher();
  // Backups and whole-log checks, one at a time, below the calls' priority.
  long_ops_ = std::make_unique<WorkerPool>("svl-long-ops", 1, 8, /*nice=*/5);
  services_ =
      std::make_unique<Services>(*app_, random, grpc, call_auth_.get(), wait,
                                 storage_admin_.get(), long_ops_.get());
  return services_->CheckGuarded();
}

absl::Status Server::StartGrpc() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  absl::StatusOr<std::unique_ptr<Listener>> listener =
      Listener::Bind({.address = options_.grpc.listen,
                      .max_connections = descriptors_.connections});
  if (!listener.ok()) return listener.status();
  listener_ = *std::move(listener);
  port_ = listener_->port();
  grpc::ServerBuilder builder;
  acceptor_ = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      ServerCredentials(options_.tls));
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(
                                 options_.grpc.handshake_timeout)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(
                                 options_.grpc.max_connection_idle)));
  // Each method has its own, smaller limit (services/request_guard.h).
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(services::kMaxRequestBytes));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options_.grpc.max_streams_per_connection);

  // Above the largest token taken (8 KiB), so that an oversized one gets
  // the authenticator's clear "too_large" rather than a transport error.
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 32 * 1024);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      observability::MetricsInterceptorFactory(metrics_.get()));
  // Reflection is gRPC's own service: a principal is needed to use it.
  interceptors.push_back(ReflectionGateFactory(call_auth_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(&services_->event_log);
  builder.RegisterService(&services_->contracts);
  builder.RegisterService(&services_->progress);
  builder.RegisterService(&services_->frameworks);
  builder.RegisterService(&services_->admin);
  builder.RegisterService(&services_->enforcement);
  builder.RegisterService(&services_->alerts);
  grpc_server_ = builder.BuildAndStart();
  if (grpc_server_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve on ", options_.grpc.listen));
  }
  StartAccepting(*listener_, *acceptor_);
  grpc::HealthCheckServiceInterface* health =
      grpc_server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  if (!options_.grpc.health_listen.empty()) {
    // Its own default health service: nothing else is registered on it
    // (gRPC adds reflection to every server, so it is gated here too).
    grpc::ServerBuilder health_builder;
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        gate;
    gate.push_back(ReflectionGateFactory(call_auth_.get()));
    health_builder.experimental().SetInterceptorCreators(std::move(gate));
    absl::StatusOr<std::unique_ptr<Listener>> health =
        Listener::Bind({.address = options_.grpc.health_listen,
                        .max_connections = descriptors_.health_connections});
    if (!health.ok()) return health.status();
    health_listener_ = *std::move(health);
    health_port_ = health_listener_->port();
    health_acceptor_ =
        health_builder.experimental().AddExternalConnectionAcceptor(
            grpc::ServerBuilder::experimental_type::ExternalConnectionType::
                FROM_FD,
            grpc::InsecureServerCredentials());
    health_builder.AddChannelArgument(
        GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
        static_cast<int>(
            absl::ToInt64Milliseconds(options_.grpc.handshake_timeout)));
    health_server_ = health_builder.BuildAndStart();
    if (health_server_ == nullptr) {
      return absl::UnavailableError(absl::StrCat("health: cannot serve on ",
                                                 options_.grpc.health_listen));
    }
    StartAccepting(*health_listener_, *health_acceptor_);
    grpc::HealthCheckServiceInterface* probe =
        health_server_->GetHealthCheckService();
    probe->SetServingStatus("", true);
    for (const char* name : kServiceNames) probe->SetServingStatus(name, true);
  }
  return absl::OkStatus();
}

absl::Status Server::StartHttp() {
  if (options_.http.listen.empty()) return absl::OkStatus();
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const char* name : kServiceNames) {
    services.push_back(
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name));
  }
  absl::StatusOr<std::string> openapi = http::OpenApiJson(services, "v1");
  if (!openapi.ok()) return openapi.status();
  bridge_ = std::make_unique<http::RpcBridge>(
      grpc_server_->InProcessChannel(grpc::ChannelArguments()), gateway_key_);
  http::HttpOptions options = options_.http;
  options.cert_file = options_.tls.cert_file;
  options.key_file = options_.tls.key_file;
  options.client_ca_file = options_.tls.client_ca_file;
  options.tls_reload = options_.tls.reload;
  options.on_response =
      [metrics = metrics_.get()](const http::HttpResponseReport& report) {
        metrics->OnHttp(report.route, report.status, report.latency);
      };
  evidence_routes_ = std::make_unique<http::EvidenceRoutes>(
      call_auth_.get(), &app_->evidence(),
      http::EvidenceRoutesOptions{.max_bytes = static_cast<size_t>(
                                      options_.storage.max_evidence_bytes)});
  absl::StatusOr<std::unique_ptr<http::HttpServer>> http =
      http::HttpServer::Start(std::move(options), bridge_.get(),
                              *std::move(openapi), evidence_routes_.get());
  if (!http.ok()) return http.status();
  http_ = *std::move(http);
  return absl::OkStatus();
}

size_t Server::alert_watches() const {
  return services_ == nullptr ? 0 : services_->alerts.watch_count();
}

absl::Status Server::Seed() {
  const absl::CivilDay today =
      absl::ToCivilDay(clock_->Now(), absl::UTCTimeZone());
  // The demo goes into an empty log only: its history is written at the
  // dates it would have happened, the frameworks first, and the log's
  // recorded times must not go backwards.
  const bool demo = options_.seed.demo && store_->HeadPosition() == 0;
  if (demo) clock_source_.Set(demo::DemoEpoch(today));
  absl::Status seeded = SeedAt(today, demo);
  clock_source_.Release();
  if (!seeded.ok()) return seeded;
  app_->StartPolicy();
  return absl::OkStatus();
}

absl::Status Server::SeedAt(absl::CivilDay today, bool demo) {
  const app::Caller seeder = app::Caller::System(kSeedActor);
  if (!options_.seed.frameworks_dir.empty() &&
      app_->framework_store().Library() == nullptr) {
    if (absl::Status s = app_->frameworks().PublishFrameworkFiles(
            options_.seed.frameworks_dir, seeder);
        !s.ok()) {
      return s;
    }
  }
  if (!demo) return absl::OkStatus();
  const absl::Time started = absl::Now();
  demo::DemoOptions demo_options;
  demo_options.head_position = [this] { return store_->HeadPosition(); };
  if (absl::Status s =
          demo::LoadDemo(*app_, clock_source_, today, demo_options);
      !s.ok()) {
    return s;
  }
  std::fprintf(stderr, "svledger: demo loaded: %llu events in %s\n",
               static_cast<unsigned long long>(store_->HeadPosition()),
               absl::FormatDuration(absl::Now() - started).c_str());
  return absl::OkStatus();
}

absl::Status Server::StartMetrics() {
  if (options_.metrics.listen.empty()) return absl::OkStatus();
  const MetricsOptions& metrics = options_.metrics;
  // Civetweb reports a port it cannot bind by throwing.
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(metrics.listen);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ",
                                               metrics.listen, ": ", e.what()));
  }
  if (!metrics.basic_auth_file.empty()) {
    absl::StatusOr<std::map<std::string, std::string>> users =
        ReadBasicAuthFile(metrics.basic_auth_file);
    if (!users.ok()) return users.status();
    exposer_->RegisterAuth(
        [users = *std::move(users)](const std::string& user,
                                    const std::string& password) {
          auto it = users.find(user);
          // The digests are compared, never the passwords.
          return it != users.end() &&
                 ConstantTimeEquals(it->second, Sha256Hex(password));
        },
        "svledger metrics");
  }
  domain_metrics_ = std::make_shared<observability::DomainMetricsCollector>(
      read_model_.get(), &app_->framework_store(), clock_,
      options_.metrics.domain);
  exposer_->RegisterCollectable(domain_metrics_);
  exposer_->RegisterCollectable(backup_metrics_);
  exposer_->RegisterCollectable(registry_);
  observability::ScrapeSources sources;
  sources.store = store_.get();
  sources.read_model = read_model_.get();
  Services* s = services_.get();
  sources.streams = {
      {"subscribe", [s] { return s->event_log.subscription_count(); }},
      {"watch_alerts", [s] { return s->alerts.watch_count(); }},
      {"watch_contract", [s] { return s->progress.watch_count(); }},
      {"http",
       [this] { return http_ == nullptr ? 0 : http_->open_streams(); }}};
  sources.stalled = {
      {"subscribe", [s] { return s->event_log.subscriptions_stalled(); }},
      {"watch_alerts", [s] { return s->alerts.watches_stalled(); }}};
  app::Application* app = app_.get();
  if (app->policy() != nullptr) {
    sources.policy_failures = [app] { return app->policy()->failures(); };
  }
  sources.skipped = {
      {"contract_commands", [app] { return app->engine().skipped_events(); }},
      {"frameworks", [app] { return app->framework_store().skipped(); }},
      {"alerts", [app] { return app->alerts().skipped(); }}};
  sources.descriptor_limit = descriptors_.limit;
  sources.connections = [listener = listener_.get()] {
    const ListenerStats stats = listener->Stats();
    return observability::ConnectionCounts{stats.open, stats.over_limit,
                                           stats.out_of_descriptors};
  };
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
  // A backup in progress gives up rather than hold the shutdown.
  if (backups_ != nullptr) backups_->Stop();
  // Its evaluation in progress completes while the log is open.
  if (app_ != nullptr) app_->StopPolicy();
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    if (health_server_ != nullptr) {
      health_server_->GetHealthCheckService()->SetServingStatus(false);
    }
    services_->event_log.StopSubscriptions();
    services_->progress.StopWatches();
    services_->alerts.StopWatches();
    // Queries waiting for a min_position answer UNAVAILABLE now; otherwise
    // the gRPC server would wait for them below.
    read_model_->StopWaiting();
    // HTTP calls in flight complete through gRPC, still serving; its
    // streams ended with the services' above.
    if (http_ != nullptr) http_->Shutdown();
    // Refuses new connections and calls, waits for in-flight ones up to the
    // grace period, then cancels what remains.
    listener_->Stop();
    grpc_server_->Shutdown(
        absl::ToChronoTime(absl::Now() + options_.grpc.shutdown_grace));
    grpc_server_->Wait();
  }
  if (health_server_ != nullptr) {
    health_listener_->Stop();
    health_server_->Shutdown(absl::ToChronoTime(absl::Now()));
    health_server_->Wait();
  }
  if (read_model_ != nullptr) read_model_->Stop();
  // Completes anything still queued, then closes RocksDB cleanly.
  if (store_ != nullptr) store_->Close();
}

}  // namespace svledger::server
