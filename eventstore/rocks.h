#ifndef SVLEDGER_EVENTSTORE_ROCKS_H_
#define SVLEDGER_EVENTSTORE_ROCKS_H_

// The RocksDB handles of an open log and the translation of RocksDB
// statuses and slices. Internal to eventstore/, except that projections/
// (which keep their read models in RocksDB too) use View, ToSlice and
// FromRocks.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "eventstore/event.h"
#include "rocksdb/db.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/snapshot.h"

namespace svledger::eventstore {

// Debian's Abseil has its own string_view, distinct from std::string_view.
inline absl::string_view View(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}
inline rocksdb::Slice ToSlice(absl::string_view view) {
  return rocksdb::Slice(view.data(), view.size());
}

// The part of a stream-keyed entry (format.h) up to and including the 0x00
// separator. Used only for memtable insert hints: a stream's versions arrive
// in order, so each insert lands right after the previous one of its stream.
std::shared_ptr<const rocksdb::SliceTransform> NewStreamPrefixTransform();

// RocksDB's info log for a database, written to stderr (warnings and worse,
// each line prefixed with `name`) instead of a LOG file beside it: a LOG
// file shares the database's disk, and when that disk is full RocksDB's own
// recovery logs to a file that has failed (an assertion in Debian's build).
std::shared_ptr<rocksdb::Logger> StderrLogger(std::string name);

// Translates a RocksDB status, prefixing `context` to its message.
absl::Status FromRocks(const rocksdb::Status& status,
                       absl::string_view context);

// An open database and its column families (see format.h).
struct RocksHandles {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* meta = nullptr;  // default
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* stream_index = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids = nullptr;
  bool read_only = false;  // opened by OpenLogReadOnly

  // Takes an opened database and its handles, in the order of format.h's
  // column families (default, events, stream_index, event_ids).
  static std::unique_ptr<RocksHandles> Adopt(
      rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs);

  // Releases the column family handles and closes the database.
  absl::Status Close();
};

// Opens the log database in `path` read-only: nothing is written, so it
// works on a full disk or a copy. Errors: RocksDB's, naming the path.
absl::StatusOr<std::unique_ptr<RocksHandles>> OpenLogReadOnly(
    const std::string& path);

// The last event's position and chain hash (genesis for an empty log).
// Defined in event_store.cc.
absl::StatusOr<ChainHead> RecoverChainHead(RocksHandles& h);

// Holds a RocksDB snapshot for the lifetime of one read.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(rocksdb::DB* db)
      : db_(db), snapshot_(db->GetSnapshot()) {}
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snapshot_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;

  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_ROCKS_H_
