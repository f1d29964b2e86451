// The write path of the event log: opening, the group-commit writer, closing.
// Reads are in event_store_read.cc.

#include "eventstore/event_store.h"

#include <pthread.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "eventstore/chain.h"
#include "eventstore/format.h"
#include "eventstore/rocks.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/perf_level.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace svledger::eventstore {

// One queued append and, once staged, its outcome.
struct EventStore::Pending {
  std::string stream_id;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<ProposedEvent> events;
  AppendCallback done;
  size_t bytes = 0;
  absl::StatusOr<AppendResult> result = absl::UnknownError("not staged");
  // A Barrier: no events; completes once what was written before is durable.
  bool barrier = false;
  absl::Time enqueued = absl::Now();  // for CommitReport's latencies
};

// What one group commit has staged but not yet written, so that appends in
// the same batch see each other (a stream's head, an event id).
struct EventStore::BatchState {
  struct Staged {
    const ProposedEvent* event;
    uint64_t stream_version;
  };
  uint64_t next_position = 1;
  std::string prev_hash;  // chain_hash(next_position - 1)
  absl::flat_hash_map<std::string, uint64_t> heads;  // stream -> version
  absl::flat_hash_map<std::string, uint64_t> ids;    // EventIdKey -> pos
  absl::flat_hash_map<uint64_t, Staged> staged;      // pos -> event
  rocksdb::WriteBatch batch;
};

namespace {

rocksdb::CompressionType PickCompression() {
  std::vector<rocksdb::CompressionType> supported =
      rocksdb::GetSupportedCompressions();
  for (rocksdb::CompressionType want :
       {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), want) !=
        supported.end()) {
      return want;
    }
  }
  return rocksdb::kNoCompression;
}

// How a column family's keys arrive and are read, for tuning.
struct CfTraits {
  // Most lookups are of single keys, often absent: use bloom filters.
  bool point_lookups = false;
  // Keys arrive in order, within the whole family or within each stream:
  // let the memtable insert next to the last key instead of searching.
  std::shared_ptr<const rocksdb::SliceTransform> insert_hint;
};

rocksdb::ColumnFamilyOptions CfOptions(std::shared_ptr<rocksdb::Cache> cache,
                                       const CfTraits& traits) {
  rocksdb::ColumnFamilyOptions cf;
  cf.memtable_insert_with_hint_prefix_extractor = traits.insert_hint;
  cf.write_buffer_size = 64 << 20;
  cf.compression = PickCompression();
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(cache);
  if (traits.point_lookups) {
    // Most lookups of event ids and stream heads are for keys that do not
    // exist yet (a new event, a new stream): bloom filters answer them
    // without touching data blocks.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cf.memtable_whole_key_filtering = true;
    cf.memtable_prefix_bloom_size_ratio = 0.05;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// Events sealed per batch while upgrading a version-1 log.
constexpr uint64_t kUpgradeBatchEvents = 10000;

// Upgrades a version-1 log to version 2: seals every event with its chain
// hash (chain.h), oldest first, in batches that each record how far they
// got, so an upgrade cut short by a crash resumes where it stopped. The
// version turns to 2 in the last batch.
absl::Status UpgradeToChain(RocksHandles& h, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  uint64_t done = 0;
  std::string prev = chain::GenesisHash();
  std::string progress;
  rocksdb::Status s = h.db->Get(rocksdb::ReadOptions(), h.meta,
                                format::kChainUpgradeKey, &progress);
  if (s.ok()) {
    absl::StatusOr<uint64_t> through = format::DecodeU64(progress);
    if (!through.ok()) return through.status();
    done = *through;
    std::string value;
    s = h.db->Get(rocksdb::ReadOptions(), h.events, format::EncodeU64(done),
                  &value);
    if (!s.ok()) return FromRocks(s, "resuming the chain upgrade");
    absl::StatusOr<chain::Sealed> sealed = chain::Split(done, value);
    if (!sealed.ok()) return sealed.status();
    prev = std::string(sealed->hash);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading the chain upgrade's progress");
  }
  ScopedSnapshot snapshot(h.db.get());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(h.db->NewIterator(ro, h.events));
  rocksdb::WriteBatch batch;
  const uint64_t resumed_at = done;
  for (it->Seek(format::EncodeU64(done + 1)); it->Valid(); it->Next()) {
    absl::StatusOr<uint64_t> position = format::DecodeU64(View(it->key()));
    if (!position.ok()) return position.status();
    if (*position != done + 1) {
      return absl::DataLossError(absl::StrCat("upgrading the log: position ",
                                              done + 1, " is missing"));
    }
    const absl::string_view content = View(it->value());
    std::string hash = chain::Link(*position, prev, content);
    for (rocksdb::Status put :
         {batch.Put(h.events, it->key(), chain::Seal(content, hash))}) {
      if (!put.ok()) return FromRocks(put, "upgrading the log");
    }
    prev = std::move(hash);
    done = *position;
    if (batch.Count() >= kUpgradeBatchEvents) {
      rocksdb::Status put =
          batch.Put(h.meta, format::kChainUpgradeKey, format::EncodeU64(done));
      if (put.ok()) put = h.db->Write(wo, &batch);
      if (!put.ok()) return FromRocks(put, "upgrading the log");
      batch.Clear();
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "upgrading the log");
  for (rocksdb::Status step :
       {batch.Put(h.meta, format::kFormatVersionKey,
                  absl::StrCat(format::kFormatVersion)),
        batch.Delete(h.meta, format::kChainUpgradeKey)}) {
    if (!step.ok()) return FromRocks(step, "upgrading the log");
  }
  if (rocksdb::Status w = h.db->Write(wo, &batch); !w.ok()) {
    return FromRocks(w, "upgrading the log");
  }
  std::fprintf(stderr,
               "eventstore: upgraded the log to format %d: chained %llu "
               "events (positions %llu to %llu)\n",
               format::kFormatVersion,
               static_cast<unsigned long long>(done - resumed_at),
               static_cast<unsigned long long>(resumed_at + 1),
               static_cast<unsigned long long>(done));
  return absl::OkStatus();
}

// Ensures the database is of the format this build reads, upgrading a
// version-1 log.
absl::Status CheckFormatVersion(RocksHandles& h, bool sync) {
  std::string value;
  rocksdb::Status s = h.db->Get(rocksdb::ReadOptions(), h.meta,
                                format::kFormatVersionKey, &value);
  if (s.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> it(
        h.db->NewIterator(rocksdb::ReadOptions(), h.events));
    it->SeekToFirst();
    if (it->Valid()) {
      return absl::DataLossError(
          "database holds events but no format_version record");
    }
    if (!it->status().ok()) return FromRocks(it->status(), "checking format");
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(h.db->Put(wo, h.meta, format::kFormatVersionKey,
                               absl::StrCat(format::kFormatVersion)),
                     "writing format version");
  }
  if (!s.ok()) return FromRocks(s, "reading format version");
  if (value == "1") return UpgradeToChain(h, sync);
  int version = 0;
  if (!absl::SimpleAtoi(value, &version) || version != format::kFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory has event log format version '", value,
                     "'; this build reads versions 1 (upgraded at open) and ",
                     format::kFormatVersion));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ChainHead> RecoverChainHead(RocksHandles& h) {
  std::unique_ptr<rocksdb::Iterator> it(
      h.db->NewIterator(rocksdb::ReadOptions(), h.events));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "recovering head");
  ChainHead head;
  head.hash = chain::GenesisHash();
  if (!it->Valid()) return head;
  absl::StatusOr<uint64_t> position = format::DecodeU64(View(it->key()));
  if (!position.ok()) return position.status();
  absl::StatusOr<chain::Sealed> sealed =
      chain::Split(*position, View(it->value()));
  if (!sealed.ok()) return sealed.status();
  head.position = *position;
  head.hash = std::string(sealed->hash);
  return head;
}

namespace {

std::string DescribeVersion(std::optional<uint64_t> last) {
  return last.has_value() ? absl::StrCat(*last)
                          : "none (stream does not exist)";
}

}  // namespace

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(
    EventStoreOptions options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("path: required");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("creating data directory ",
                                            options.path, ": ", ec.message()));
  }

  absl::StatusOr<std::pair<std::unique_ptr<Handles>, ChainHead>> opened =
      OpenDatabase(options, options.verify_checksums_on_open);
  if (!opened.ok()) return opened.status();
  auto [handles, head] = *std::move(opened);
  return std::unique_ptr<EventStore>(
      new EventStore(std::move(options), std::move(handles), head));
}

absl::StatusOr<std::pair<std::unique_ptr<RocksHandles>, ChainHead>>
EventStore::OpenDatabase(const EventStoreOptions& options,
                         bool verify_checksums) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  db_options.info_log = StderrLogger("event log");
  db_options.max_open_files = options.max_open_files;
  // One writer thread by design; the concurrent memtable path only costs.
  db_options.allow_concurrent_memtable_write = false;
  // Every acknowledged write was synced, so after a crash only the WAL's
  // last record can be incomplete. Anything else wrong in a WAL (a bad
  // checksum, a record cut short mid-file) means acknowledged events would
  // be dropped: refuse to open rather than serve a shortened log (the
  // default, point-in-time recovery, stops silently at the first bad
  // record).
  db_options.wal_recovery_mode =
      rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Positions are 8-byte big-endian and grow by one: the first four bytes
  // are the same for billions of events, a fine hint prefix.
  auto position_prefix = std::shared_ptr<const rocksdb::SliceTransform>(
      rocksdb::NewFixedPrefixTransform(4));
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, CfOptions(cache, {})},
      {format::kEventsCf, CfOptions(cache, {.insert_hint = position_prefix})},
      {format::kStreamIndexCf,
       CfOptions(cache, {.point_lookups = true,
                         .insert_hint = NewStreamPrefixTransform()})},
      {format::kEventIdsCf, CfOptions(cache, {.point_lookups = true})},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, cfs, &handles, &raw);
  if (!s.ok()) {
    absl::Status opened =
        FromRocks(s, absl::StrCat("opening event log in ", options.path));
    if (s.IsCorruption() && !absl::StrContains(s.ToString(), ".sst")) {
      // RocksDB names a damaged table file but not a damaged WAL: name
      // the WAL files it replays.
      std::string wals;
      std::error_code ec;
      for (const auto& entry :
           std::filesystem::directory_iterator(options.path, ec)) {
        if (entry.path().extension() == ".log") {
          absl::StrAppend(&wals, wals.empty() ? "" : ", ",
                          entry.path().filename().string());
        }
      }
      if (!wals.empty()) {
        opened = absl::DataLossError(absl::StrCat(
            opened.message(), " (in a write-ahead log file: ", wals, ")"));
      }
    }
    return opened;
  }
  std::unique_ptr<RocksHandles> h = RocksHandles::Adopt(raw, handles);

  absl::Status checked = absl::OkStatus();
  if (verify_checksums) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    checked =
        FromRocks(h->db->VerifyChecksum(ro),
                  absl::StrCat("checking the event log in ", options.path));
  }
  if (checked.ok()) checked = CheckFormatVersion(*h, options.sync);
  absl::StatusOr<ChainHead> head =
      checked.ok() ? RecoverChainHead(*h) : absl::StatusOr<ChainHead>(checked);
  if (!head.ok()) {
    absl::Status closed = h->Close();
    if (!closed.ok()) {
      std::fprintf(stderr, "eventstore: %s\n", closed.ToString().c_str());
    }
    return head.status();
  }
  return std::make_pair(std::move(h), *std::move(head));
}

EventStore::EventStore(EventStoreOptions options,
                       std::unique_ptr<Handles> handles, ChainHead head)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()),
      db_(std::move(handles)),
      watcher_(std::make_unique<HeadWatcher>(head.position)),
      next_position_(head.position + 1),
      written_hash_(head.hash),
      durable_chain_(std::move(head)) {
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "svl-writer");
    WriterLoop();
  });
  syncer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "svl-syncer");
    SyncerLoop();
  });
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "svl-completer");
    CompleterLoop();
  });
}

EventStore::~EventStore() { Close(); }

void EventStore::Close() {
  // Whole Close calls are serialized: a second caller waits for the first
  // to finish, then finds the store closed.
  absl::MutexLock close_lock(&close_mu_);
  {
    absl::MutexLock lock(&queue_mu_);
    if (closed_) return;
    closing_ = true;
  }
  // Each stage drains what it was handed, then closes the next one's queue.
  if (writer_.joinable()) writer_.join();
  if (syncer_.joinable()) syncer_.join();
  if (completer_.joinable()) completer_.join();
  watcher_->Stop();
  {
    absl::WriterMutexLock lock(&db_mu_);
    db_closed_ = true;
    absl::Status s =
        db_ != nullptr ? db_->Close() : absl::OkStatus();  // null: recovering
    if (!s.ok()) {
      std::fprintf(stderr, "eventstore: %s\n", s.ToString().c_str());
    }
  }
  absl::MutexLock lock(&queue_mu_);
  closed_ = true;
}

std::string EventStore::DiskFull() const {
  return absl::StrCat("the event log's disk is full (", options_.path, ": ",
                      Space().free >> 20, " MiB free); ");
}

EventStore::DiskSpace EventStore::Space() const {
  DiskSpace space;
  struct statvfs fs;
  if (statvfs(options_.path.c_str(), &fs) == 0) {
    space.free = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  }
  // What reopening writes: the WAL's contents as table files, a new WAL
  // and MANIFEST, with room to spare.
  space.needed = 8 << 20;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(options_.path, ec)) {
    if (entry.path().extension() == ".log") {
      space.needed += entry.file_size(ec);
    }
  }
  return space;
}

absl::Status EventStore::failure() const {
  absl::MutexLock lock(&failure_mu_);
  return failure_;
}

void EventStore::Fail(const absl::Status& status) {
  absl::MutexLock lock(&failure_mu_);
  if (failure_.ok()) failure_ = status;
}

ChainHead EventStore::DurableChainHead() const {
  absl::MutexLock lock(&chain_mu_);
  return durable_chain_;
}

absl::Status EventStore::WithDatabase(
    absl::FunctionRef<absl::Status(rocksdb::DB& db, const ChainHead& head)> fn)
    const {
  LongRead long_read(long_readers_);
  absl::ReaderMutexLock lock(&db_mu_);
  if (db_closed_) return absl::UnavailableError("event store is closed");
  if (db_ == nullptr || db_->read_only) {
    return absl::UnavailableError(
        "event store is reopening its database after a storage error; retry");
  }
  return fn(*db_->db, DurableChainHead());
}

EventStoreStats EventStore::Stats() const {
  EventStoreStats stats;
  stats.commits = commits_.load(std::memory_order_relaxed);
  stats.appends = appends_.load(std::memory_order_relaxed);
  stats.events = events_.load(std::memory_order_relaxed);
  stats.deduplicated = deduplicated_.load(std::memory_order_relaxed);
  stats.failed_commits = failed_commits_.load(std::memory_order_relaxed);
  stats.recoveries = recoveries_.load(std::memory_order_relaxed);
  return stats;
}

std::optional<uint64_t> EventStore::IntProperty(const std::string& name) const {
  uint64_t value = 0;
  absl::ReaderMutexLock lock(&db_mu_);
  if (db_closed_ || db_ == nullptr ||
      !db_->db->GetAggregatedIntProperty(name, &value)) {
    return std::nullopt;
  }
  return value;
}

void EventStore::AppendAsync(std::string stream_id, ExpectedVersion expected,
                             std::vector<ProposedEvent> events,
                             AppendCallback done) {
  absl::StatusOr<size_t> bytes =
      ValidateAppend(stream_id, events, options_.limits);
  if (!bytes.ok()) {
    std::move(done)(bytes.status());
    return;
  }
  auto pending = std::make_unique<Pending>();
  pending->bytes = *bytes;
  pending->stream_id = std::move(stream_id);
  pending->expected = expected;
  pending->events = std::move(events);
  pending->done = std::move(done);
  absl::Status refusal = absl::OkStatus();
  {
    absl::MutexLock lock(&queue_mu_);
    if (closing_) {
      refusal = absl::UnavailableError("event store is closed");
    } else if (queued_bytes_ + pending->bytes > options_.max_queued_bytes) {
      refusal = absl::UnavailableError(
          "event store append queue is full; retry later");
    } else {
      queued_bytes_ += pending->bytes;
      queue_.push_back(std::move(pending));
      return;
    }
  }
  std::move(pending->done)(refusal);
}

void EventStore::Barrier(absl::AnyInvocable<void(absl::Status) &&> done) {
  auto pending = std::make_unique<Pending>();
  pending->barrier = true;
  pending->done =
      [done = std::move(done)](absl::StatusOr<AppendResult> result) mutable {
        std::move(done)(result.status());
      };
  {
    absl::MutexLock lock(&queue_mu_);
    if (!closing_) {
      queue_.push_back(std::move(pending));
      return;
    }
  }
  std::move(pending->done)(absl::UnavailableError("event store is closed"));
}

absl::StatusOr<AppendResult> EventStore::Append(
    std::string stream_id, ExpectedVersion expected,
    std::vector<ProposedEvent> events) {
  absl::Notification done;
  absl::StatusOr<AppendResult> result;
  AppendAsync(std::move(stream_id), expected, std::move(events),
              [&](absl::StatusOr<AppendResult> r) {
                result = std::move(r);
                done.Notify();
              });
  done.WaitForNotification();
  return result;
}

void EventStore::WriterLoop() {
  // RocksDB counts per-operation statistics in thread-local storage unless
  // told not to; nothing reads them.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  while (true) {
    std::vector<std::unique_ptr<Pending>> batch;
    {
      absl::MutexLock lock(&queue_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
        return !queue_.empty() || closing_;
      };
      queue_mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) break;  // closing and drained
      size_t bytes = 0;
      while (!queue_.empty() &&
             (batch.empty() ||
              bytes + queue_.front()->bytes <= options_.max_batch_bytes)) {
        bytes += queue_.front()->bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_bytes_ -= bytes;
    }
    Written written = CommitBatch(std::move(batch));
    {
      absl::MutexLock lock(&drain_mu_);
      ++batches_pushed_;
    }
    to_sync_.Push(std::move(written));
  }
  to_sync_.Close();
}

absl::Status EventStore::Recover() {
  {
    // Everything written to the old database has been failed by the syncer
    // (the failure is set), and the writer, here, hands it nothing more.
    absl::MutexLock lock(&drain_mu_);
    auto drained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(drain_mu_) {
      return batches_synced_ == batches_pushed_;
    };
    drain_mu_.Await(absl::Condition(&drained));
  }
  if (absl::IsResourceExhausted(failure())) {
    // Reopening replays the WAL into table files: until the disk has room
    // for that, keep the database open, serving reads, and say so.
    const DiskSpace space = Space();
    if (space.free < space.needed) {
      return absl::ResourceExhaustedError(absl::StrCat(
          DiskFull(), "appends resume by themselves once ",
          ((space.needed - space.free) >> 20) + 1, " MiB more is free"));
    }
  }
  // A backup or a chain check can hold the database for minutes: rather
  // than wait (and stall every read queued behind this writer lock), try
  // again at the next interval. Ordinary reads are short: wait for them.
  if (long_readers_.load() > 0) {
    return absl::UnavailableError(
        "a backup or a chain check is reading the log; reopening it after "
        "the storage error waits for that");
  }
  absl::WriterMutexLock lock(&db_mu_);
  return ReopenLocked();
}

absl::Status EventStore::ReopenLocked() {
  if (db_ != nullptr) {
    if (absl::Status s = db_->Close(); !s.ok()) {
      std::fprintf(stderr, "eventstore: closing to recover: %s\n",
                   s.ToString().c_str());
    }
    db_.reset();
  }
  // The table files were checked at open; they are not read again here.
  absl::StatusOr<std::pair<std::unique_ptr<Handles>, ChainHead>> reopened =
      OpenDatabase(options_, /*verify_checksums=*/false);
  if (!reopened.ok()) {
    // Reads go on from a read-only open, which writes nothing; the next
    // try reopens for writing.
    absl::StatusOr<std::unique_ptr<Handles>> readonly =
        OpenLogReadOnly(options_.path);
    if (readonly.ok()) db_ = *std::move(readonly);
    return reopened.status();
  }
  auto [handles, chain_head] = *std::move(reopened);
  const uint64_t head = chain_head.position;
  if (head < watcher_->head()) {
    // Events readers were shown are gone (a WAL tail lost with the disk):
    // numbering on would give their positions to other events.
    (void)handles->Close();
    return absl::DataLossError(
        absl::StrCat("reopened log ends at ", head, " but ", watcher_->head(),
                     " was published; refusing to renumber"));
  }
  if (const ChainHead published = DurableChainHead(); published.position > 0) {
    // The published head must still be the event readers were shown.
    std::string value;
    rocksdb::Status got =
        handles->db->Get(rocksdb::ReadOptions(), handles->events,
                         format::EncodeU64(published.position), &value);
    absl::StatusOr<chain::Sealed> sealed =
        got.ok() ? chain::Split(published.position, value)
                 : absl::StatusOr<chain::Sealed>(FromRocks(got, "reading"));
    if (!sealed.ok() || sealed->hash != published.hash) {
      (void)handles->Close();
      return absl::DataLossError(absl::StrCat(
          "reopened log's event at the published head ", published.position,
          " is not the one published; refusing to serve it"));
    }
  }
  db_ = std::move(handles);
  // Written but unsynced events may have survived in the WAL: they are in
  // the recovered prefix, made durable by the reopening's flush.
  next_position_ = head + 1;
  written_hash_ = chain_head.hash;
  written_heads_.clear();
  if (head > watcher_->head()) {
    {
      absl::MutexLock chain_lock(&chain_mu_);
      durable_chain_ = std::move(chain_head);
    }
    watcher_->Publish(head);
  }
  {
    absl::MutexLock failure_lock(&failure_mu_);
    std::fprintf(stderr, "eventstore: recovered from: %s (head %llu)\n",
                 failure_.ToString().c_str(),
                 static_cast<unsigned long long>(head));
    failure_ = absl::OkStatus();
  }
  recoveries_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

EventStore::Written EventStore::CommitBatch(
    std::vector<std::unique_ptr<Pending>> batch) {
  Written written;
  written.appends = std::move(batch);
  if (absl::Status failed = failure(); !failed.ok()) {
    // Between tries, the last try's error (a full disk says how much room
    // it needs).
    absl::Status recovered = !last_recovery_error_.ok() ? last_recovery_error_
                             : absl::IsResourceExhausted(failed)
                                 ? failed
                                 : absl::UnavailableError("not yet retried");
    if (absl::Now() - last_recovery_ >= options_.recovery_interval) {
      last_recovery_ = absl::Now();
      recovered = last_recovery_error_ = Recover();
    }
    if (!recovered.ok()) {
      for (std::unique_ptr<Pending>& append : written.appends) {
        append->result =
            absl::IsResourceExhausted(recovered)
                ? recovered
                : absl::UnavailableError(absl::StrCat(
                      "event store is recovering from a storage error (",
                      failed.message(), "); retry: ", recovered.message()));
      }
      return written;
    }
  }

  BatchState state;
  state.next_position = next_position_;
  state.prev_hash = written_hash_;
  const absl::Time now = clock_->Now();
  for (std::unique_ptr<Pending>& append : written.appends) {
    if (append->barrier) {
      // Nothing to stage: it completes, in order, after the syncer has made
      // everything before it durable.
      append->result = AppendResult();
      continue;
    }
    state.batch.SetSavePoint();
    append->result = Stage(*append, state, now);
    if (append->result.ok()) {
      state.batch.PopSavePoint().PermitUncheckedError();
    } else {
      // Stage adds to the batch only once all its checks passed, but a
      // failing Put could still leave part of an append behind.
      rocksdb::Status undone = state.batch.RollbackToSavePoint();
      if (!undone.ok()) {
        append->result = FromRocks(undone, "rolling back a staged append");
      }
    }
  }
  if (state.batch.Count() == 0) return written;  // only retries and errors

  // A large batch is written unsynced and the syncer makes it durable while
  // the next is prepared; a small one is cheaper synced right here. Either
  // way no reader is shown it before the syncer publishes the new head.
  rocksdb::WriteOptions wo;
  wo.sync =
      options_.sync && state.batch.GetDataSize() < options_.pipeline_min_bytes;
  rocksdb::Status s = db_->db->Write(wo, &state.batch);
  if (!s.ok()) {
    absl::Status failed = FromRocks(
        s, absl::StrCat(s.IsNoSpace() ? DiskFull() : "",
                        "committing appends (outcome unknown; retrying with "
                        "the same event ids is safe)"));
    Fail(failed);
    for (std::unique_ptr<Pending>& append : written.appends) {
      if (append->result.ok()) append->result = failed;
    }
    return written;
  }
  events_.fetch_add(state.next_position - next_position_,
                    std::memory_order_relaxed);
  next_position_ = state.next_position;
  written_hash_ = state.prev_hash;
  for (const auto& [stream, version] : state.heads) {
    RememberHead(stream, version);
  }
  written.last_position = next_position_ - 1;
  written.last_hash = written_hash_;
  written.synced = wo.sync;
  return written;
}

void EventStore::SyncerLoop() {
  std::deque<Written> batches;
  while (to_sync_.TakeAll(batches)) {
    uint64_t last_position = 0;
    const std::string* last_hash = nullptr;
    bool need_sync = false;
    for (const Written& w : batches) {
      if (w.last_position > last_position) {
        last_position = w.last_position;
        last_hash = &w.last_hash;
      }
      need_sync = need_sync || (w.last_position > 0 && !w.synced);
    }
    // One fsync covers every batch written before it started. A group with
    // nothing new (only retries) still fails if the store has failed: its
    // answers may point at events that never became durable.
    absl::Status synced = failure();
    const bool failed_before = !synced.ok();
    if (synced.ok() && last_position > 0 && options_.before_sync) {
      synced = options_.before_sync();
    }
    if (synced.ok() && need_sync && options_.sync) {
      synced = FromRocks(db_->db->SyncWAL(), "syncing the log");
    }
    if (synced.ok()) {
      if (last_position > 0) {
        commits_.fetch_add(1, std::memory_order_relaxed);
        {
          absl::MutexLock lock(&chain_mu_);
          durable_chain_ = {last_position, *last_hash};
        }
        watcher_->Publish(last_position);
      }
    } else {
      // What was written may or may not be on disk, and later batches were
      // numbered on top of it: fail all of it, and refuse appends until the
      // store is reopened and recovers a consistent prefix.
      if (!failed_before) {
        failed_commits_.fetch_add(1, std::memory_order_relaxed);
        Fail(synced);
      }
      for (Written& w : batches) {
        for (std::unique_ptr<Pending>& append : w.appends) {
          if (append->result.ok()) {
            append->result = absl::Status(
                absl::IsResourceExhausted(synced) ? synced.code()
                                                  : absl::StatusCode::kInternal,
                absl::StrCat("appends not known to be durable (retrying with "
                             "the same event ids after reopening is safe): ",
                             synced.message()));
          }
        }
      }
    }
    const uint64_t finished = batches.size();
    for (Written& w : batches) to_complete_.Push(std::move(w));
    batches.clear();
    absl::MutexLock lock(&drain_mu_);
    batches_synced_ += finished;
  }
  to_complete_.Close();
}

void EventStore::CompleterLoop() {
  std::deque<Written> batches;
  while (to_complete_.TakeAll(batches)) {
    Complete(batches);
    batches.clear();
  }
}

void EventStore::Complete(std::deque<Written>& batches) {
  for (Written& w : batches) {
    CommitReport report;
    for (std::unique_ptr<Pending>& append : w.appends) {
      if (append->barrier) {
        std::move(append->done)(std::move(append->result));
        continue;
      }
      if (append->result.ok()) {
        appends_.fetch_add(1, std::memory_order_relaxed);
        if (append->result->deduplicated) {
          deduplicated_.fetch_add(1, std::memory_order_relaxed);
        }
        report.events += append->events.size();
      }
      ++report.appends;
      std::move(append->done)(std::move(append->result));
      if (options_.on_commit) {
        report.latencies.push_back(absl::Now() - append->enqueued);
      }
    }
    if (options_.on_commit && report.appends > 0) options_.on_commit(report);
  }
}

absl::StatusOr<std::optional<uint64_t>> EventStore::LookupEventId(
    const BatchState& state, const std::string& key) const {
  if (auto it = state.ids.find(key); it != state.ids.end()) return it->second;
  std::string value;
  rocksdb::Status s =
      db_->db->Get(rocksdb::ReadOptions(), db_->event_ids, key, &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "looking up an event id");
  absl::StatusOr<uint64_t> position = format::DecodeU64(value);
  if (!position.ok()) return position.status();
  return *position;
}

absl::StatusOr<AppendResult> EventStore::Stage(const Pending& append,
                                               BatchState& state,
                                               absl::Time now) {
  const std::string& stream = append.stream_id;

  // 1. Idempotency: are these events already in the stream?
  std::vector<std::string> id_keys;
  id_keys.reserve(append.events.size());
  std::vector<uint64_t> found;
  std::optional<size_t> first_new;
  for (size_t i = 0; i < append.events.size(); ++i) {
    id_keys.push_back(format::EventIdKey(stream, append.events[i].id));
    absl::StatusOr<std::optional<uint64_t>> position =
        LookupEventId(state, id_keys.back());
    if (!position.ok()) return position.status();
    if (position->has_value()) {
      found.push_back(**position);
    } else if (!first_new.has_value()) {
      first_new = i;
    }
  }
  if (found.size() == append.events.size()) {
    return StageRetry(append, state, found);
  }
  if (!found.empty()) {
    return absl::AlreadyExistsError(
        absl::StrCat("events: some event ids are already stored in stream '",
                     stream, "' and events[", *first_new,
                     "] is not; an append is stored whole or not at all"));
  }

  // 2. Optimistic concurrency.
  std::optional<uint64_t> last;
  if (auto it = state.heads.find(stream); it != state.heads.end()) {
    last = it->second;
  } else {
    absl::StatusOr<std::optional<uint64_t>> stored = WrittenLastVersion(stream);
    if (!stored.ok()) return stored.status();
    last = *stored;
  }
  if (!append.expected.IsSatisfiedBy(last)) {
    return absl::AbortedError(absl::StrCat(
        "stream '", stream, "': expected version ", append.expected.ToString(),
        ", actual version ", DescribeVersion(last)));
  }

  // 3. Stage the events.
  AppendResult result;
  result.first_position = state.next_position;
  uint64_t version = last.has_value() ? *last + 1 : 0;
  std::vector<std::pair<std::string, uint64_t>> new_ids;
  std::string hash = state.prev_hash;
  for (size_t i = 0; i < append.events.size(); ++i, ++version) {
    const ProposedEvent& event = append.events[i];
    const uint64_t position = state.next_position + i;
    const std::string position_key = format::EncodeU64(position);
    const std::string content =
        format::EncodeEvent(stream, version, event, now);
    hash = chain::Link(position, hash, content);
    for (rocksdb::Status s :
         {state.batch.Put(db_->events, position_key,
                          chain::Seal(content, hash)),
          state.batch.Put(db_->stream_index,
                          format::StreamVersionKey(stream, version),
                          position_key),
          state.batch.Put(db_->event_ids, id_keys[i], position_key)}) {
      if (!s.ok()) return FromRocks(s, "staging an event");
    }
    new_ids.emplace_back(std::move(id_keys[i]), position);
  }
  const uint64_t last_version = version - 1;
  // Only now, with every Put in the batch, does the batch state move on.
  for (size_t i = 0; i < append.events.size(); ++i) {
    state.staged[state.next_position + i] = {
        &append.events[i], last_version - (append.events.size() - 1 - i)};
  }
  for (auto& [key, position] : new_ids) state.ids[std::move(key)] = position;
  state.heads[stream] = last_version;
  state.prev_hash = std::move(hash);
  state.next_position += append.events.size();
  result.last_position = state.next_position - 1;
  result.last_stream_version = last_version;
  result.recorded_time = now;
  return result;
}

absl::StatusOr<AppendResult> EventStore::StageRetry(
    const Pending& append, const BatchState& state,
    const std::vector<uint64_t>& positions) const {
  AppendResult result;
  result.deduplicated = true;
  result.first_position = positions.front();
  result.last_position = positions.front();
  for (size_t i = 0; i < append.events.size(); ++i) {
    const ProposedEvent& proposed = append.events[i];
    const uint64_t position = positions[i];
    RecordedEvent stored;
    if (auto it = state.staged.find(position); it != state.staged.end()) {
      stored.id = it->second.event->id;
      stored.type = it->second.event->type;
      stored.payload = it->second.event->payload;
      stored.metadata = it->second.event->metadata;
      stored.stream_version = it->second.stream_version;
    } else {
      absl::StatusOr<RecordedEvent> read = ReadEventAt(position);
      if (!read.ok()) return read.status();
      stored = *std::move(read);
    }
    if (!format::SameContent(stored, proposed)) {
      return absl::AlreadyExistsError(
          absl::StrCat("events[", i, "].event_id: ", proposed.id.ToString(),
                       " is already stored in stream '", append.stream_id,
                       "' at position ", position, " with different content"));
    }
    result.first_position = std::min(result.first_position, position);
    if (position >= result.last_position) {
      result.last_position = position;
      result.last_stream_version = stored.stream_version;
    }
  }
  return result;
}

}  // namespace svledger::eventstore
