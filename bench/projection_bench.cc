// Rebuilding the contract progress projection from the log.
//
//   projection_bench [--events=1000000] [--contracts=2000] [--json=FILE]
//
// Writes a log of about --events contract events (each contract registered
// with 10 commitments, then deliveries reported and verified) with fsync
// off, then rebuilds the projection into a fresh table from position 1 and
// prints events/s; then restarts the projection from its checkpoint and
// prints how long loading took.

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
#include "bench/contract_log.h"
#include "projections/contract_projection.h"
#include "projections/projection_db.h"

ABSL_FLAG(int, events, 1000000, "events in the log (about)");
ABSL_FLAG(int, contracts, 2000, "contracts they belong to");
ABSL_FLAG(std::string, json, "", "write results as JSON to this file");
ABSL_FLAG(std::string, data_dir, "",
          "keep the log here and reuse it on later runs (default: a "
          "temporary directory, removed at the end)");

using namespace svledger;

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As in production (services/main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const bool keep = !absl::GetFlag(FLAGS_data_dir).empty();
  const std::string dir = keep ? absl::GetFlag(FLAGS_data_dir)
                               : (std::filesystem::temp_directory_path() /
                                  absl::StrCat("svledger-pbench-", getpid()))
                                     .string();
  std::error_code ec;
  std::filesystem::remove_all(dir + "/projections", ec);
  bench::ContractLogShape shape;
  shape.contracts = absl::GetFlag(FLAGS_contracts);
  shape.deliveries =
      std::max(1, (absl::GetFlag(FLAGS_events) / shape.contracts - 2) / 2);
  shape.measures = {"jobs.new_local", "apprenticeships.new",
                    "volunteering.hours", "spend.local_percent"};
  shape.ratio = {false, false, false, true};

  auto store =
      eventstore::EventStore::Open({.path = dir + "/log", .sync = false});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  absl::Time t0 = absl::Now();
  if ((*store)->HeadPosition() > 0) {
    // Reused from an earlier run.
  } else if (absl::Status s = bench::WriteContractLog(**store, shape);
             !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  const uint64_t head = (*store)->HeadPosition();
  std::printf("log: %llu events in %.1fs\n",
              static_cast<unsigned long long>(head),
              absl::ToDoubleSeconds(absl::Now() - t0));

  double rebuild_s = 0, load_s = 0;
  size_t contracts = 0;
  {
    auto db = projections::ProjectionDb::Open(dir + "/projections");
    auto table = (*db)->Active("contracts");
    auto p = projections::ContractProjection::Load(
        {.store = store->get(), .table = *table});
    t0 = absl::Now();
    // What ContractReadModel::Rebuild does before swapping the table in.
    if (absl::Status s = (*p)->CatchUpUnlogged(); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    rebuild_s = absl::ToDoubleSeconds(absl::Now() - t0);
    contracts = (*p)->size();
    if ((*p)->applied() != head || (*p)->skipped() != 0) {
      std::fprintf(stderr, "applied %llu of %llu, skipped %llu\n",
                   static_cast<unsigned long long>((*p)->applied()),
                   static_cast<unsigned long long>(head),
                   static_cast<unsigned long long>((*p)->skipped()));
      return 1;
    }
  }
  {
    t0 = absl::Now();
    auto db = projections::ProjectionDb::Open(dir + "/projections");
    auto table = (*db)->Active("contracts");
    auto p = projections::ContractProjection::Load(
        {.store = store->get(), .table = *table});
    if (!p.ok() || !(*p)->CatchUp().ok() || (*p)->size() != contracts) {
      std::fprintf(stderr, "reload failed\n");
      return 1;
    }
    load_s = absl::ToDoubleSeconds(absl::Now() - t0);
  }
  const double per_s = head / rebuild_s;
  std::printf(
      "rebuild: %llu events, %zu contracts in %.2fs = %.0f events/s; "
      "restart from checkpoint: %.2fs\n",
      static_cast<unsigned long long>(head), contracts, rebuild_s, per_s,
      load_s);
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    std::ofstream(path) << absl::StrFormat(
        "{\"benchmark\":\"projection_rebuild\",\"events\":%d,"
        "\"contracts\":%d,\"seconds\":%.3f,\"events_per_s\":%.0f,"
        "\"reload_seconds\":%.3f}\n",
        static_cast<int>(head), static_cast<int>(contracts), rebuild_s, per_s,
        load_s);
  }
  store->reset();
  if (!keep) std::filesystem::remove_all(dir, ec);
  return 0;
}
