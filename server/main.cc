// svledger: the composition root. Parses flags, starts the server, and shuts
// it down gracefully on SIGINT or SIGTERM.

#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "common/flag_names.h"
#include "server/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port for gRPC; port 0 picks a free port");
ABSL_FLAG(std::string, data_dir, "./var/data",
          "directory for all persistent state");
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

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "svledger [--listen=HOST:PORT] [--data-dir=DIR] [--shutdown-grace=10s]");
  std::vector<std::string> args = svledger::NormalizeFlagNames(argc, argv);
  std::vector<char*> arg_ptrs = svledger::ArgvPointers(args);
  absl::ParseCommandLine(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  // Debian builds Abseil with mutex deadlock detection on; it costs every
  // lock a graph update. Tests keep it; production does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the shutdown signals in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  svledger::server::ServerOptions options;
  options.grpc.listen = absl::GetFlag(FLAGS_listen);
  options.grpc.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.storage.data_dir = absl::GetFlag(FLAGS_data_dir);
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
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "svledger: %s received, shutting down\n",
               received == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown();
  std::fprintf(stderr, "svledger: stopped cleanly\n");
  return 0;
}
