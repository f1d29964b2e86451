// ProgressService.GetContractProgress over gRPC, and server start-up.
//
//   progress_bench [--contracts=2000] [--commitments=10] [--deliveries=20]
//                  [--clients=8] [--seconds=10] [--json=FILE]
//
// Writes a log of contracts (each with its commitments and deliveries,
// reported and verified) into a fresh data directory, then:
//   - starts the server (the projection builds from the log): cold start;
//   - restarts it (the projection is up to date): warm start, the start-up
//     the issue names;
//   - runs N client threads asking for the progress of random contracts,
//     one call at a time, and prints calls/s and latency percentiles.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/contract_log.h"
#include "bench/latency.h"
#include "bench/scratch.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "server/server.h"
#include "svledger/v1/progress_service.grpc.pb.h"

ABSL_FLAG(int, contracts, 2000, "contracts in the log");
ABSL_FLAG(int, commitments, 10, "commitments per contract");
ABSL_FLAG(int, deliveries, 20, "deliveries per contract");
ABSL_FLAG(int, clients, 8, "client threads, one call in flight each");
ABSL_FLAG(double, seconds, 10, "measured duration");
ABSL_FLAG(double, warmup_seconds, 2, "unmeasured warm-up");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");

using namespace svledger;

namespace {

absl::StatusOr<std::unique_ptr<server::Server>> StartServer(
    const std::string& dir) {
  server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir;
  options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  // The log is judged years after it was written: the policy's first sweep
  // would append a case for most commitments while the queries run.
  options.app.enforcement = false;
  return server::Server::Start(options);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As in production (services/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string dir = bench::ScratchDir("qbench");
  // First start publishes the frameworks; the contracts go in behind it.
  if (auto s = StartServer(dir); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
    return 1;
  }
  bench::ContractLogShape shape;
  shape.contracts = absl::GetFlag(FLAGS_contracts);
  shape.commitments = absl::GetFlag(FLAGS_commitments);
  shape.deliveries = absl::GetFlag(FLAGS_deliveries);
  bench::UseMixedMeasures(shape);
  absl::StatusOr<uint64_t> written = bench::WriteContractLogTo(dir, shape);
  if (!written.ok()) {
    std::fprintf(stderr, "%s\n", written.status().ToString().c_str());
    return 1;
  }
  const uint64_t head = *written;

  absl::Time t0 = absl::Now();
  auto server = StartServer(dir);
  const double cold_s = absl::ToDoubleSeconds(absl::Now() - t0);
  if (!server.ok()) return 1;
  (*server)->Shutdown();
  server->reset();
  t0 = absl::Now();
  server = StartServer(dir);
  const double warm_s = absl::ToDoubleSeconds(absl::Now() - t0);
  if (!server.ok()) return 1;
  std::printf(
      "log: %llu events; start-up: cold (projection built) %.2fs, "
      "warm (projection up to date) %.2fs\n",
      static_cast<unsigned long long>(head), cold_s, warm_s);

  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::ProgressService::NewStub(channel);
  const int clients = absl::GetFlag(FLAGS_clients);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const absl::Time measure_from =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
  const absl::Time measure_until = measure_from + absl::Seconds(seconds);
  absl::Mutex mu;
  std::vector<int64_t> all;
  std::atomic<uint64_t> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      std::vector<int64_t> latencies;
      v1::GetContractProgressRequest request;
      v1::ContractProgress response;
      while (true) {
        request.set_contract_id(
            bench::BenchContractId(random() % shape.contracts));
        grpc::ClientContext context;
        const absl::Time sent = absl::Now();
        if (sent > measure_until) break;
        grpc::Status s =
            stub->GetContractProgress(&context, request, &response);
        const absl::Time done = absl::Now();
        if (!s.ok() || response.commitments_size() != shape.commitments) {
          errors++;
        } else if (sent >= measure_from && done <= measure_until) {
          latencies.push_back(absl::ToInt64Microseconds(done - sent));
        }
      }
      absl::MutexLock lock(&mu);
      all.insert(all.end(), latencies.begin(), latencies.end());
    });
  }
  for (auto& t : threads) t.join();
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return svledger::bench::PercentileMs(all, p); };
  const double per_s = all.size() / seconds;
  std::printf(
      "GetContractProgress contracts=%d commitments=%d clients=%d: "
      "calls/s=%.0f p50=%.3fms p99=%.3fms p999=%.3fms errors=%llu\n",
      shape.contracts, shape.commitments, clients, per_s, pct(0.5), pct(0.99),
      pct(0.999), static_cast<unsigned long long>(errors.load()));
  // The rollups are computed at query time over the projection's contracts:
  // how long does one over every contract take?
  auto time_calls = [&](auto call) {
    std::vector<int64_t> us;
    for (int i = 0; i < 20; ++i) {
      grpc::ClientContext context;
      const absl::Time sent = absl::Now();
      if (!call(&context).ok()) errors++;
      us.push_back(absl::ToInt64Microseconds(absl::Now() - sent));
    }
    std::sort(us.begin(), us.end());
    return bench::PercentileMs(us, 0.5);
  };
  v1::GetCouncilSummaryRequest council;
  council.set_council("norwich");  // every contract of the log
  v1::CouncilSummary summary;
  const double council_ms = time_calls([&](grpc::ClientContext* c) {
    return stub->GetCouncilSummary(c, council, &summary);
  });
  v1::GetSupplierScorecardRequest supplier;
  supplier.set_supplier_id("supplier-7");  // 1 in 50 contracts
  v1::SupplierScorecard scorecard;
  const double supplier_ms = time_calls([&](grpc::ClientContext* c) {
    return stub->GetSupplierScorecard(c, supplier, &scorecard);
  });
  v1::ListContractsRequest list;
  list.set_status(v1::MET);  // judges every contract, returns few
  v1::ListContractsResponse listed;
  const double list_ms = time_calls([&](grpc::ClientContext* c) {
    return stub->ListContracts(c, list, &listed);
  });
  std::printf(
      "median of 20: GetCouncilSummary over %u contracts %.1fms; "
      "GetSupplierScorecard (%d contracts) %.1fms; ListContracts by status "
      "%.1fms\n",
      summary.total().contracts(), council_ms, scorecard.contracts_size(),
      supplier_ms, list_ms);
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"get_contract_progress\",\"contracts\":%d,"
        "\"commitments\":%d,\"events\":%d,\"clients\":%d,\"seconds\":%.1f,"
        "\"calls_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
        "\"cold_start_s\":%.3f,\"warm_start_s\":%.3f,"
        "\"council_summary_ms\":%.1f,\"supplier_scorecard_ms\":%.1f,"
        "\"list_by_status_ms\":%.1f,\"errors\":%d}\n",
        shape.contracts, shape.commitments, static_cast<int>(head), clients,
        seconds, per_s, pct(0.5), pct(0.99), cold_s, warm_s, council_ms,
        supplier_ms, list_ms, static_cast<int>(errors.load()));
  }
  (*server)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return errors.load() == 0 ? 0 : 1;
}
