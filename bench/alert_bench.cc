// How fast AlertService/WatchAlerts delivers alerts to one subscriber over
// TCP: replaying the log from position 1, then live while writers append.
//
//   alert_bench [--contracts=1000] [--alerts_per_contract=200]
//               [--live_alerts=200000] [--writers=4] [--json=FILE]
//
// The log holds --contracts contracts of 10 commitments, each with
// --alerts_per_contract CommitmentStatusChanged events (alerts) among its
// other events. The live phase appends --live_alerts more, in batches of
// 100 from --writers threads (fsync on), while the subscriber reads; its
// rate is alerts received over the time from the first append to the last
// alert received.

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/contract_log.h"
#include "bench/scratch.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "server/server.h"
#include "svledger/v1/alert_service.grpc.pb.h"

ABSL_FLAG(int, contracts, 1000, "contracts in the log");
ABSL_FLAG(int, alerts_per_contract, 200, "status changes per contract");
ABSL_FLAG(int, live_alerts, 200000, "alerts appended in the live phase");
ABSL_FLAG(int, writers, 4, "appending threads in the live phase");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");

using namespace svledger;

namespace {

// Appends `count` status changes (alerts) to contract B-<contract> in
// batches of 100; `*next_id` numbers their event ids.
absl::Status AppendStatusChanges(eventstore::EventStore& store, int contract,
                                 int count, int* next_id) {
  const std::string id = bench::BenchContractId(contract);
  for (int done = 0; done < count;) {
    std::vector<eventstore::ProposedEvent> batch;
    for (; done < count && batch.size() < 100; ++done) {
      v1::CommitmentStatusChanged changed;
      changed.set_commitment_id("c0");
      changed.set_from(v1::ON_TRACK);
      changed.set_to(v1::AT_RISK);
      eventstore::ProposedEvent e;
      e.id = Uuid::FromName(absl::StrCat(id, "/live/", (*next_id)++));
      e.type = "CommitmentStatusChanged";
      e.payload = changed.SerializeAsString();
      e.metadata.actor = "bench";
      batch.push_back(std::move(e));
    }
    auto appended =
        store.Append(domain::ContractStream(id),
                     eventstore::ExpectedVersion::Any(), std::move(batch));
    if (!appended.ok()) return appended.status();
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As in production (services/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::string dir = bench::ScratchDir("abench");
  bench::ContractLogShape shape;
  shape.contracts = absl::GetFlag(FLAGS_contracts);
  shape.commitments = 10;
  shape.deliveries = 4;
  shape.status_changes = absl::GetFlag(FLAGS_alerts_per_contract);
  {
    auto store =
        eventstore::EventStore::Open({.path = dir + "/log", .sync = false});
    if (!store.ok()) return 1;
    if (absl::Status s = bench::WriteContractLog(**store, shape); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  server::ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir;
  options.app.enforcement = false;  // only the bench's alerts
  auto server = server::Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  auto stub = v1::AlertService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials()));

  grpc::ClientContext context;
  v1::WatchAlertsRequest request;
  request.set_from_position(1);
  auto reader = stub->WatchAlerts(&context, request);
  v1::WatchAlertsResponse response;
  uint64_t replayed = 0;
  const absl::Time t0 = absl::Now();
  while (reader->Read(&response)) {
    replayed += response.alerts_size();
    if (response.caught_up()) break;
  }
  const double replay_s = absl::ToDoubleSeconds(absl::Now() - t0);
  const double replay_rate = replayed / replay_s;
  std::printf(
      "replay: %llu alerts from %llu log events in %.3fs: %.0f alerts/s\n",
      static_cast<unsigned long long>(replayed),
      static_cast<unsigned long long>((*server)->store().HeadPosition()),
      replay_s, replay_rate);

  // Live: writers append while the subscriber reads.
  const int writers = absl::GetFlag(FLAGS_writers);
  const int live = absl::GetFlag(FLAGS_live_alerts);
  std::atomic<bool> failed{false};
  const absl::Time t1 = absl::Now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      int next_id = 0;
      const int share = live / writers + (w < live % writers ? 1 : 0);
      if (!AppendStatusChanges((*server)->store(), w, share, &next_id).ok()) {
        failed = true;
      }
    });
  }
  uint64_t received = 0;
  while (received < static_cast<uint64_t>(live) && reader->Read(&response)) {
    received += response.alerts_size();
  }
  const double live_s = absl::ToDoubleSeconds(absl::Now() - t1);
  for (auto& t : threads) t.join();
  const double live_rate = received / live_s;
  std::printf("live: %llu alerts in %.3fs with %d writers: %.0f alerts/s\n",
              static_cast<unsigned long long>(received), live_s, writers,
              live_rate);
  context.TryCancel();
  reader->Finish().IgnoreError();  // cancelled by us

  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"watch_alerts\",\"replayed\":%llu,"
        "\"replay_alerts_per_s\":%.0f,\"live\":%llu,"
        "\"live_alerts_per_s\":%.0f}\n",
        static_cast<unsigned long long>(replayed), replay_rate,
        static_cast<unsigned long long>(received), live_rate);
  }
  (*server)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return failed || received < static_cast<uint64_t>(live) ? 1 : 0;
}
