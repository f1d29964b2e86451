#ifndef SVLEDGER_PROJECTIONS_CONTRACT_PROJECTION_H_
#define SVLEDGER_PROJECTIONS_CONTRACT_PROJECTION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "domain/contract.h"
#include "eventstore/event_store.h"
#include "projections/projection_db.h"

namespace svledger::projections {

// The contracts a batch of events changed.
struct ContractChanges {
  // The log position the projection has applied with this batch.
  uint64_t checkpoint = 0;
  // Every contract the batch changed, sorted.
  std::vector<std::string> ids;
  // Those changed by an event that can change how a commitment is judged
  // (domain::CanChangeJudgement: anything but a new, unverified report),
  // sorted.
  std::vector<std::string> judged;
  // Every contract may have changed (a rebuild was swapped in).
  bool all = false;
};

struct ContractProjectionOptions {
  // The log to follow. Not owned; must outlive the projection. Required.
  const eventstore::EventStore* store = nullptr;
  // Where state and checkpoint persist. Not owned; must outlive the
  // projection. Required.
  ProjectionTable* table = nullptr;
  // Events read, applied and written in one batch while following the log
  // live. Default 1000 (the log's largest read).
  uint32_t batch_events = 1000;
  // The same while catching up (CatchUp): larger batches write each record
  // once where it changed several times (a delivery reported, then
  // verified). Default 1000: larger batches measured no faster.
  uint32_t catch_up_batch_events = 1000;
  // While following: how long to wait after the log moves before reading,
  // so that several group commits are applied as one batch. Bounds how far
  // the projection trails the log when it keeps up. Default 5 ms.
  absl::Duration follow_delay = absl::Milliseconds(5);
  // Events applied per hold of the state's write lock, so that readers wait
  // at most that long. Default 64.
  uint32_t events_per_lock = 64;
  // Called after each batch is persisted, with the new checkpoint and the
  // contracts the batch changed (possibly none), on the thread that applied
  // it. Must not block. Default: none.
  std::function<void(uint64_t checkpoint, const ContractChanges& changes)>
      on_applied;
};

// The contract progress projection: every contract's state (registration,
// commitments as amended, deliveries and their verification), built from
// the "contract-*" streams of the log, held in memory for queries and
// persisted record by record in a ProjectionTable (format.h) with its
// checkpoint in the same batch. Time-dependent figures (expected to date,
// status) are not stored: queries judge the state at their as-of time
// (domain/progress.h).
//
// An event the domain cannot apply is counted (skipped()) and skipped.
//
// Thread-safe. Reads run under a shared lock; one thread at a time applies
// (CatchUp on the caller's thread, or the follower thread after Follow).
class ContractProjection {
 public:
  // Loads the persisted state and checkpoint. Errors: DATA_LOSS for a
  // record that does not parse; the table's read errors.
  static absl::StatusOr<std::unique_ptr<ContractProjection>> Load(
      ContractProjectionOptions options);

  // Stop()s.
  ~ContractProjection();
  ContractProjection(const ContractProjection&) = delete;
  ContractProjection& operator=(const ContractProjection&) = delete;

  // Applies the log from the checkpoint up to the durable head as of the
  // call, on the calling thread. REQUIRES: not following. Errors: the
  // log's or the table's.
  absl::Status CatchUp();

  // CatchUp for a table that serves no one yet (a rebuild): writes skip
  // RocksDB's write-ahead log, and the table is flushed at the end. A crash
  // on the way loses the unflushed batches with their checkpoints (the
  // rebuild's table is dropped at the next open anyway).
  absl::Status CatchUpUnlogged();

  // Follows the log on a thread of its own from the checkpoint on. An error
  // stops the thread (see failure()). REQUIRES: not following.
  void Follow();

  // Stops following and joins the thread. Idempotent.
  void Stop();

  // The last log position applied (and persisted).
  uint64_t applied() const { return applied_.load(std::memory_order_acquire); }
  // Events counted and skipped since the table was created.
  uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  // The error that stopped the follower, or OK.
  absl::Status failure() const;
  // The generation of its table. Valid after the table is dropped (a
  // replaced projection may still answer queries from memory).
  uint32_t generation() const { return generation_; }

  // Calls `fn` with the contract's state under the shared lock and returns
  // true, or returns false if there is no such contract. `fn` must not
  // block or call back into the projection.
  bool Read(const std::string& contract_id,
            absl::FunctionRef<void(const domain::ContractState&)> fn) const;

  // Calls `fn` with each contract whose id is greater than `start_after`,
  // in id order, until it returns false. Same rules for `fn`.
  void Scan(absl::string_view start_after,
            absl::FunctionRef<bool(const domain::ContractState&)> fn) const;

  size_t size() const;

  // Every record as the table should hold it, key -> value: what a rebuild
  // must reproduce.
  std::map<std::string, std::string> Records() const;

 private:
  explicit ContractProjection(ContractProjectionOptions options)
      : options_(std::move(options)),
        generation_(options_.table->generation()) {}

  // Reads (up to `max_events`), applies and persists one batch from
  // applied() + 1. Returns whether the log had anything there.
  absl::StatusOr<bool> Step(uint32_t max_events,
                            ProjectionTable::Logging logging);

  // Events read from the log, and the position after them.
  struct Batch {
    std::vector<eventstore::RecordedEvent> events;
    uint64_t next = 0;
  };
  // Reads up to `max_events` contract events from `from` on. Touches no
  // state: may run on another thread while a batch is applied.
  absl::StatusOr<Batch> ReadBatch(uint64_t from, uint32_t max_events) const;
  // Applies `batch` (which starts at applied() + 1) and persists the
  // changed records with the new checkpoint.
  absl::Status ApplyBatch(Batch batch, ProjectionTable::Logging logging);
  absl::Status CatchUpWith(ProjectionTable::Logging logging);

  const ContractProjectionOptions options_;
  const uint32_t generation_;
  mutable absl::Mutex mu_;
  std::map<std::string, domain::ContractState> contracts_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> applied_{0};
  std::atomic<uint64_t> skipped_{0};

  // Writes a batch's records, retrying a failed logged write until it
  // works or Stop is called (then its error).
  absl::Status WriteUntilStopped(
      const std::vector<std::pair<std::string, std::string>>& puts,
      ProjectionTable::Logging logging);

  mutable absl::Mutex follow_mu_;
  bool stopping_ ABSL_GUARDED_BY(follow_mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(follow_mu_);
  std::thread follower_;
};

}  // namespace svledger::projections

#endif  // SVLEDGER_PROJECTIONS_CONTRACT_PROJECTION_H_
