#ifndef SVLEDGER_PROJECTIONS_PROJECTION_DB_H_
#define SVLEDGER_PROJECTIONS_PROJECTION_DB_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace svledger::projections {

// One generation of one projection's state: a RocksDB column family (see
// format.h). Owned by its ProjectionDb.
//
// Thread-safe. Writes are atomic batches, not synced: a projection can
// always catch up from the log, and RocksDB's recovery keeps a prefix of
// the batches, so state and checkpoint stay consistent across a crash.
class ProjectionTable {
 public:
  // "<name>.<generation>".
  const std::string& cf_name() const { return cf_name_; }
  uint32_t generation() const { return generation_; }

  // The value at `key`, or nullopt.
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key) const;

  // Calls `fn` with every key starting with `prefix`, in key order, and
  // stops at the first error it returns.
  absl::Status ForEach(absl::string_view prefix,
                       absl::FunctionRef<absl::Status(absl::string_view key,
                                                      absl::string_view value)>
                           fn) const;

  // How a batch is written.
  enum class Logging {
    kLogged,    // through RocksDB's write-ahead log (not synced)
    kUnlogged,  // memtable only until the next Flush: for a table that
                // serves no one yet, which a crash drops anyway
  };

  // Writes every (key, value) in one atomic batch.
  absl::Status Write(
      const std::vector<std::pair<std::string, std::string>>& puts,
      Logging logging = Logging::kLogged);

  // After a failed write (a full disk), asks RocksDB to resume writing;
  // an error if it cannot yet.
  absl::Status Resume();

  // Persists unlogged writes (flushes the memtable). Blocks.
  absl::Status Flush();

 private:
  friend class ProjectionDb;
  ProjectionTable(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                  std::string cf_name, uint32_t generation)
      : db_(db),
        cf_(cf),
        cf_name_(std::move(cf_name)),
        generation_(generation) {}

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  const std::string cf_name_;
  const uint32_t generation_;
};

// The projections' database: for each projection name, the active table
// and at most one table being rebuilt. A table left half-built by a crash is
// dropped at the next Open.
//
// Thread-safe.
class ProjectionDb {
 public:
  // Opens (creating if needed) the database at `path`. A database of another
  // format version is deleted and recreated empty: projections are derived
  // data, rebuilt from the log. RocksDB keeps at most `max_open_files`
  // files open. Errors: RocksDB's (e.g. a locked directory).
  static absl::StatusOr<std::unique_ptr<ProjectionDb>> Open(
      const std::string& path, int max_open_files = 128);

  // Closes the database.
  ~ProjectionDb();
  ProjectionDb(const ProjectionDb&) = delete;
  ProjectionDb& operator=(const ProjectionDb&) = delete;

  // The table that serves `name`; created empty (generation 1) on first use.
  // Valid until a later Activate replaces it and then the db closes.
  absl::StatusOr<ProjectionTable*> Active(const std::string& name);

  // A new empty table for rebuilding `name` (generation active + 1),
  // replacing any unfinished one.
  absl::StatusOr<ProjectionTable*> CreateNext(const std::string& name);

  // The database itself, for an online backup (backup/), which copies its
  // live files while it serves. Valid until the ProjectionDb is destroyed.
  rocksdb::DB& database() { return *db_; }

  // Makes `table` (from CreateNext) the active table of `name`, durably,
  // and drops the table it replaces. REQUIRES: no one uses the old table.
  absl::Status Activate(const std::string& name, ProjectionTable* table);

 private:
  ProjectionDb() = default;
  absl::Status Drop(std::unique_ptr<ProjectionTable> table)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;  // default
  // By projection name.
  std::map<std::string, std::unique_ptr<ProjectionTable>> active_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::unique_ptr<ProjectionTable>> next_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger::projections

#endif  // SVLEDGER_PROJECTIONS_PROJECTION_DB_H_
