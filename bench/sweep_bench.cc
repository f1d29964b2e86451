// The enforcement policy's sweep over every contract: when nothing changed
// (the target), or with --falling_behind when every commitment has
// just fallen short and the sweep opens every case.
//
//   sweep_bench [--contracts=20000] [--commitments=10] [--falling_behind]
//               [--json=FILE]
//
// Writes a log of contracts (commitments, a few verified deliveries each)
// into a fresh data directory, starts the server with an injected clock
// early in the contracts' life (every commitment ON_TRACK: nothing to
// record), then times EnforcementPolicy::Sweep.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "app/enforcement_policy.h"
#include "bench/contract_log.h"
#include "bench/scratch.h"
#include "common/clock.h"
#include "domain/contract.h"
#include "server/server.h"

ABSL_FLAG(int, contracts, 20000, "contracts in the log");
ABSL_FLAG(int, commitments, 10, "commitments per contract");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");
ABSL_FLAG(bool, falling_behind, false,
          "judge two years in, when every commitment is short of its "
          "promise: the first sweep opens every case (one status change and "
          "one case per commitment), the next ones find nothing to do");

using namespace svledger;

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As in production (services/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string dir = bench::ScratchDir("sbench");
  // Early in the contracts' life: too early to judge, nothing to record.
  const bool behind = absl::GetFlag(FLAGS_falling_behind);
  FakeClock clock(domain::StartOfDay(behind ? domain::MakeDate(2027, 1, 1)
                                            : domain::MakeDate(2025, 2, 1)));
  server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir;
  options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  options.clock = &clock;
  options.storage.sync = false;     // the set-up, not what is measured
  options.app.enforcement = false;  // the benchmark drives its own policy
  if (auto first = server::Server::Start(options); !first.ok()) {
    std::fprintf(stderr, "%s\n", first.status().ToString().c_str());
    return 1;
  }
  bench::ContractLogShape shape;
  shape.contracts = absl::GetFlag(FLAGS_contracts);
  shape.commitments = absl::GetFlag(FLAGS_commitments);
  shape.deliveries = 4;
  shape.measures = {"jobs.new_local", "apprenticeships.new",
                    "volunteering.hours", "spend.local_percent"};
  shape.ratio = {false, false, false, true};
  if (absl::StatusOr<uint64_t> written = bench::WriteContractLogTo(dir, shape);
      !written.ok()) {
    std::fprintf(stderr, "%s\n", written.status().ToString().c_str());
    return 1;
  }
  options.storage.sync =
      true;  // the policy's appends are measured as in production
  auto server = server::Server::Start(options);
  if (!server.ok()) return 1;
  app::EnforcementPolicy policy(&(*server)->app().engine(),
                                &(*server)->read_model(),
                                &(*server)->app().framework_store(), &clock);
  double best = 1e9;
  size_t contracts = 0;
  int appended = 0;
  int first_appended = 0;
  for (int run = 0; run < 3; ++run) {
    const absl::Time t0 = absl::Now();
    auto swept = policy.Sweep();
    const double s = absl::ToDoubleSeconds(absl::Now() - t0);
    if (!swept.ok()) {
      std::fprintf(stderr, "%s\n", swept.status().ToString().c_str());
      return 1;
    }
    best = std::min(best, s);
    contracts = swept->contracts;
    appended += swept->appended;
    if (run == 0) first_appended = swept->appended;
    std::printf("sweep %d: %zu contracts, %d events appended, %.3fs\n", run,
                swept->contracts, swept->appended, s);
  }
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"enforcement_sweep\",\"contracts\":%d,"
        "\"commitments\":%d,\"best_seconds\":%.3f,\"appended\":%d}\n",
        static_cast<int>(contracts), shape.commitments, best, appended);
  }
  (*server)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  // Quiet: nothing to append. Falling behind: only the first sweep does.
  return (behind ? first_appended > 0 && appended == first_appended
                 : appended == 0)
             ? 0
             : 1;
}
