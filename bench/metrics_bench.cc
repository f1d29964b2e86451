// The cost of a Prometheus scrape of /metrics, and whether scrapes stall
// appends.
//
//   metrics_bench [--contracts=2000] [--commitments=10] [--deliveries=20]
//                 [--clients=16] [--seconds=8] [--json=FILE]
//
// Writes a log of contracts (each with its commitments and verified
// deliveries) into a fresh data directory and starts the server on it (fsync
// on, metrics on loopback). Then:
//   - times sequential scrapes of /metrics (the domain metrics are computed
//     over every contract at each scrape);
//   - keeps N ReportDelivery commands in flight (each an fsynced append)
//     with no scrapes, with a scrape every second, with scrapes back to
//     back (the worst case: a scrape always running), and with no scrapes
//     again (the drift between phases), and prints commands/s and latency
//     percentiles for each.
// Scrapes stall appends if the appends' tail latency grows towards the
// scrape's duration while scrapes run.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/closed_loop.h"
#include "bench/contract_log.h"
#include "bench/latency.h"
#include "bench/scratch.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "server/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "tests/testing/http.h"

ABSL_FLAG(int, contracts, 2000, "contracts in the log");
ABSL_FLAG(int, commitments, 10, "commitments per contract");
ABSL_FLAG(int, deliveries, 20, "verified deliveries per contract");
ABSL_FLAG(int, scrapes, 50, "sequential scrapes timed");
ABSL_FLAG(int, clients, 16, "ReportDelivery calls in flight");
ABSL_FLAG(double, seconds, 8, "measured duration of each append phase");
ABSL_FLAG(double, warmup_seconds, 1, "unmeasured warm-up of each phase");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");

using namespace svledger;

namespace {

// Times one scrape; returns its duration in microseconds, or -1 on error.
int64_t Scrape(int port, size_t* bytes) {
  const absl::Time sent = absl::Now();
  absl::StatusOr<std::string> body = testing::HttpGet(port, "/metrics");
  if (!body.ok()) {
    std::fprintf(stderr, "scrape: %s\n", body.status().ToString().c_str());
    return -1;
  }
  if (bytes != nullptr) *bytes = body->size();
  return absl::ToInt64Microseconds(absl::Now() - sent);
}

struct Phase {
  std::string name;
  // Time between scrapes: none, no scrapes; zero, back to back.
  std::optional<absl::Duration> scrape_every;
  // Results.
  double commands_per_s = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  int scrapes_done = 0;
  double scrape_median_ms = 0;
  uint64_t errors = 0;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string dir = bench::ScratchDir("mbench");
  bench::ContractLogShape shape;
  shape.contracts = absl::GetFlag(FLAGS_contracts);
  shape.commitments = absl::GetFlag(FLAGS_commitments);
  shape.deliveries = absl::GetFlag(FLAGS_deliveries);
  bench::UseMixedMeasures(shape);
  server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir;
  options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  options.metrics.listen = "127.0.0.1:0";
  // The log is judged long after it was written: the policy's first sweep
  // would open cases while the appends are measured.
  options.app.enforcement = false;
  // First start publishes the frameworks; the contracts go in behind it.
  if (auto s = server::Server::Start(options); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
    return 1;
  }
  if (absl::StatusOr<uint64_t> written = bench::WriteContractLogTo(dir, shape);
      !written.ok()) {
    std::fprintf(stderr, "%s\n", written.status().ToString().c_str());
    return 1;
  }
  auto server = server::Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  const int metrics_port = (*server)->metrics_port();
  uint64_t errors = 0;

  // Sequential scrapes.
  std::vector<int64_t> scrape_us;
  size_t bytes = 0;
  for (int i = 0; i < absl::GetFlag(FLAGS_scrapes); ++i) {
    const int64_t us = Scrape(metrics_port, &bytes);
    if (us < 0) {
      ++errors;
    } else {
      scrape_us.push_back(us);
    }
  }
  std::sort(scrape_us.begin(), scrape_us.end());
  const double scrape_ms = bench::PercentileMs(scrape_us, 0.5);
  const double scrape_p99_ms = bench::PercentileMs(scrape_us, 0.99);
  std::printf(
      "scrape of /metrics over %d contracts x %d commitments (%zu bytes): "
      "median %.1fms, p99 %.1fms, max %.1fms over %zu scrapes\n",
      shape.contracts, shape.commitments, bytes, scrape_ms, scrape_p99_ms,
      scrape_us.empty() ? 0.0 : scrape_us.back() / 1000.0, scrape_us.size());

  // Appends with and without scrapes running.
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::ContractService::NewStub(channel);
  const int clients = absl::GetFlag(FLAGS_clients);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  std::vector<Phase> phases = {
      {.name = "no scrapes"},
      {.name = "scrape every 1s", .scrape_every = absl::Seconds(1)},
      {.name = "scrapes back to back", .scrape_every = absl::ZeroDuration()},
      // The first phase again: how much the machine and the growing log
      // moved the numbers while the phases ran.
      {.name = "no scrapes, again"},
  };
  int run = 0;
  // Reports across every run: each contract's get distinct days.
  std::atomic<uint64_t> next_report{0};
  for (Phase& phase : phases) {
    const absl::Time from =
        absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
    const absl::Time until = from + absl::Seconds(seconds);
    std::vector<int64_t> during;
    std::thread scraper;
    if (phase.scrape_every.has_value()) {
      scraper = std::thread([&] {
        absl::Time next = absl::Now();
        while (absl::Now() < until) {
          absl::SleepFor(next - absl::Now());
          next += *phase.scrape_every;
          const int64_t us = Scrape(metrics_port, nullptr);
          if (us < 0) {
            ++phase.errors;
          } else {
            during.push_back(us);
          }
        }
      });
    }
    bench::ClosedLoopResult result =
        bench::RunClosedLoop<v1::ReportDeliveryRequest, v1::CommandResponse>(
            clients, from, until,
            [&](v1::ReportDeliveryRequest& request, int slot, uint64_t n) {
              // The contracts in turn, each report one job, each of a
              // contract's reports on a day of its own.
              const uint64_t k = next_report.fetch_add(1);
              bench::FillReport(
                  request, absl::StrCat("m", run, "-", slot, "-", n),
                  bench::BenchContractId(k * 7919 % shape.contracts),
                  "c0",  // jobs.new_local, a count
                  k / shape.contracts);
            },
            [&](grpc::ClientContext* context,
                const v1::ReportDeliveryRequest& request,
                grpc::CompletionQueue* cq) {
              return stub->AsyncReportDelivery(context, request, cq);
            });
    if (scraper.joinable()) scraper.join();
    ++run;
    const std::vector<int64_t>& all = result.latencies_us;
    phase.errors += result.errors;
    errors += phase.errors;
    phase.commands_per_s = all.size() / seconds;
    phase.p50_ms = bench::PercentileMs(all, 0.5);
    phase.p99_ms = bench::PercentileMs(all, 0.99);
    phase.p999_ms = bench::PercentileMs(all, 0.999);
    phase.max_ms = all.empty() ? 0 : all.back() / 1000.0;
    std::sort(during.begin(), during.end());
    phase.scrapes_done = static_cast<int>(during.size());
    phase.scrape_median_ms = bench::PercentileMs(during, 0.5);
    std::printf(
        "ReportDelivery clients=%d, %-21s: commands/s=%.0f p50=%.2fms "
        "p99=%.2fms p999=%.2fms max=%.2fms; scrapes=%d (median %.1fms) "
        "errors=%llu\n",
        clients, phase.name.c_str(), phase.commands_per_s, phase.p50_ms,
        phase.p99_ms, phase.p999_ms, phase.max_ms, phase.scrapes_done,
        phase.scrape_median_ms, static_cast<unsigned long long>(phase.errors));
  }

  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::vector<std::string> rows;
    for (const Phase& p : phases) {
      rows.push_back(absl::StrFormat(
          "{\"phase\":\"%s\",\"commands_per_s\":%.0f,\"p50_ms\":%.3f,"
          "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"scrapes\":%d,"
          "\"scrape_median_ms\":%.1f,\"errors\":%d}",
          p.name, p.commands_per_s, p.p50_ms, p.p99_ms, p.p999_ms, p.max_ms,
          p.scrapes_done, p.scrape_median_ms, static_cast<int>(p.errors)));
    }
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"metrics\",\"contracts\":%d,\"commitments\":%d,"
        "\"scrape_bytes\":%d,\"scrape_median_ms\":%.1f,\"scrape_p99_ms\":%.1f,"
        "\"clients\":%d,\"seconds\":%.1f,\"appends\":[%s]}\n",
        shape.contracts, shape.commitments, static_cast<int>(bytes), scrape_ms,
        scrape_p99_ms, clients, seconds, absl::StrJoin(rows, ","));
  }
  (*server)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return errors == 0 ? 0 : 1;
}
