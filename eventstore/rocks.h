#ifndef SVLEDGER_EVENTSTORE_ROCKS_H_
#define SVLEDGER_EVENTSTORE_ROCKS_H_

// The RocksDB handles of an open log and the translation of RocksDB
// statuses and slices. Internal to eventstore/, except that projections/
// (which keep their read models in RocksDB too) use View, ToSlice and
// FromRocks.

#include <memory>
#include <string>

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

  // Releases the column family handles and closes the database.
  absl::Status Close();
};

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
