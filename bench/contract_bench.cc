// ContractService.ReportDelivery over gRPC on loopback.
//
//   contract_bench [--contracts=320] [--clients=32] [--seconds=10]
//                  [--auth] [--json=FILE]
//
// Starts a server in this process on a temporary data directory (fsync on,
// the councils' frameworks published), registers the contracts with one
// commitment each, then keeps N reports in flight (one CompletionQueue
// thread, closed loop) against random contracts. Prints commands/s and
// latency percentiles, and writes them as JSON with --json.

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/closed_loop.h"
#include "bench/contract_log.h"
#include "bench/latency.h"
#include "bench/scratch.h"
#include "domain/contract.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "server/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"

ABSL_FLAG(bool, enforcement, true,
          "run the enforcement policy in the server, as in production");
ABSL_FLAG(int, contracts, 320, "contracts to report against");
ABSL_FLAG(bool, auth, false,
          "authentication on: every call presents a bearer token (the "
          "development issuer's, for a Derbyshire contract manager), verified "
          "once and then cached");
ABSL_FLAG(int, clients, 32, "client threads, one call in flight each");
ABSL_FLAG(double, seconds, 10, "measured duration");
ABSL_FLAG(double, warmup_seconds, 2, "unmeasured warm-up");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");

namespace {

namespace v1 = svledger::v1;

v1::Date D(int y, int m, int d) { return svledger::domain::MakeDate(y, m, d); }

std::string ContractId(int i) { return absl::StrCat("BENCH-", i); }

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const int contracts = absl::GetFlag(FLAGS_contracts);
  const int clients = absl::GetFlag(FLAGS_clients);
  const double seconds = absl::GetFlag(FLAGS_seconds);

  const std::string data_dir = svledger::bench::ScratchDir("cbench");
  svledger::server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = data_dir;
  options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  options.app.enforcement = absl::GetFlag(FLAGS_enforcement);
  const bool auth = absl::GetFlag(FLAGS_auth);
  if (auth) options.auth.dev_issuer_dir = data_dir + "/dev-auth";
  auto server = svledger::server::Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::string bearer;
  if (auth) {
    absl::StatusOr<std::string> token = (*server)->dev_issuer()->Mint(
        "manager-derbyshire", absl::Now(), absl::Hours(1));
    if (!token.ok()) return 1;
    bearer = "Bearer " + *token;
  }
  auto authorize = [&](grpc::ClientContext& context) {
    if (auth) context.AddMetadata("authorization", bearer);
  };
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::ContractService::NewStub(channel);

  // Set-up: each contract with kJobs jobs commitments (so a contract has
  // kJobs x kReportDays distinct report periods; see FillReport).
  constexpr int kJobs = 16;
  for (int i = 0; i < contracts; ++i) {
    v1::RegisterContractRequest reg;
    reg.set_request_id("reg");
    v1::ContractRegistered* c = reg.mutable_contract();
    c->set_contract_id(ContractId(i));
    c->mutable_framework()->set_id("derbyshire");
    c->mutable_framework()->set_version(1);
    c->set_title("Benchmark contract");
    c->set_supplier_id(absl::StrCat("supplier-", i % 50));
    c->set_supplier_name("Supplier");
    *c->mutable_start() = D(2025, 4, 1);
    *c->mutable_end() = D(2030, 3, 31);
    c->set_contract_manager("bench");
    v1::CommandResponse response;
    grpc::ClientContext c1;
    authorize(c1);
    grpc::Status s = stub->RegisterContract(&c1, reg, &response);
    v1::AddCommitmentsRequest add;
    add.set_request_id("add");
    add.set_contract_id(ContractId(i));
    for (int j = 0; j < kJobs; ++j) {
      v1::Commitment* jobs = add.add_commitments();
      jobs->set_commitment_id(absl::StrCat("jobs", j));
      jobs->set_measure_id("jobs.new_local");
      jobs->set_target("100");
      *jobs->mutable_due() = D(2029, 3, 31);
    }
    grpc::ClientContext c2;
    authorize(c2);
    if (s.ok()) s = stub->AddCommitments(&c2, add, &response);
    if (!s.ok()) {
      std::fprintf(stderr, "set-up: %s\n", s.error_message().c_str());
      return 1;
    }
  }

  const absl::Time measure_from =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
  const absl::Time measure_until = measure_from + absl::Seconds(seconds);
  // The clients: `clients` reports in flight against random contracts.
  std::vector<uint64_t> state(clients);
  // Reports so far per contract: the next one's commitment and day.
  std::vector<std::atomic<uint64_t>> reports(contracts);
  for (int i = 0; i < clients; ++i) state[i] = 0x9e3779b97f4a7c15ull * (i + 1);
  svledger::bench::ClosedLoopResult result = svledger::bench::RunClosedLoop<
      v1::ReportDeliveryRequest, v1::CommandResponse>(
      clients, measure_from, measure_until,
      [&](v1::ReportDeliveryRequest& request, int slot, uint64_t n) {
        uint64_t& x = state[slot];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const uint64_t contract = x % contracts;
        const uint64_t k = reports[contract].fetch_add(1);
        svledger::bench::FillReport(request, absl::StrCat("t", slot, "-", n),
                                    ContractId(contract),
                                    absl::StrCat("jobs", k % kJobs), k / kJobs);
      },
      [&](grpc::ClientContext* context,
          const v1::ReportDeliveryRequest& request, grpc::CompletionQueue* cq) {
        authorize(*context);
        return stub->AsyncReportDelivery(context, request, cq);
      });
  const std::vector<int64_t>& all = result.latencies_us;
  const uint64_t errors = result.errors;
  auto pct = [&](double p) { return svledger::bench::PercentileMs(all, p); };
  const double per_s = all.size() / seconds;
  std::printf(
      "ReportDelivery contracts=%d clients=%d auth=%s: commands/s=%.0f "
      "p50=%.3fms p99=%.3fms errors=%llu\n",
      contracts, clients, auth ? "bearer" : "off", per_s, pct(0.5), pct(0.99),
      static_cast<unsigned long long>(errors));
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"report_delivery\",\"auth\":%s,"
        "\"contracts\":%d,\"clients\":%d,\"seconds\":%.1f,\"commands_per_s\":%."
        "0f,\"p50_ms\":%.3f,"
        "\"p99_ms\":%.3f,\"errors\":%d}\n",
        auth ? "true" : "false", contracts, clients, seconds, per_s, pct(0.5),
        pct(0.99), static_cast<int>(errors));
  }
  (*server)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(data_dir, ec);
  return errors == 0 ? 0 : 1;
}
