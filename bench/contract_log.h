#ifndef SVLEDGER_BENCH_CONTRACT_LOG_H_
#define SVLEDGER_BENCH_CONTRACT_LOG_H_

// Writes a large, realistic log of contract events straight into an event
// store (one append per contract), for the projection and query benchmarks.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/uuid.h"
#include "domain/contract.h"
#include "eventstore/event_store.h"
#include "svledger/v1/contract_service.pb.h"
#include "svledger/v1/enforcement.pb.h"

namespace svledger::bench {

struct ContractLogShape {
  int contracts = 2000;
  int commitments = 10;
  // Deliveries per contract, each reported then verified (two events).
  int deliveries = 8;
  // Measure ids to commit to, in turn; RATIO measures get denominators.
  std::vector<std::string> measures = {"jobs.new_local"};
  std::vector<bool> ratio = {false};
  // CommitmentStatusChanged events per contract (alerts), each commitment
  // in turn going ON_TRACK -> AT_RISK -> ON_TRACK ...
  int status_changes = 0;
  // The number of the first contract (BenchContractId), so that logs of
  // different shapes can be written side by side.
  int first_contract = 0;
};

inline std::string BenchContractId(int i) { return absl::StrCat("B-", i); }

// Appends every contract's events. Returns the first error.
inline absl::Status WriteContractLog(eventstore::EventStore& store,
                                     const ContractLogShape& shape) {
  for (int i = shape.first_contract; i < shape.first_contract + shape.contracts;
       ++i) {
    const std::string id = BenchContractId(i);
    std::vector<eventstore::ProposedEvent> events;
    auto add = [&](const google::protobuf::Message& m) {
      eventstore::ProposedEvent e;
      e.id = Uuid::FromName(absl::StrCat(id, "/", events.size()));
      e.type = m.GetDescriptor()->name();
      e.payload = m.SerializeAsString();
      e.metadata.actor = "bench";
      events.push_back(std::move(e));
    };
    v1::ContractRegistered reg;
    reg.set_contract_id(id);
    reg.mutable_framework()->set_id("norwich");
    reg.mutable_framework()->set_version(1);
    reg.set_title("Benchmark contract");
    reg.set_supplier_id(absl::StrCat("supplier-", i % 50));
    reg.set_supplier_name("Supplier");
    reg.mutable_value()->set_pence(100000000);
    *reg.mutable_start() = domain::MakeDate(2025, 1, 1);
    *reg.mutable_end() = domain::MakeDate(2029, 12, 31);
    reg.set_contract_manager("bench");
    add(reg);
    v1::CommitmentsAdded added;
    for (int c = 0; c < shape.commitments; ++c) {
      v1::Commitment* cm = added.add_commitments();
      cm->set_commitment_id(absl::StrCat("c", c));
      cm->set_measure_id(shape.measures[c % shape.measures.size()]);
      cm->set_target(shape.ratio[c % shape.ratio.size()] ? "30" : "1000");
      *cm->mutable_start() = domain::MakeDate(2025, 1, 1);
      *cm->mutable_due() = domain::MakeDate(2029, 12, 31);
    }
    add(added);
    for (int d = 0; d < shape.deliveries; ++d) {
      const int c = d % shape.commitments;
      v1::DeliveryReported report;
      report.set_delivery_id(absl::StrCat("d", d));
      report.set_commitment_id(absl::StrCat("c", c));
      report.set_quantity(absl::StrCat(10 + d % 7));
      if (shape.ratio[c % shape.ratio.size()]) report.set_denominator("50");
      *report.mutable_period_start() = domain::MakeDate(2025, 1, 1);
      *report.mutable_period_end() = domain::MakeDate(2025, 3, 31);
      report.mutable_evidence()->set_uri(
          absl::StrCat("https://evidence.example/", id, "/", d));
      add(report);
      v1::DeliveryVerified verified;
      verified.set_delivery_id(report.delivery_id());
      add(verified);
    }
    std::vector<v1::CommitmentStatus> status(shape.commitments, v1::ON_TRACK);
    for (int n = 0; n < shape.status_changes; ++n) {
      const int c = n % shape.commitments;
      v1::CommitmentStatusChanged changed;
      changed.set_commitment_id(absl::StrCat("c", c));
      changed.set_from(status[c]);
      status[c] = status[c] == v1::ON_TRACK ? v1::AT_RISK : v1::ON_TRACK;
      changed.set_to(status[c]);
      changed.mutable_as_of()->set_unix_micros(1735689600000000);
      add(changed);
    }
    // One append per contract, in slices the log accepts.
    for (size_t from = 0; from < events.size(); from += 1000) {
      std::vector<eventstore::ProposedEvent> slice(
          events.begin() + from,
          events.begin() + std::min(events.size(), from + 1000));
      auto appended =
          store.Append(domain::ContractStream(id),
                       eventstore::ExpectedVersion::Any(), std::move(slice));
      if (!appended.ok()) return appended.status();
    }
  }
  return absl::OkStatus();
}

// The most reports FillReport gives one commitment distinct periods.
inline constexpr int kReportDays = 600;

// A report of one unit against `commitment` for one day, `day` days after
// 1 April 2025 (REQUIRES: day < kReportDays, so the day has passed and
// reports of distinct days never overlap), with `id` as its request id,
// delivery id and evidence.
inline void FillReport(v1::ReportDeliveryRequest& request,
                       const std::string& id, const std::string& contract,
                       const std::string& commitment, uint64_t day) {
  request.set_request_id(id);
  request.set_contract_id(contract);
  v1::DeliveryReported* d = request.mutable_delivery();
  d->set_delivery_id(id);
  d->set_commitment_id(commitment);
  d->set_quantity("1");
  const absl::CivilDay on =
      absl::CivilDay(2025, 4, 1) + static_cast<int>(day % kReportDays);
  *d->mutable_period_start() =
      domain::MakeDate(static_cast<int>(on.year()), on.month(), on.day());
  *d->mutable_period_end() = d->period_start();
  d->mutable_evidence()->set_uri("https://evidence.example/" + id);
}

// The mix of measures the query and metrics benchmarks commit to in turn:
// counts, hours, a percentage (RATIO) and weeks.
inline void UseMixedMeasures(ContractLogShape& shape) {
  shape.measures = {"jobs.new_local", "apprenticeships.new",
                    "volunteering.hours", "spend.local_percent",
                    "training.weeks"};
  shape.ratio = {false, false, false, true, false};
}

// Writes the contracts into the event log of the data directory `data_dir`
// (fsync off: set-up, not measured). Returns the log's head position.
// REQUIRES: no server has `data_dir` open.
inline absl::StatusOr<uint64_t> WriteContractLogTo(
    const std::string& data_dir, const ContractLogShape& shape) {
  auto store =
      eventstore::EventStore::Open({.path = data_dir + "/log", .sync = false});
  if (!store.ok()) return store.status();
  if (absl::Status s = WriteContractLog(**store, shape); !s.ok()) return s;
  return (*store)->HeadPosition();
}

}  // namespace svledger::bench

#endif  // SVLEDGER_BENCH_CONTRACT_LOG_H_
