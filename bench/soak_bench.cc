// Mixed load plus abuse against the released binary as its own process, for
// a bounded time, reporting the server's resident memory over time, p99s
// and errors.
//
//   soak_bench [--svledger=PATH] [--seconds=60] [--idle_seconds=10]
//              [--scanners=8] [--idle_streams=2000] [--idle_sockets=500]
//              [--json=FILE]
//
// The server starts with the demo (four councils' contracts). Then:
//   idle   appends (4 in flight) and GetContractProgress of random demo
//          contracts (4 in flight) only: the baseline p99s;
//   abuse  the same, plus --scanners clients in a closed loop of council
//          summaries, listings and case lists; --idle_streams Subscribe
//          calls from position 1 that never read; --idle_sockets TCP
//          connections that never send a byte; and a client that opens and
//          cancels Subscribe calls without pause.
// Resident memory (VmRSS) is sampled every second through both phases.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/closed_loop.h"
#include "bench/latency.h"
#include "bench/scratch.h"
#include "grpcpp/create_channel.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/testing/http.h"
#include "tests/testing/proc_status.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"

ABSL_FLAG(std::string, svledger, SVLEDGER_PATH, "the server binary");
ABSL_FLAG(double, seconds, 60, "duration of the abuse phase");
ABSL_FLAG(double, idle_seconds, 10, "duration of the idle phase");
ABSL_FLAG(double, settle_seconds, 15,
          "after the abuse: the main load alone, memory still sampled");
ABSL_FLAG(int, churn_per_second, 1000,
          "Subscribe calls opened and cancelled a second (0: as fast as one "
          "thread can)");
ABSL_FLAG(int, scanners, 8, "clients running expensive queries");
ABSL_FLAG(int, idle_streams, 2000, "Subscribe calls that never read");
ABSL_FLAG(int, idle_sockets, 500, "TCP connections that send nothing");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");

using namespace svledger;

namespace {

struct Phase {
  bench::ClosedLoopResult appends;
  bench::ClosedLoopResult reads;
};

// Appends and point reads, 4 in flight each, until `until`.
Phase MainLoad(const std::shared_ptr<grpc::Channel>& channel,
               const std::vector<std::string>& contracts, absl::Time until) {
  Phase phase;
  const absl::Time from = absl::Now();
  std::thread appender([&] {
    auto stub = v1::EventLog::NewStub(channel);
    phase.appends = bench::RunClosedLoop<v1::AppendRequest, v1::AppendResponse>(
        4, from, until,
        [](v1::AppendRequest& r, int slot, uint64_t) {
          r.set_stream_id(absl::StrCat("soak-", slot));
          r.mutable_any();
          v1::ProposedEvent* e = r.add_events();
          e->set_type("Soak");
          e->set_payload(std::string(200, 's'));
        },
        [&](grpc::ClientContext* c, const v1::AppendRequest& r,
            grpc::CompletionQueue* cq) { return stub->AsyncAppend(c, r, cq); });
  });
  auto stub = v1::ProgressService::NewStub(channel);
  std::mt19937 random(7);
  phase.reads = bench::RunClosedLoop<v1::GetContractProgressRequest,
                                     v1::ContractProgress>(
      4, from, until,
      [&](v1::GetContractProgressRequest& r, int, uint64_t) {
        r.set_contract_id(contracts[random() % contracts.size()]);
      },
      [&](grpc::ClientContext* c, const v1::GetContractProgressRequest& r,
          grpc::CompletionQueue* cq) {
        return stub->AsyncGetContractProgress(c, r, cq);
      });
  appender.join();
  return phase;
}

std::string Quantiles(const bench::ClosedLoopResult& r) {
  return absl::StrCat(
      "{\"calls\": ", r.latencies_us.size(), ", \"errors\": ", r.errors,
      ", \"p50_ms\": ", bench::PercentileMs(r.latencies_us, 0.5),
      ", \"p99_ms\": ", bench::PercentileMs(r.latencies_us, 0.99), "}");
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string dir = bench::ScratchDir("soak");
  testing::Subprocess server(
      {absl::GetFlag(FLAGS_svledger), "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
       "--metrics-listen=", "--data-dir=" + dir,
       std::string("--frameworks-dir=") + SVLEDGER_FRAMEWORKS_DIR, "--demo"});
  std::optional<testing::StartReport> report =
      testing::ReadStartReport(server, absl::Seconds(120));
  if (!report.has_value()) {
    std::fprintf(stderr, "server did not start\n");
    return 1;
  }
  const int port = report->port;
  const std::string target = absl::StrCat("127.0.0.1:", port);
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  std::vector<std::string> contracts;
  {
    grpc::ClientContext context;
    v1::ListContractsRequest request;
    request.set_page_size(500);
    v1::ListContractsResponse response;
    if (!v1::ProgressService::NewStub(channel)
             ->ListContracts(&context, request, &response)
             .ok()) {
      std::fprintf(stderr, "cannot list the demo's contracts\n");
      return 1;
    }
    for (const auto& c : response.contracts()) {
      contracts.push_back(c.contract_id());
    }
  }

  std::atomic<bool> sampling{true};
  std::vector<std::pair<double, int64_t>> resident;  // seconds, kB
  const absl::Time start = absl::Now();
  std::thread sampler([&] {
    while (sampling.load()) {
      resident.emplace_back(absl::ToDoubleSeconds(absl::Now() - start),
                            testing::StatusKb(server.pid(), "VmRSS"));
      absl::SleepFor(absl::Seconds(1));
    }
  });

  std::printf("idle: appends and point reads, %.0f s\n",
              absl::GetFlag(FLAGS_idle_seconds));
  const Phase idle =
      MainLoad(channel, contracts,
               absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_idle_seconds)));

  // The abuse: set up first, then measured for --seconds.
  absl::Time until = absl::InfiniteFuture();
  std::vector<int> sockets;
  for (int i = 0; i < absl::GetFlag(FLAGS_idle_sockets); ++i) {
    const int fd = testing::ConnectLoopback(port);
    if (fd >= 0) sockets.push_back(fd);
  }
  struct Idle {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;
  };
  std::vector<std::shared_ptr<grpc::Channel>> idle_channels;
  for (int i = 0; i < 20; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);
    idle_channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  std::vector<std::unique_ptr<Idle>> streams;
  for (int i = 0; i < absl::GetFlag(FLAGS_idle_streams); ++i) {
    auto s = std::make_unique<Idle>();
    s->context.AddMetadata("svledger-actor", absl::StrCat("idle-", i % 50));
    v1::SubscribeRequest request;
    request.set_from_position(1);
    s->reader = v1::EventLog::NewStub(idle_channels[i % 20])
                    ->Subscribe(&s->context, request);
    streams.push_back(std::move(s));
  }
  until = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_seconds));
  std::atomic<uint64_t> churned{0};
  std::thread churner([&] {
    auto stub = v1::EventLog::NewStub(channel);
    const int rate = absl::GetFlag(FLAGS_churn_per_second);
    const absl::Time began = absl::Now();
    while (absl::Now() < until) {
      if (rate > 0) {
        const absl::Time due =
            began + absl::Seconds(static_cast<double>(churned.load()) / rate);
        if (due > absl::Now()) absl::SleepFor(due - absl::Now());
      }
      grpc::ClientContext context;
      context.AddMetadata("svledger-actor", "churner");
      v1::SubscribeRequest request;
      request.set_from_position(1);
      auto reader = stub->Subscribe(&context, request);
      context.TryCancel();
      reader->Finish();
      ++churned;
    }
  });
  std::vector<bench::ClosedLoopResult> scans(absl::GetFlag(FLAGS_scanners));
  std::vector<std::thread> scanners;
  for (int i = 0; i < absl::GetFlag(FLAGS_scanners); ++i) {
    scanners.emplace_back([&, i] {
      auto stub = v1::ProgressService::NewStub(channel);
      const char* councils[] = {"derbyshire", "lancashire", "norwich",
                                "rutland"};
      scans[i] = bench::RunClosedLoop<v1::GetCouncilSummaryRequest,
                                      v1::CouncilSummary>(
          1, absl::Now(), until,
          [&](v1::GetCouncilSummaryRequest& r, int, uint64_t n) {
            r.set_council(councils[(i + n) % 4]);
          },
          [&](grpc::ClientContext* c, const v1::GetCouncilSummaryRequest& r,
              grpc::CompletionQueue* cq) {
            return stub->AsyncGetCouncilSummary(c, r, cq);
          });
    });
  }
  std::printf(
      "abuse: %d scanners, %zu idle streams, %zu idle sockets, %.0f s\n",
      absl::GetFlag(FLAGS_scanners), streams.size(), sockets.size(),
      absl::GetFlag(FLAGS_seconds));
  const Phase abused = MainLoad(channel, contracts, until);
  for (std::thread& t : scanners) t.join();
  churner.join();
  for (auto& s : streams) s->context.TryCancel();
  for (auto& s : streams) s->reader->Finish();
  for (int fd : sockets) close(fd);
  const size_t abuse_samples = resident.size();
  std::printf("settle: appends and point reads, %.0f s\n",
              absl::GetFlag(FLAGS_settle_seconds));
  const Phase settled = MainLoad(
      channel, contracts,
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_settle_seconds)));
  sampling = false;
  sampler.join();

  bench::ClosedLoopResult all_scans;
  for (const auto& s : scans) {
    all_scans.errors += s.errors;
    all_scans.latencies_us.insert(all_scans.latencies_us.end(),
                                  s.latencies_us.begin(), s.latencies_us.end());
  }
  std::sort(all_scans.latencies_us.begin(), all_scans.latencies_us.end());
  int64_t low = INT64_MAX, high = 0;
  for (const auto& [t, kb] : resident) {
    low = std::min(low, kb);
    high = std::max(high, kb);
  }
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
  const double append_ratio =
      ratio(bench::PercentileMs(abused.appends.latencies_us, 0.99),
            bench::PercentileMs(idle.appends.latencies_us, 0.99));
  const double read_ratio =
      ratio(bench::PercentileMs(abused.reads.latencies_us, 0.99),
            bench::PercentileMs(idle.reads.latencies_us, 0.99));
  std::printf(
      "append p99: idle %.2f ms, abused %.2f ms (x%.2f); errors %llu/%llu\n",
      bench::PercentileMs(idle.appends.latencies_us, 0.99),
      bench::PercentileMs(abused.appends.latencies_us, 0.99), append_ratio,
      static_cast<unsigned long long>(idle.appends.errors),
      static_cast<unsigned long long>(abused.appends.errors));
  std::printf(
      "GetContractProgress p99: idle %.2f ms, abused %.2f ms (x%.2f); "
      "errors %llu/%llu\n",
      bench::PercentileMs(idle.reads.latencies_us, 0.99),
      bench::PercentileMs(abused.reads.latencies_us, 0.99), read_ratio,
      static_cast<unsigned long long>(idle.reads.errors),
      static_cast<unsigned long long>(abused.reads.errors));
  std::printf("council summaries: %zu answered, p99 %.2f ms, %llu refused\n",
              all_scans.latencies_us.size(),
              bench::PercentileMs(all_scans.latencies_us, 0.99),
              static_cast<unsigned long long>(all_scans.errors));
  std::printf("subscribe calls opened and cancelled: %llu\n",
              static_cast<unsigned long long>(churned.load()));
  std::printf(
      "after the abuse, append p99 %.2f ms, GetContractProgress p99 "
      "%.2f ms\n",
      bench::PercentileMs(settled.appends.latencies_us, 0.99),
      bench::PercentileMs(settled.reads.latencies_us, 0.99));
  std::printf("resident at the end of the abuse: %lld kB\n",
              static_cast<long long>(
                  abuse_samples > 0 ? resident[abuse_samples - 1].second : 0));
  std::printf(
      "resident: %lld-%lld kB over %zu samples; first %lld, last %lld\n",
      static_cast<long long>(low), static_cast<long long>(high),
      resident.size(),
      static_cast<long long>(resident.empty() ? 0 : resident.front().second),
      static_cast<long long>(resident.empty() ? 0 : resident.back().second));

  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream out(path);
    out << "{\"idle\": {\"appends\": " << Quantiles(idle.appends)
        << ", \"point_reads\": " << Quantiles(idle.reads)
        << "}, \"abused\": {\"appends\": " << Quantiles(abused.appends)
        << ", \"point_reads\": " << Quantiles(abused.reads)
        << ", \"council_summaries\": " << Quantiles(all_scans)
        << "}, \"settled\": {\"appends\": " << Quantiles(settled.appends)
        << ", \"point_reads\": " << Quantiles(settled.reads)
        << "}, \"append_p99_ratio\": " << append_ratio
        << ", \"point_read_p99_ratio\": " << read_ratio
        << ", \"subscribes_churned\": " << churned.load()
        << ", \"resident_kb\": [";
    for (size_t i = 0; i < resident.size(); ++i) {
      out << (i ? ", " : "") << "[" << resident[i].first << ", "
          << resident[i].second << "]";
    }
    out << "]}\n";
  }
  server.Signal(SIGTERM);
  server.Wait(absl::Seconds(30));
  std::filesystem::remove_all(dir);
  return 0;
}
