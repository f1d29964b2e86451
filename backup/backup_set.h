#ifndef SVLEDGER_BACKUP_BACKUP_SET_H_
#define SVLEDGER_BACKUP_BACKUP_SET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "eventstore/verify.h"
#include "projections/projection_db.h"

namespace rocksdb {
class BackupEngine;
}  // namespace rocksdb

namespace svledger::backup {

struct BackupSetOptions {
  // The most bytes a second a backup writes (RocksDB's backup_rate_limit);
  // 0: no limit. A backup competes with appends for the disk: measured with
  // 16 clients appending on this project's 2-core machine
  // (bench/backup_bench, a 1,000,000-event log), appends kept 60-67% of
  // their rate during an unlimited backup, 75% at 32 MiB/s and 86% at
  // 16 MiB/s, where a 120 MiB log takes 8 s. Default 16 MiB/s.
  uint64_t max_bytes_per_second = 16 << 20;
};

// One complete backup, as listed.
struct BackupInfo {
  uint32_t id = 0;     // the log backup's id: 1, 2, ... never reused
  absl::Time created;  // when it began
  // Every event through `position` is in it; `chain_hash` is that event's
  // chain hash (eventstore/chain.h), 32 raw bytes.
  uint64_t position = 0;
  std::string chain_hash;
  uint64_t size_bytes = 0;  // log + projections + files (shared ones too)
  uint32_t files = 0;       // files it consists of
};

struct CreateReport {
  BackupInfo backup;
  // What this backup added to the backup directory: the files no earlier
  // backup shares (an incremental backup's cost).
  uint64_t added_bytes = 0;
  absl::Duration took;
};

struct VerifyReport {
  uint32_t id = 0;
  uint64_t files_checked = 0;  // files whose checksum was recomputed
  uint64_t bytes_checked = 0;
  // The restored log's chain, recomputed, with the backup's own recorded
  // (position, chain_hash) checked as an anchor.
  eventstore::ChainReport chain;
  // Empty when everything holds; else the first problem found.
  std::string problem;
  absl::Duration took;
  bool ok() const { return problem.empty(); }
};

struct RestoreReport {
  uint32_t id = 0;
  // The restored log's last event and its chain hash (at least the
  // backup's recorded position: a backup may hold a few events written
  // after its head was read).
  uint64_t position = 0;
  std::string chain_hash;
  uint64_t backup_position = 0;  // as the backup recorded it
  uint64_t files = 0;            // plain files restored
  absl::Duration took;
};

// The backups in one directory:
//
//   <dir>/log/          RocksDB BackupEngine of the event log
//   <dir>/projections/  BackupEngine of the projections
//   <dir>/files/<sha256> the data directory's other files, by content
//
// A backup is committed by its log backup, made last and atomically by the
// BackupEngine, whose metadata is the BackupManifest (manifest.proto)
// naming its projections backup and file list. Anything a crash leaves
// behind without a committed log backup is removed by the next Create or
// Prune. See backup/README.md.
//
// Thread-safe. One of Create, Prune and Verify runs at a time (another
// asked meanwhile gets ABORTED at once rather than waiting minutes); List
// answers from what the last of them found.
class BackupSet {
 public:
  // Opens (creating) the backup directory. Errors: INTERNAL naming it.
  static absl::StatusOr<std::unique_ptr<BackupSet>> Open(
      const std::string& dir, const BackupSetOptions& options = {});
  ~BackupSet();
  BackupSet(const BackupSet&) = delete;
  BackupSet& operator=(const BackupSet&) = delete;

  const std::string& dir() const { return dir_; }

  // Backs up, online, the projections, then the log, then the files of
  // `data_dir` outside `log/` and `projections/`. Appends go on meanwhile.
  // Errors: ABORTED if another operation runs; UNAVAILABLE if the store
  // is closed or reopening; RESOURCE_EXHAUSTED for a full backup disk;
  // else the storage error. A failed backup leaves no backup behind.
  absl::StatusOr<CreateReport> Create(const eventstore::EventStore& store,
                                      projections::ProjectionDb& projections,
                                      const std::string& data_dir,
                                      absl::Time now);

  // Complete backups, oldest first, as of the last Open, Create or Prune
  // (never waits for one that runs).
  std::vector<BackupInfo> List() const;

  // Asks a backup in progress to stop soon (its Create then fails; nothing
  // of it is listed). For shutdown.
  void Stop();

  // Reads every file of backup `id` (default: the newest) and checks its
  // checksum, restores its log into a scratch directory inside the backup
  // directory and recomputes the chain there. A check that fails is
  // reported in VerifyReport::problem, not as an error. Errors: NOT_FOUND
  // for an unknown id or no backups; ABORTED as Create.
  absl::StatusOr<VerifyReport> Verify(std::optional<uint32_t> id);

  // Deletes all but the newest `keep` backups and the files only they
  // used; returns the ids deleted. Errors: INVALID_ARGUMENT naming keep if
  // below 1; ABORTED as Create.
  absl::StatusOr<std::vector<uint32_t>> Prune(int keep);

  // Restores backup `id` (default: the newest) of the backups in `from`
  // into `data_dir`, which must be empty or absent, verifying every file's
  // checksum as it is copied and then the restored log's chain. Offline:
  // no server may use either directory. Errors: FAILED_PRECONDITION
  // naming --data-dir if it is not empty; NOT_FOUND for no such backup;
  // DATA_LOSS naming the file or position that does not verify (what was
  // restored is then removed again).
  static absl::StatusOr<RestoreReport> Restore(const std::string& from,
                                               const std::string& data_dir,
                                               std::optional<uint32_t> id);

 private:
  BackupSet(std::string dir, std::unique_ptr<rocksdb::BackupEngine> log,
            std::unique_ptr<rocksdb::BackupEngine> projections);

  class Claim;
  // Marks an operation as running; ABORTED if one already is.
  absl::StatusOr<std::unique_ptr<Claim>> Begin(absl::string_view what);

  // Re-reads the complete backups into listed_.
  void Refresh();

  // Restore, leaving whatever it restored behind on failure.
  static absl::StatusOr<RestoreReport> RestoreInto(const std::string& from,
                                                   const std::string& data_dir,
                                                   std::optional<uint32_t> id);

  // Removes what no committed backup refers to: projections backups and
  // files left by a backup that did not complete or by a pruned one.
  // REQUIRES: a Claim is held.
  absl::Status CollectGarbage();

  const std::string dir_;
  mutable absl::Mutex mu_;
  std::string running_ ABSL_GUARDED_BY(mu_);  // what runs; empty: nothing
  std::vector<BackupInfo> listed_ ABSL_GUARDED_BY(mu_);
  // Thread-safe for reads alongside one writing operation (RocksDB's
  // contract); a Claim ensures there is only one.
  const std::unique_ptr<rocksdb::BackupEngine> log_;
  const std::unique_ptr<rocksdb::BackupEngine> projections_;
};

}  // namespace svledger::backup

#endif  // SVLEDGER_BACKUP_BACKUP_SET_H_
