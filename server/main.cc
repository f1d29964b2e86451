// svledger: the composition root. Parses flags, starts the server, and shuts
// it down gracefully on SIGINT or SIGTERM. Two offline subcommands work on a
// data directory no server is using:
//   svledger restore --from=BACKUP_DIR --data-dir=NEW_DIR [--backup-id=N]
//   svledger verify-log --data-dir=DIR

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/synchronization/mutex.h"
#include "backup/backup_set.h"
#include "common/flags.h"
#include "eventstore/chain.h"
#include "eventstore/verify.h"
#include "server/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port for gRPC; port 0 picks a free port");
ABSL_FLAG(std::string, health_listen, "",
          "host:port of a plaintext port serving only the gRPC health check "
          "(for probes that cannot speak TLS); empty: none");
ABSL_FLAG(uint32_t, max_connections, 10000,
          "the most gRPC connections open at once (lowered to what the "
          "descriptor limit allows once storage has its share)");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "close a connection that has not finished its TLS handshake and "
          "HTTP/2 preface by then");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(10),
          "close a connection with no call open for this long");
ABSL_FLAG(std::string, data_dir, "./var/data",
          "directory for all persistent state");
ABSL_FLAG(std::string, backup_dir, "",
          "directory of online backups (svctl backup ...), best on another "
          "disk; not inside --data-dir; empty: no backups");
ABSL_FLAG(uint64_t, backup_max_bytes_per_second, 16 << 20,
          "the most bytes a second a backup writes, so that appends keep "
          "most of their rate meanwhile (0: no limit)");
ABSL_FLAG(std::string, from, "",
          "restore: the backup directory to restore from");
ABSL_FLAG(uint32_t, backup_id, 0, "restore: the backup (0: the newest)");
ABSL_FLAG(
    uint64_t, max_evidence_bytes, 25ull << 20,
    "largest evidence file accepted, in bytes (kept in DATA_DIR/evidence)");
ABSL_FLAG(std::string, clamd, "",
          "ClamAV clamd to scan each new evidence file: unix:/path or "
          "host:port (default: no scan)");
ABSL_FLAG(std::string, frameworks_dir, "",
          "framework files to publish on first start (empty: none)");
ABSL_FLAG(std::vector<std::string>, councils, {},
          "the councils (framework ids, comma-separated) this instance serves "
          "when councils are sharded across instances; empty: all");
ABSL_FLAG(bool, demo, false,
          "on first start (no contracts yet), load a demo data set for every "
          "published council framework; --no-demo (or --nodemo) turns it off");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "how long shutdown waits for in-flight calls");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "host:port for Prometheus to scrape /metrics (empty: none)");
ABSL_FLAG(bool, metrics_per_contract, false,
          "also export per-contract series, capped by --metrics-max-contracts");
ABSL_FLAG(uint32_t, metrics_max_contracts, 1000,
          "the most contracts given per-contract series");
ABSL_FLAG(bool, enforcement, true,
          "run the enforcement policy: open, escalate and close cases by "
          "itself; --no-enforcement turns it off");
ABSL_FLAG(absl::Duration, enforcement_sweep, absl::Hours(1),
          "time between the enforcement policy's sweeps of every contract");
ABSL_FLAG(double, endorse_min_on_track, 0.9,
          "supplier endorsement: the least share (0-1) of its live "
          "commitments on track or met");
ABSL_FLAG(int, extension_min_months, 12,
          "contract extension: the least months a contract has run");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain for TLS on the gRPC port (watched for "
          "renewal)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls-cert");
ABSL_FLAG(std::string, client_ca, "",
          "PEM CAs whose client certificates authenticate callers (mTLS; "
          "the principal is mtls:<the certificate's SAN>)");
ABSL_FLAG(std::string, oidc_issuer, "",
          "accept bearer tokens from this OIDC issuer (the tokens' iss)");
ABSL_FLAG(std::string, oidc_audience, "",
          "the audience bearer tokens must name (aud)");
ABSL_FLAG(std::string, oidc_jwks_file, "",
          "the issuer's signing keys as a JWKS file (re-read every 10 "
          "minutes and on an unknown kid); empty: fetched from the issuer's "
          "discovery document");
ABSL_FLAG(std::string, oidc_principal_claim, "sub",
          "the token claim naming the principal: sub, email, groups, ...");
ABSL_FLAG(absl::Duration, oidc_clock_skew, absl::Seconds(60),
          "allowed clock difference for a token's exp and nbf");
ABSL_FLAG(bool, dev_auth, false,
          "run a local development token issuer under DATA_DIR/dev-auth and "
          "write the demo personas' tokens to DATA_DIR/dev-auth/tokens");
ABSL_FLAG(std::vector<std::string>, bootstrap_admin, {},
          "principals granted the admin role at start (comma-separated)");
ABSL_FLAG(std::string, bootstrap_admin_file, "",
          "a file of principals (one a line) granted the admin role at start");
ABSL_FLAG(std::string, metrics_basic_auth_file, "",
          "scrapes need basic authentication: a file of user:SHA-256-hex "
          "lines (echo -n PASSWORD | sha256sum)");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "host:port for the HTTP/JSON API (Connect protocol; TLS and client "
          "certificates as the gRPC port's); empty: none");
ABSL_FLAG(std::vector<std::string>, http_cors_origin, {},
          "origins (comma-separated, e.g. https://portal.example.gov.uk) "
          "whose browser pages may call the HTTP API; empty: none");
ABSL_FLAG(uint32_t, http_threads, 64,
          "HTTP worker threads: the most HTTP connections served at once");
ABSL_FLAG(uint32_t, http_max_streams, 32,
          "HTTP streams (Server-Sent Events, Connect streams) open at once");
ABSL_FLAG(bool, insecure, false,
          "allow a non-loopback address without TLS or authentication");

namespace {

// svledger restore: a backup into a new data directory, verified.
int Restore() {
  const std::string from = absl::GetFlag(FLAGS_from);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (from.empty()) {
    std::fprintf(stderr,
                 "svledger restore: --from: the backup directory is "
                 "required\n");
    return 2;
  }
  std::optional<uint32_t> id;
  if (absl::GetFlag(FLAGS_backup_id) != 0) id = absl::GetFlag(FLAGS_backup_id);
  absl::StatusOr<svledger::backup::RestoreReport> restored =
      svledger::backup::BackupSet::Restore(from, data_dir, id);
  if (!restored.ok()) {
    std::fprintf(stderr, "svledger restore: %s\n",
                 restored.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "restored backup %u into %s in %.1f s: log through position %llu, "
      "chain head sha256 %s (the backup recorded position %llu); %llu other "
      "files; every file's checksum and the log's chain verified. Start the "
      "server with --data-dir=%s: its projections catch up from the log.\n",
      restored->id, data_dir.c_str(), absl::ToDoubleSeconds(restored->took),
      static_cast<unsigned long long>(restored->position),
      svledger::eventstore::chain::Hex(restored->chain_hash).c_str(),
      static_cast<unsigned long long>(restored->backup_position),
      static_cast<unsigned long long>(restored->files), data_dir.c_str());
  return 0;
}

// svledger verify-log: the chain of a data directory's log, offline.
int VerifyLogOffline() {
  const std::string path = absl::GetFlag(FLAGS_data_dir) + "/log";
  absl::StatusOr<svledger::eventstore::ChainReport> report =
      svledger::eventstore::VerifyChainAt(path, {.indexes = true});
  if (!report.ok()) {
    std::fprintf(stderr, "svledger verify-log: %s\n",
                 report.status().ToString().c_str());
    return 1;
  }
  if (report->broken.has_value()) {
    std::printf("chain BROKEN at position %llu: %s (%llu events checked)\n",
                static_cast<unsigned long long>(report->broken->position),
                report->broken->reason.c_str(),
                static_cast<unsigned long long>(report->events));
    return 3;
  }
  std::printf(
      "chain intact: %llu events through position %llu, head sha256 "
      "%s (%.2f s)\n",
      static_cast<unsigned long long>(report->events),
      static_cast<unsigned long long>(report->through),
      svledger::eventstore::chain::Hex(report->head_hash).c_str(),
      absl::ToDoubleSeconds(report->took));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<svledger::ParsedCommandLine> parsed =
      svledger::ParseFlags(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "svledger: %s (see svledger --help)\n",
                 std::string(parsed.status().message()).c_str());
    return 2;
  }
  if (parsed->help) {
    std::printf(
        "svledger: the social value ledger's server.\n\n"
        "usage: svledger [--listen=HOST:PORT] [--data-dir=DIR] "
        "[--backup-dir=DIR] [FLAGS]\n"
        "       svledger restore --from=BACKUP_DIR --data-dir=NEW_DIR "
        "[--backup-id=N]\n"
        "       svledger verify-log --data-dir=DIR\n\nFlags:\n%s",
        svledger::FlagHelp(svledger::FlagsDefinedIn("server/main.cc")).c_str());
    return 0;
  }
  std::string subcommand;
  const std::vector<std::string>& rest = parsed->positional;
  if (!rest.empty() && (rest[0] == "restore" || rest[0] == "verify-log")) {
    subcommand = rest[0];
  }
  if (rest.size() > (subcommand.empty() ? 0 : 1)) {
    std::fprintf(stderr,
                 "svledger: unexpected argument '%s' (subcommands: restore, "
                 "verify-log)\n",
                 rest.back().c_str());
    return 2;
  }
  if (subcommand == "restore") return Restore();
  if (subcommand == "verify-log") return VerifyLogOffline();
  // Debian builds Abseil with mutex deadlock detection on; it costs every
  // lock a graph update. Tests keep it; production does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the shutdown signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Every connection is a descriptor: a shell's soft limit would cap the
  // server at a few hundred clients.
  svledger::server::RaiseDescriptorLimit();

  svledger::server::ServerOptions options;
  options.grpc.listen = absl::GetFlag(FLAGS_listen);
  options.grpc.max_connections = absl::GetFlag(FLAGS_max_connections);
  if (options.grpc.max_connections == 0) {
    std::fprintf(stderr, "svledger: --max-connections must be at least 1\n");
    return 2;
  }
  options.grpc.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  options.grpc.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);
  for (const auto& [flag, value] :
       {std::pair{"--handshake-timeout", options.grpc.handshake_timeout},
        std::pair{"--max-connection-idle", options.grpc.max_connection_idle}}) {
    if (value <= absl::ZeroDuration() || value > absl::Hours(24 * 24)) {
      std::fprintf(stderr, "svledger: %s must be above 0 and at most 24 days\n",
                   flag);
      return 2;
    }
  }
  options.grpc.health_listen = absl::GetFlag(FLAGS_health_listen);
  options.grpc.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.storage.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.storage.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  options.storage.max_evidence_bytes = absl::GetFlag(FLAGS_max_evidence_bytes);
  options.storage.clamd = absl::GetFlag(FLAGS_clamd);
  options.storage.backup.max_bytes_per_second =
      absl::GetFlag(FLAGS_backup_max_bytes_per_second);
  options.seed.frameworks_dir = absl::GetFlag(FLAGS_frameworks_dir);
  options.seed.demo = absl::GetFlag(FLAGS_demo);
  for (const std::string& council : absl::GetFlag(FLAGS_councils)) {
    if (council.empty()) {
      std::fprintf(stderr, "svledger: --councils: empty council id\n");
      return 2;
    }
    options.app.councils.insert(council);
  }
  options.metrics.listen = absl::GetFlag(FLAGS_metrics_listen);
  options.http.listen = absl::GetFlag(FLAGS_http_listen);
  options.http.cors_origins = absl::GetFlag(FLAGS_http_cors_origin);
  options.http.threads = absl::GetFlag(FLAGS_http_threads);
  options.http.max_streams = absl::GetFlag(FLAGS_http_max_streams);
  options.metrics.basic_auth_file =
      absl::GetFlag(FLAGS_metrics_basic_auth_file);
  options.metrics.domain.per_contract =
      absl::GetFlag(FLAGS_metrics_per_contract);
  options.metrics.domain.max_contracts =
      absl::GetFlag(FLAGS_metrics_max_contracts);
  options.app.enforcement = absl::GetFlag(FLAGS_enforcement);
  options.app.policy.sweep_interval = absl::GetFlag(FLAGS_enforcement_sweep);
  if (options.app.policy.sweep_interval <= absl::ZeroDuration()) {
    std::fprintf(stderr, "svledger: --enforcement-sweep must be above 0\n");
    return 2;
  }
  options.app.standing.endorse_min_on_track_share =
      absl::GetFlag(FLAGS_endorse_min_on_track);
  options.app.standing.extension_min_months =
      absl::GetFlag(FLAGS_extension_min_months);
  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_client_ca);
  svledger::server::AuthOptions& auth = options.auth;
  auth.oidc.issuer = absl::GetFlag(FLAGS_oidc_issuer);
  auth.oidc.audience = absl::GetFlag(FLAGS_oidc_audience);
  auth.oidc.principal_claim = absl::GetFlag(FLAGS_oidc_principal_claim);
  auth.oidc.clock_skew = absl::GetFlag(FLAGS_oidc_clock_skew);
  if (!auth.oidc.issuer.empty()) {
    auth.keys.jwks_file = absl::GetFlag(FLAGS_oidc_jwks_file);
    if (auth.keys.jwks_file.empty()) auth.keys.issuer_url = auth.oidc.issuer;
  } else if (!absl::GetFlag(FLAGS_oidc_jwks_file).empty()) {
    std::fprintf(stderr, "svledger: --oidc-jwks-file needs --oidc-issuer\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_dev_auth)) {
    if (!auth.oidc.issuer.empty()) {
      std::fprintf(stderr,
                   "svledger: --dev-auth and --oidc-issuer: give one\n");
      return 2;
    }
    auth.dev_issuer_dir = options.storage.data_dir + "/dev-auth";
  }
  auth.bootstrap_admins = absl::GetFlag(FLAGS_bootstrap_admin);
  if (const std::string file = absl::GetFlag(FLAGS_bootstrap_admin_file);
      !file.empty()) {
    std::ifstream in(file);
    if (!in) {
      std::fprintf(stderr,
                   "svledger: --bootstrap-admin-file: cannot read '%s'\n",
                   file.c_str());
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      const std::string principal(absl::StripAsciiWhitespace(line));
      if (!principal.empty() && principal[0] != '#') {
        auth.bootstrap_admins.push_back(principal);
      }
    }
  }
  auth.insecure = absl::GetFlag(FLAGS_insecure);
  auto server = svledger::server::Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "svledger: %s\n", server.status().ToString().c_str());
    return 1;
  }
  const std::string& listen = options.grpc.listen;
  const std::string host = listen.substr(0, listen.rfind(':'));
  std::printf("svledger listening on %s:%d, data in %s\n", host.c_str(),
              (*server)->port(), options.storage.data_dir.c_str());
  if ((*server)->metrics_port() != 0) {
    const std::string metrics_host =
        options.metrics.listen.substr(0, options.metrics.listen.rfind(':'));
    std::printf("svledger metrics on http://%s:%d/metrics\n",
                metrics_host.c_str(), (*server)->metrics_port());
  }
  if ((*server)->http_port() != 0) {
    const std::string& http = options.http.listen;
    std::printf("svledger HTTP API on %s://%s:%d/ (OpenAPI at /openapi.json)\n",
                options.tls.cert_file.empty() ? "http" : "https",
                http.substr(0, http.rfind(':')).c_str(),
                (*server)->http_port());
  }
  if (!(*server)->authentication_on()) {
    std::printf(
        "svledger: authentication is OFF: every caller is an admin naming "
        "itself (svledger-actor header)\n");
  } else if ((*server)->dev_issuer() != nullptr) {
    std::printf(
        "svledger: authentication on; demo tokens in %s/dev-auth/tokens "
        "(svctl --as=<persona>)\n",
        options.storage.data_dir.c_str());
  } else {
    std::printf("svledger: authentication on\n");
  }
  const svledger::server::DescriptorPlan& fds = (*server)->descriptors();
  std::printf(
      "svledger: %llu file descriptors: up to %zu connections, %d + %d "
      "storage files\n",
      static_cast<unsigned long long>(fds.limit), fds.connections,
      fds.log_files, fds.projection_files);
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "svledger: %s received, shutting down\n",
               received == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown();
  std::fprintf(stderr, "svledger: stopped cleanly\n");
  return 0;
}
