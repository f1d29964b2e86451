#ifndef SVLEDGER_EVENTSTORE_EVENT_STORE_H_
#define SVLEDGER_EVENTSTORE_EVENT_STORE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "eventstore/event.h"
#include "eventstore/handoff_queue.h"
#include "eventstore/head_watcher.h"
#include "eventstore/limits.h"
#include "eventstore/verify.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace svledger::eventstore {

struct RocksHandles;  // eventstore/rocks.h

// One group commit as acknowledged, for metrics (EventStoreOptions::
// on_commit).
struct CommitReport {
  size_t appends = 0;  // appends acknowledged (successful or not)
  size_t events = 0;   // events the successful ones carried
  // Per append: from AppendAsync to its acknowledgement (real time).
  std::vector<absl::Duration> latencies;
};

struct EventStoreOptions {
  // Directory of the RocksDB database; created with its parents if missing.
  // Required.
  std::string path;
  // Source of each event's recorded_time. Not owned; must outlive the store.
  // Default (null): Clock::Real().
  Clock* clock = nullptr;
  // fsync the WAL before acknowledging appends. Default true. Turning it
  // off breaks the durability promise; only benchmarks that measure the cost
  // of fsync do so.
  bool sync = true;
  // One group commit gathers queued appends up to about this many bytes.
  // Default 32 MiB.
  size_t max_batch_bytes = 32 << 20;
  // A group commit of fewer bytes is synced by the writer itself (one
  // RocksDB synced write: least overhead when there is little work to
  // overlap); a larger one is written unsynced and synced by the syncer
  // thread while the writer prepares the next. Measured on a 2-core machine:
  // single-event appends ~10% faster synced by the writer, 100-event
  // appends ~17% faster pipelined. Default 64 KiB.
  size_t pipeline_min_bytes = 64 << 10;
  // Bytes of appends waiting for the writer; beyond it appends fail fast with
  // UNAVAILABLE instead of queueing without bound. Default 256 MiB.
  size_t max_queued_bytes = 256 << 20;
  // RocksDB block cache shared by all column families. Default 64 MiB.
  size_t block_cache_bytes = 64 << 20;
  // The most files RocksDB keeps open (its table cache). Bounded so that
  // the log's descriptors are known and cannot be starved by sockets
  // (server/descriptors.h plans the process's descriptors). Default 256.
  int max_open_files = 256;
  // After a failed write or sync the store refuses appends (UNAVAILABLE;
  // RESOURCE_EXHAUSTED while the disk is too full to reopen)
  // until it has reopened its database in place, which it tries on the
  // first append at least this long after the last try. Reopening recovers
  // a consistent prefix of the log; an append answered INTERNAL may or may
  // not be in it, and retrying it with the same event ids is safe. Default
  // 1 s.
  absl::Duration recovery_interval = absl::Seconds(1);
  // At open, read every table file of the log and check its block
  // checksums (RocksDB's VerifyChecksum), so that a damaged file stops the
  // start instead of failing reads later. Costs a read of the whole log
  // (bench/backup_bench times a restart). Only at Open: a reopening after a
  // storage error does not read it all again. Default true.
  bool verify_checksums_on_open = true;
  // Bounds on what clients control.
  Limits limits;
  // Test hook, called on the syncer thread before each sync of the log; an
  // error it returns is treated as a failed sync. Lets tests hold a written
  // batch before it is durable, or fail a sync. Default: none.
  std::function<absl::Status()> before_sync;
  // Told of each group commit once its appends are acknowledged, on the
  // completer thread. For metrics; must not block. Default: none.
  std::function<void(const CommitReport&)> on_commit;
};

// Counters since Open. Plain data.
struct EventStoreStats {
  uint64_t commits = 0;         // synced RocksDB writes (group commits)
  uint64_t appends = 0;         // appends that succeeded, deduplicated or not
  uint64_t events = 0;          // events written
  uint64_t deduplicated = 0;    // appends answered from what was stored
  uint64_t failed_commits = 0;  // RocksDB writes that failed
  uint64_t recoveries = 0;      // reopenings after a failure
};

// The durable, append-only event log on RocksDB.
//
// Appends flow through a pipeline of three threads:
//   writer     gathers every queued append into one WriteBatch (group
//              commit), checks and numbers it, and writes it: a large batch
//              unsynced, a small one synced (see pipeline_min_bytes);
//   syncer     makes everything written so far durable with one SyncWAL
//              (unless the writer already did), then publishes the new
//              durable head;
//   completer  tells each append its outcome (for gRPC, sends the reply).
// So the next batch is prepared and synced while the last one's callers are
// being answered, and throughput grows with concurrency instead of being
// bounded by fsyncs.
// All events of one append land atomically. Nothing is acknowledged, or
// returned by a read, before it is durable.
//
// Thread-safe: every method may be called from any thread.
class EventStore {
 public:
  // Opens (creating if needed) the log in options.path and recovers its
  // head. Errors: FAILED_PRECONDITION for a database of another format
  // version; DATA_LOSS naming the file for a damaged or truncated one (a
  // table file, or a WAL record other than an incomplete last one); the
  // RocksDB error for anything else (such as a data directory locked by
  // another process).
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(
      EventStoreOptions options);

  // Close()s the store.
  ~EventStore();

  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  using AppendCallback =
      absl::AnyInvocable<void(absl::StatusOr<AppendResult>) &&>;

  // Appends `events` to `stream_id` if `expected` holds, and calls `done`
  // once the outcome is durable (or known to have failed). `done` runs on
  // the store's completer thread, or inline on the calling thread for
  // invalid input or a closed store; it must not block, since it delays
  // every later append's answer.
  //
  // Outcomes:
  //   OK                the events' positions; or, when every event id is
  //                     already in the stream with the same content, the
  //                     original positions with deduplicated set (nothing is
  //                     written and `expected` is not checked).
  //   INVALID_ARGUMENT  input breaks Limits; the message names the field.
  //   ABORTED           `expected` does not hold; the message names the
  //                     expected and actual versions.
  //   ALREADY_EXISTS    an id is stored with other content, or only some of
  //                     the ids are stored.
  //   UNAVAILABLE       the store is closed or its queue is full.
  //   UNAVAILABLE       also: the store is recovering from a failed write
  //                     or sync (see recovery_interval); retry.
  //   RESOURCE_EXHAUSTED the log's disk is full, naming it and how much
  //                     room reopening needs: the write (or the appends in
  //                     flight, outcome unknown, safe to retry by event id)
  //                     failed, and later appends are refused at once until
  //                     that much is free; then the store reopens by itself.
  //                     Reads go on meanwhile.
  //   INTERNAL          the write or its sync failed; it may or may not
  //                     have become durable. Retrying with the same ids
  //                     is safe once the store has recovered.
  void AppendAsync(std::string stream_id, ExpectedVersion expected,
                   std::vector<ProposedEvent> events, AppendCallback done);

  // Calls `done` once everything written before this call is durable and
  // readable (reads see it), with OK; or with the error that stopped that
  // from happening (a failed sync, a closed store). Always called, like
  // AppendAsync's `done` and on the same threads. For a writer that lost an
  // optimistic-concurrency race: writes are pipelined, so what beat it may
  // be written but not yet visible, and a re-read right away would decide
  // on the same stale view; after the barrier it cannot.
  void Barrier(absl::AnyInvocable<void(absl::Status) &&> done);

  // Blocking form of AppendAsync.
  absl::StatusOr<AppendResult> Append(std::string stream_id,
                                      ExpectedVersion expected,
                                      std::vector<ProposedEvent> events);

  // Reads one stream. Errors: NOT_FOUND for a stream with no events;
  // INVALID_ARGUMENT for a malformed id or limit.
  absl::StatusOr<StreamSlice> ReadStream(
      absl::string_view stream_id, const ReadStreamOptions& options) const;

  // Reads the log from `from_position` (inclusive; 0 means 1) up to the
  // durable head. Errors: INVALID_ARGUMENT for a bad filter or limit.
  absl::StatusOr<AllSlice> ReadAll(uint64_t from_position,
                                   const ReadAllOptions& options) const;

  // The durable event with `id` in `stream_id`, or nullopt: one indexed
  // lookup (for answering a retried request by its event id).
  absl::StatusOr<std::optional<RecordedEvent>> FindEvent(
      absl::string_view stream_id, const Uuid& id) const;

  // The last durable version of a stream, or nullopt if it has none.
  absl::StatusOr<std::optional<uint64_t>> StreamLastVersion(
      absl::string_view stream_id) const;

  // The position of the last durable event; 0 for an empty log.
  uint64_t HeadPosition() const { return watcher_->head(); }

  // The last durable event's position and chain hash (chain.h): what a
  // council publishes or anchors outside svledger.
  ChainHead DurableChainHead() const;

  // Recomputes the hash chain from position 1 through the durable head (or
  // options.through), on one snapshot, while appends go on; see verify.h.
  // Errors: UNAVAILABLE when closed or reopening; INVALID_ARGUMENT for
  // `through` beyond the head or a malformed anchor. A broken chain, or an
  // anchor beyond the head or not matching, is not an error: the report
  // says so.
  absl::StatusOr<ChainReport> VerifyChain(
      const VerifyChainOptions& options) const;

  // Calls `fn` with the open database and the durable chain head, holding
  // off a reopening (Recover) and Close until it returns: for an online
  // backup, which copies the database's live files. Everything at or
  // before the head is in those files. Errors: UNAVAILABLE when closed or
  // reopening; else `fn`'s.
  absl::Status WithDatabase(
      absl::FunctionRef<absl::Status(rocksdb::DB& db, const ChainHead& head)>
          fn) const;

  // Tells waiters when the head moves (used by subscriptions). Owned by the
  // store; valid until the store is destroyed. Waiting is not a mutation
  // of the log, hence available on a const store.
  HeadWatcher& head_watcher() const { return *watcher_; }

  const Limits& limits() const { return options_.limits; }
  EventStoreStats Stats() const;

  // A RocksDB integer property of the log's database, summed over its
  // column families (e.g. "rocksdb.estimate-live-data-size",
  // "rocksdb.estimate-pending-compaction-bytes"); nullopt if unknown.
  std::optional<uint64_t> IntProperty(const std::string& name) const;

  // Stops taking appends (later ones fail UNAVAILABLE), completes every
  // queued append, stops notifications, waits for reads in progress and
  // closes RocksDB; later reads fail UNAVAILABLE. Idempotent.
  void Close();

 private:
  struct Pending;
  struct BatchState;
  using Handles = RocksHandles;
  // One group commit on its way through the pipeline.
  struct Written {
    std::vector<std::unique_ptr<Pending>> appends;
    uint64_t last_position = 0;  // 0: nothing was written
    std::string last_hash;       // chain_hash(last_position)
    bool synced = false;         // the writer wrote it with sync on
  };

  EventStore(EventStoreOptions options, std::unique_ptr<Handles> handles,
             ChainHead head);

  // Opens the database (upgrading a version-1 log) and recovers its head.
  static absl::StatusOr<std::pair<std::unique_ptr<Handles>, ChainHead>>
  OpenDatabase(const EventStoreOptions& options, bool verify_checksums);
  // After a failure: once the syncer has failed everything written before,
  // reopens the database in place and clears the failure. Writer only.
  absl::Status Recover();
  absl::Status ReopenLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);

  void WriterLoop();
  void SyncerLoop();
  void CompleterLoop();
  // Tells each append its outcome. On the completer thread.
  void Complete(std::deque<Written>& batches);
  Written CommitBatch(std::vector<std::unique_ptr<Pending>> batch);
  absl::StatusOr<AppendResult> Stage(const Pending& append, BatchState& state,
                                     absl::Time now);
  absl::StatusOr<AppendResult> StageRetry(
      const Pending& append, const BatchState& state,
      const std::vector<uint64_t>& positions) const;
  absl::StatusOr<std::optional<uint64_t>> LookupEventId(
      const BatchState& state, const std::string& key) const;
  absl::StatusOr<RecordedEvent> ReadEventAt(uint64_t position) const;
  // The stream's last version as written, durable or not. Writer only.
  absl::StatusOr<std::optional<uint64_t>> WrittenLastVersion(
      absl::string_view stream_id);
  // Caches a stream's written head. Writer only.
  void RememberHead(absl::string_view stream_id, uint64_t version);
  struct DiskSpace {
    uint64_t free = 0;    // bytes free on the log's disk
    uint64_t needed = 0;  // bytes reopening the log needs
  };
  DiskSpace Space() const;
  // "the event log's disk is full (<path>: N MiB free); ".
  std::string DiskFull() const;
  // The first error that poisoned the store (a failed sync), or OK.
  absl::Status failure() const;
  void Fail(const absl::Status& status);

  const EventStoreOptions options_;
  Clock* const clock_;
  std::unique_ptr<Handles> db_;
  std::unique_ptr<HeadWatcher> watcher_;

  // Touched only by the writer thread.
  uint64_t next_position_;
  std::string written_hash_;  // chain_hash(next_position_ - 1)
  // The last written version of recently appended streams, so that checking
  // an expected version rarely reads RocksDB. At most kMaxRememberedHeads.
  static constexpr size_t kMaxRememberedHeads = 1 << 17;
  absl::flat_hash_map<std::string, uint64_t> written_heads_;

  absl::Mutex close_mu_;  // held through Close()
  absl::Mutex queue_mu_;
  std::deque<std::unique_ptr<Pending>> queue_ ABSL_GUARDED_BY(queue_mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(queue_mu_) = 0;
  bool closing_ ABSL_GUARDED_BY(queue_mu_) = false;
  bool closed_ ABSL_GUARDED_BY(queue_mu_) = false;

  // Held shared by every public read and exclusively by Close, so that no
  // read touches a closed database.
  mutable absl::Mutex db_mu_;
  bool db_closed_ ABSL_GUARDED_BY(db_mu_) = false;
  // Reads that hold db_mu_ for minutes (WithDatabase, VerifyChain), so
  // that Recover does not queue its writer lock behind them.
  mutable std::atomic<int> long_readers_{0};
  struct LongRead {
    explicit LongRead(std::atomic<int>& n) : n_(n) { ++n_; }
    ~LongRead() { --n_; }
    std::atomic<int>& n_;
  };

  // Set by the syncer just before it publishes a new durable head.
  mutable absl::Mutex chain_mu_;
  ChainHead durable_chain_ ABSL_GUARDED_BY(chain_mu_);

  mutable absl::Mutex failure_mu_;
  absl::Status failure_ ABSL_GUARDED_BY(failure_mu_);
  // When the writer last tried to Recover (real time), and what came of it.
  // Writer only.
  absl::Time last_recovery_ = absl::InfinitePast();
  absl::Status last_recovery_error_ = absl::UnavailableError("not yet tried");

  // Group commits handed to the syncer, and those it has finished with, so
  // that Recover knows when the pipeline holds nothing of the old database.
  absl::Mutex drain_mu_;
  uint64_t batches_pushed_ ABSL_GUARDED_BY(drain_mu_) = 0;
  uint64_t batches_synced_ ABSL_GUARDED_BY(drain_mu_) = 0;

  HandoffQueue<Written> to_sync_;
  std::thread writer_;
  HandoffQueue<Written> to_complete_;
  std::thread syncer_;
  std::thread completer_;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> appends_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> deduplicated_{0};
  std::atomic<uint64_t> failed_commits_{0};
  std::atomic<uint64_t> recoveries_{0};
};

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_EVENT_STORE_H_
