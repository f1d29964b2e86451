// ContractService.ReportDelivery through the HTTP/JSON API against the same
// through gRPC, in one run, on the released binary as its own process.
//
//   http_bench [--svledger=PATH] [--clients=32] [--seconds=10] [--rounds=2]
//              [--contracts=320] [--json=FILE]
//
// Starts svledger (fsync on, the councils' frameworks, authentication on
// with the development issuer), registers the contracts with 16
// commitments each over gRPC, then alternates phases of --seconds each,
// gRPC then HTTP, --rounds times: --clients threads, each with its own
// connection and one call in flight (closed loop), reporting one unit
// against a random contract with a bearer token. HTTP calls POST the
// request as JSON (Content-Type: application/json) on a keep-alive
// connection. Prints commands/s and latency percentiles per protocol and
// the ratio HTTP/gRPC; writes them as JSON with --json.
//
// Then renders a console-sized contract (10 commitments, 40 deliveries)
// with GetContractProgress and ListDeliveries through HTTP and reports the
// server time of each (the response's arrival minus its sending, on
// loopback).

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/contract_log.h"
#include "bench/latency.h"
#include "bench/scratch.h"
#include "domain/contract.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "httplib.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"

ABSL_FLAG(std::string, svledger, SVLEDGER_PATH, "the server binary");
ABSL_FLAG(int, contracts, 320, "contracts to report against");
ABSL_FLAG(int, clients, 32, "client threads, one call in flight each");
ABSL_FLAG(double, seconds, 10, "measured duration of each phase");
ABSL_FLAG(int, rounds, 2, "gRPC and HTTP phases, alternating");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");

namespace {

namespace v1 = svledger::v1;
constexpr int kJobs = 16;

std::string ContractId(int i) { return absl::StrCat("HB-", i); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Phase {
  std::vector<int64_t> latencies_us;
  uint64_t errors = 0;
  double seconds = 0;
  double PerSecond() const { return latencies_us.size() / seconds; }
};

// Runs `clients` threads for `seconds`, each calling `call(slot, n)` (true:
// success) in a loop; latencies of the calls.
Phase Run(int clients, double seconds,
          const std::function<bool(int slot, uint64_t n)>& call) {
  std::vector<std::vector<int64_t>> latencies(clients);
  std::atomic<uint64_t> errors{0};
  const absl::Time until = absl::Now() + absl::Seconds(seconds);
  std::vector<std::thread> threads;
  for (int slot = 0; slot < clients; ++slot) {
    threads.emplace_back([&, slot] {
      for (uint64_t n = 0; absl::Now() < until; ++n) {
        const absl::Time start = absl::Now();
        if (!call(slot, n)) {
          errors.fetch_add(1);
          continue;
        }
        latencies[slot].push_back(
            absl::ToInt64Microseconds(absl::Now() - start));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Phase phase;
  phase.seconds = seconds;
  phase.errors = errors.load();
  for (const auto& l : latencies) {
    phase.latencies_us.insert(phase.latencies_us.end(), l.begin(), l.end());
  }
  std::sort(phase.latencies_us.begin(), phase.latencies_us.end());
  return phase;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int contracts = absl::GetFlag(FLAGS_contracts);
  const int clients = absl::GetFlag(FLAGS_clients);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const std::string dir = svledger::bench::ScratchDir("hbench");
  svledger::testing::Subprocess server(
      {absl::GetFlag(FLAGS_svledger), "--listen=127.0.0.1:0",
       "--http-listen=127.0.0.1:0", "--metrics-listen=", "--data-dir=" + dir,
       std::string("--frameworks-dir=") + SVLEDGER_FRAMEWORKS_DIR, "--no-demo",
       "--dev-auth", "--http-threads=64"});
  std::optional<svledger::testing::StartReport> report =
      svledger::testing::ReadStartReport(server, absl::Seconds(60));
  if (!report.has_value() || report->http_port == 0) {
    std::fprintf(stderr, "server did not start\n");
    return 1;
  }
  const std::string bearer =
      "Bearer " + ReadFile(dir + "/dev-auth/tokens/manager-derbyshire.jwt");
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", report->port),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::ContractService::NewStub(channel);

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
    *c->mutable_start() = svledger::domain::MakeDate(2025, 4, 1);
    *c->mutable_end() = svledger::domain::MakeDate(2030, 3, 31);
    c->set_contract_manager("bench");
    v1::AddCommitmentsRequest add;
    add.set_request_id("add");
    add.set_contract_id(ContractId(i));
    for (int j = 0; j < kJobs; ++j) {
      v1::Commitment* jobs = add.add_commitments();
      jobs->set_commitment_id(absl::StrCat("jobs", j));
      jobs->set_measure_id("jobs.new_local");
      jobs->set_target("100");
      *jobs->mutable_due() = svledger::domain::MakeDate(2029, 3, 31);
    }
    v1::CommandResponse response;
    grpc::ClientContext c1, c2;
    c1.AddMetadata("authorization", bearer);
    c2.AddMetadata("authorization", bearer);
    grpc::Status s = stub->RegisterContract(&c1, reg, &response);
    if (s.ok()) s = stub->AddCommitments(&c2, add, &response);
    if (!s.ok()) {
      std::fprintf(stderr, "set-up: %s\n", s.error_message().c_str());
      return 1;
    }
  }

  // Each report a distinct (contract, commitment, day), shared by both
  // protocols so that no phase repeats another's period.
  std::vector<std::atomic<uint64_t>> reports(contracts);
  std::atomic<uint64_t> ids{0};
  auto next_report = [&](int slot, uint64_t n, v1::ReportDeliveryRequest& r) {
    uint64_t x = 0x9e3779b97f4a7c15ull * (slot + 1) + n * 0xbf58476d1ce4e5b9ull;
    x ^= x >> 31;
    const int contract = static_cast<int>(x % contracts);
    const uint64_t k = reports[contract].fetch_add(1);
    svledger::bench::FillReport(r, absl::StrCat("r", ids.fetch_add(1)),
                                ContractId(contract),
                                absl::StrCat("jobs", k % kJobs), k / kJobs);
  };
  std::vector<std::unique_ptr<v1::ContractService::Stub>> stubs;
  std::vector<std::unique_ptr<httplib::Client>> http;
  for (int i = 0; i < clients; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("svledger.bench.channel", i);  // a connection each
    stubs.push_back(v1::ContractService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", report->port),
                                  grpc::InsecureChannelCredentials(), args)));
    auto client =
        std::make_unique<httplib::Client>("127.0.0.1", report->http_port);
    client->set_keep_alive(true);
    // As curl and browsers do: no Nagle delay between headers and body.
    client->set_tcp_nodelay(true);
    client->set_read_timeout(30, 0);
    http.push_back(std::move(client));
  }
  const httplib::Headers headers = {{"Authorization", bearer}};
  std::atomic<bool> reported_error{false};
  auto grpc_call = [&](int slot, uint64_t n) {
    v1::ReportDeliveryRequest request;
    next_report(slot, n, request);
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearer);
    v1::CommandResponse response;
    return stubs[slot]->ReportDelivery(&context, request, &response).ok();
  };
  auto http_call = [&](int slot, uint64_t n) {
    v1::ReportDeliveryRequest request;
    next_report(slot, n, request);
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(request, &json).ok()) {
      return false;
    }
    httplib::Result res =
        http[slot]->Post("/svledger.v1.ContractService/ReportDelivery", headers,
                         json, "application/json");
    if (!res) {
      // The server closed the kept-alive connection while this client was
      // idle (between phases); the request id makes the retry safe.
      res = http[slot]->Post("/svledger.v1.ContractService/ReportDelivery",
                             headers, json, "application/json");
    }
    v1::CommandResponse response;
    const bool ok =
        res && res->status == 200 &&
        google::protobuf::util::JsonStringToMessage(res->body, &response).ok();
    if (!ok && !reported_error.exchange(true)) {
      std::fprintf(stderr, "HTTP error: %s\n",
                   res ? absl::StrCat(res->status, " ", res->body).c_str()
                       : httplib::to_string(res.error()).c_str());
    }
    return ok;
  };
  // Warm-up: connections open, tokens verified and cached.
  Run(clients, 1, grpc_call);
  Run(clients, 1, http_call);
  Phase grpc_all, http_all;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    for (bool over_http : {false, true}) {
      Phase p = over_http ? Run(clients, seconds, http_call)
                          : Run(clients, seconds, grpc_call);
      std::printf(
          "round %d %-4s commands/s=%.0f p50=%.2fms p99=%.2fms "
          "errors=%llu\n",
          round + 1, over_http ? "HTTP" : "gRPC", p.PerSecond(),
          svledger::bench::PercentileMs(p.latencies_us, 0.5),
          svledger::bench::PercentileMs(p.latencies_us, 0.99),
          static_cast<unsigned long long>(p.errors));
      Phase& all = over_http ? http_all : grpc_all;
      all.latencies_us.insert(all.latencies_us.end(), p.latencies_us.begin(),
                              p.latencies_us.end());
      all.errors += p.errors;
      all.seconds += p.seconds;
    }
  }
  std::sort(grpc_all.latencies_us.begin(), grpc_all.latencies_us.end());
  std::sort(http_all.latencies_us.begin(), http_all.latencies_us.end());
  const double ratio = http_all.PerSecond() / grpc_all.PerSecond();

  // A console-sized contract: 10 commitments, 40 deliveries.
  {
    v1::RegisterContractRequest reg;
    reg.set_request_id("page");
    v1::ContractRegistered* c = reg.mutable_contract();
    c->set_contract_id("HB-PAGE");
    c->mutable_framework()->set_id("derbyshire");
    c->mutable_framework()->set_version(1);
    c->set_title("A contract as the console shows it");
    c->set_supplier_id("supplier-page");
    c->set_supplier_name("Supplier");
    *c->mutable_start() = svledger::domain::MakeDate(2025, 4, 1);
    *c->mutable_end() = svledger::domain::MakeDate(2030, 3, 31);
    c->set_contract_manager("bench");
    v1::AddCommitmentsRequest add;
    add.set_request_id("page-add");
    add.set_contract_id("HB-PAGE");
    for (int j = 0; j < 10; ++j) {
      v1::Commitment* jobs = add.add_commitments();
      jobs->set_commitment_id(absl::StrCat("c", j));
      jobs->set_measure_id("jobs.new_local");
      jobs->set_target("100");
      *jobs->mutable_due() = svledger::domain::MakeDate(2029, 3, 31);
    }
    v1::CommandResponse response;
    grpc::ClientContext c1, c2;
    c1.AddMetadata("authorization", bearer);
    c2.AddMetadata("authorization", bearer);
    if (!stub->RegisterContract(&c1, reg, &response).ok() ||
        !stub->AddCommitments(&c2, add, &response).ok()) {
      return 1;
    }
    for (int d = 0; d < 40; ++d) {
      v1::ReportDeliveryRequest r;
      svledger::bench::FillReport(r, absl::StrCat("page-d", d), "HB-PAGE",
                                  absl::StrCat("c", d % 10), d / 10);
      grpc::ClientContext c3;
      c3.AddMetadata("authorization", bearer);
      if (!stub->ReportDelivery(&c3, r, &response).ok()) return 1;
    }
  }
  std::vector<int64_t> page_us;
  for (int i = 0; i < 200; ++i) {
    const absl::Time start = absl::Now();
    httplib::Result progress = http[0]->Post(
        "/svledger.v1.ProgressService/GetContractProgress", headers,
        R"({"contractId":"HB-PAGE"})", "application/json");
    httplib::Result deliveries = http[0]->Post(
        "/svledger.v1.ProgressService/ListDeliveries", headers,
        R"({"contractId":"HB-PAGE","pageSize":40})", "application/json");
    if (!progress || progress->status != 200 || !deliveries ||
        deliveries->status != 200) {
      std::fprintf(stderr, "page: failed\n");
      return 1;
    }
    page_us.push_back(absl::ToInt64Microseconds(absl::Now() - start));
  }
  std::sort(page_us.begin(), page_us.end());

  using svledger::bench::PercentileMs;
  std::printf(
      "ReportDelivery clients=%d: gRPC commands/s=%.0f p50=%.2fms "
      "p99=%.2fms; HTTP commands/s=%.0f p50=%.2fms p99=%.2fms; HTTP/gRPC=%.2f "
      "(target >= 0.70) errors=%llu\n",
      clients, grpc_all.PerSecond(), PercentileMs(grpc_all.latencies_us, 0.5),
      PercentileMs(grpc_all.latencies_us, 0.99), http_all.PerSecond(),
      PercentileMs(http_all.latencies_us, 0.5),
      PercentileMs(http_all.latencies_us, 0.99), ratio,
      static_cast<unsigned long long>(grpc_all.errors + http_all.errors));
  std::printf(
      "contract page (progress + 40 deliveries over HTTP): p50=%.2fms "
      "p99=%.2fms (target < 200 ms)\n",
      PercentileMs(page_us, 0.5), PercentileMs(page_us, 0.99));
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"http_vs_grpc_report_delivery\",\"clients\":%d,"
        "\"seconds_each\":%.1f,\"rounds\":%d,\"grpc_commands_per_s\":%.0f,"
        "\"grpc_p50_ms\":%.3f,\"grpc_p99_ms\":%.3f,"
        "\"http_commands_per_s\":%.0f,\"http_p50_ms\":%.3f,"
        "\"http_p99_ms\":%.3f,\"http_over_grpc\":%.3f,\"errors\":%d,"
        "\"page_p50_ms\":%.3f,\"page_p99_ms\":%.3f}\n",
        clients, seconds, absl::GetFlag(FLAGS_rounds), grpc_all.PerSecond(),
        PercentileMs(grpc_all.latencies_us, 0.5),
        PercentileMs(grpc_all.latencies_us, 0.99), http_all.PerSecond(),
        PercentileMs(http_all.latencies_us, 0.5),
        PercentileMs(http_all.latencies_us, 0.99), ratio,
        static_cast<int>(grpc_all.errors + http_all.errors),
        PercentileMs(page_us, 0.5), PercentileMs(page_us, 0.99));
  }
  server.Signal(SIGTERM);
  server.Wait(absl::Seconds(30));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return grpc_all.errors + http_all.errors == 0 ? 0 : 1;
}
