// ContractService.ReportDelivery over gRPC on loopback.
//
//   contract_bench [--contracts=320] [--clients=32] [--seconds=10]
//                  [--json=FILE]
//
// Starts a server in this process on a temporary data directory (fsync on,
// the councils' frameworks published), registers the contracts with one
// commitment each, then keeps N reports in flight (one CompletionQueue
// thread, closed loop) against random contracts. Prints commands/s and
// latency percentiles, and writes them as JSON with --json.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/latency.h"
#include "bench/scratch.h"
#include "domain/contract.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"

ABSL_FLAG(bool, enforcement, true,
          "run the enforcement policy in the server, as in production");
ABSL_FLAG(int, contracts, 320, "contracts to report against");
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
  svledger::services::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  options.enforcement = absl::GetFlag(FLAGS_enforcement);
  auto server = svledger::services::Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::ContractService::NewStub(channel);

  // Set-up: each contract with one jobs commitment.
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
    grpc::Status s = stub->RegisterContract(&c1, reg, &response);
    v1::AddCommitmentsRequest add;
    add.set_request_id("add");
    add.set_contract_id(ContractId(i));
    v1::Commitment* jobs = add.add_commitments();
    jobs->set_commitment_id("jobs");
    jobs->set_measure_id("jobs.new_local");
    jobs->set_target(100);
    *jobs->mutable_due() = D(2029, 3, 31);
    grpc::ClientContext c2;
    if (s.ok()) s = stub->AddCommitments(&c2, add, &response);
    if (!s.ok()) {
      std::fprintf(stderr, "set-up: %s\n", s.error_message().c_str());
      return 1;
    }
  }

  const absl::Time measure_from =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
  const absl::Time measure_until = measure_from + absl::Seconds(seconds);
  // The clients: one thread drives `clients` calls in flight through a
  // CompletionQueue (closed loop: each slot sends its next report when the
  // last returns). Far cheaper than 32 blocking threads, which on a 2-core
  // machine would take a third of the CPU from the server they measure.
  struct Slot {
    int index = 0;
    uint64_t n = 0;
    uint64_t state = 0;
    absl::Time sent;
    v1::ReportDeliveryRequest request;
    v1::CommandResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::CommandResponse>> call;
  };
  grpc::CompletionQueue cq;
  std::vector<Slot> slots(clients);
  auto send = [&](Slot& slot) {
    slot.state ^= slot.state << 13;
    slot.state ^= slot.state >> 7;
    slot.state ^= slot.state << 17;
    const std::string id = absl::StrCat("t", slot.index, "-", slot.n++);
    slot.request.Clear();
    slot.request.set_request_id(id);
    slot.request.set_contract_id(ContractId(slot.state % contracts));
    v1::DeliveryReported* d = slot.request.mutable_delivery();
    d->set_delivery_id(id);
    d->set_commitment_id("jobs");
    d->set_quantity(1);
    *d->mutable_period_start() = D(2025, 4, 1);
    *d->mutable_period_end() = D(2025, 6, 30);
    d->mutable_evidence()->set_uri("https://evidence.example/" + id);
    slot.context = std::make_unique<grpc::ClientContext>();
    slot.sent = absl::Now();
    slot.call =
        stub->AsyncReportDelivery(slot.context.get(), slot.request, &cq);
    slot.call->Finish(&slot.response, &slot.status, &slot);
  };
  std::vector<int64_t> all;
  uint64_t errors = 0;
  for (int i = 0; i < clients; ++i) {
    slots[i].index = i;
    slots[i].state = 0x9e3779b97f4a7c15ull * (i + 1);
    send(slots[i]);
  }
  int in_flight = clients;
  void* tag;
  bool ok;
  while (in_flight > 0 && cq.Next(&tag, &ok)) {
    Slot& slot = *static_cast<Slot*>(tag);
    const absl::Time done = absl::Now();
    if (!slot.status.ok()) {
      if (errors++ == 0) {
        std::fprintf(stderr, "error: %s\n",
                     slot.status.error_message().c_str());
      }
    } else if (slot.sent >= measure_from && done <= measure_until) {
      all.push_back(absl::ToInt64Microseconds(done - slot.sent));
    }
    if (done > measure_until) {
      --in_flight;
    } else {
      send(slot);
    }
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return svledger::bench::PercentileMs(all, p); };
  const double per_s = all.size() / seconds;
  std::printf(
      "ReportDelivery contracts=%d clients=%d: commands/s=%.0f p50=%.3fms "
      "p99=%.3fms errors=%llu\n",
      contracts, clients, per_s, pct(0.5), pct(0.99),
      static_cast<unsigned long long>(errors));
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"report_delivery\",\"contracts\":%d,\"clients\":%d,"
        "\"seconds\":%.1f,\"commands_per_s\":%.0f,\"p50_ms\":%.3f,"
        "\"p99_ms\":%.3f,\"errors\":%d}\n",
        contracts, clients, seconds, per_s, pct(0.5), pct(0.99),
        static_cast<int>(errors));
  }
  (*server)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(data_dir, ec);
  return errors == 0 ? 0 : 1;
}
